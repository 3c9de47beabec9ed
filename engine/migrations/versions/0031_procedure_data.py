"""target_entry.supervision_measure: how the receiving department supervises the enterprise (P1's
receipt): key supervision keeps it out of the double random draw (004 §4(1))

Revision ID: 0031_procedure_data
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0031_procedure_data"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("target_entry") as batch:
        batch.add_column(sa.Column("supervision_measure", sa.String(20), nullable=False, server_default="routine"))


def downgrade() -> None:
    with op.batch_alter_table("target_entry") as batch:
        batch.drop_column("supervision_measure")
