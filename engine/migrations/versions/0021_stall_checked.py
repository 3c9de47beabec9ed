"""instance.stall_checked: the revision of a matter the timer worker last found able to move on, so a
matter that waits for a message is loaded again only after it changed

Revision ID: 0021
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.add_column(sa.Column("stall_checked", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.drop_column("stall_checked")
