"""event log: one hash chain per matter instead of one for the whole log

Entries written from now on carry per_matter = true and link to the previous entry of their own
matter (entries without a matter share one chain); the matter's row keeps the hash of its newest
entry (instance.event_head), so appending needs no query and a cut-off tail shows. Earlier entries keep per_matter NULL and are
verified as the single chain they were written as. The (instance_id, id) index finds a chain's
newest entry without sorting.

Revision ID: 0010
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("per_matter", sa.Boolean(), nullable=True))
    with op.batch_alter_table("instance") as batch:
        batch.add_column(sa.Column("event_head", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_event_chain", "event", ["instance_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_event_chain", table_name="event")
    with op.batch_alter_table("instance") as batch:
        batch.drop_column("event_head")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("per_matter")
