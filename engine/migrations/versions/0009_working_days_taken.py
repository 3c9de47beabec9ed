"""human_task.working_days_taken: set when a task completes, so the compliance report is a GROUP BY

Revision ID: 0009
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("working_days_taken", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("working_days_taken")
