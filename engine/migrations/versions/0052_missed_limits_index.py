"""human_task: a partial index of the steps closed after their limit, for 执法责任追究

Revision ID: 0052_missed_limits_index
Revises: 0051_abnormal_listing

engine/accountability.py `missed_enforcement_duties` lists the steps whose limit passed, newest limit
first. Open ones are found through ix_human_task_state_due; closed ones compared two columns of every
row. This index holds only the rows closed late, ordered by their limit.
"""
import sqlalchemy as sa
from alembic import op

revision = "0052_missed_limits_index"
down_revision = "0051_abnormal_listing"
branch_labels = None
depends_on = None

LATE = sa.text("completed_at > due_at")


def upgrade() -> None:
    op.create_index("ix_human_task_closed_late", "human_task", ["due_at"], sqlite_where=LATE, postgresql_where=LATE)


def downgrade() -> None:
    op.drop_index("ix_human_task_closed_late", table_name="human_task")
