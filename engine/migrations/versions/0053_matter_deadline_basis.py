"""instance.matter_deadline_basis: how a provisional matter deadline held in the data was computed

Revision ID: 0053_matter_deadline_basis
Revises: 0052_missed_limits_index

P11's 90 days (行政处罚法第六十条) are computed when the case is filed and carried by the decision step
later. While their last day lies in a year without an official schedule the matter keeps the basis
({at, start, days, unit}) so the case page and that step show them as 暂定 and importing the year's
schedule recomputes them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0053_matter_deadline_basis"
down_revision = "0052_missed_limits_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.add_column(sa.Column("matter_deadline_basis", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.drop_column("matter_deadline_basis")
