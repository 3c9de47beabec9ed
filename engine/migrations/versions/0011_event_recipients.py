"""event_recipient: who each reminder, warning light, copy or delegation entry is addressed to; and
person.notes_seen_at, when a person last opened their notifications (was kept in the browser cookie)

Entries already in the log are indexed from their data ("to" or "people"), as the notification
page used to read them.

Revision ID: 0011
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None

ADDRESSED = ("reminded", "light_yellow", "light_red", "signers_added", "copied", "delegated",
             "extension_requested", "delegation_returned")


def upgrade() -> None:
    op.create_table(
        "event_recipient",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id"), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_event_recipient_person", "event_recipient", ["person_id", "event_id"])
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("notes_seen_at", engine.models.UTCDateTime(), nullable=True))
    event = sa.table("event", sa.column("id", sa.Integer()), sa.column("kind", sa.String()), sa.column("data", sa.JSON()))
    recipient = sa.table("event_recipient", sa.column("event_id", sa.Integer()), sa.column("person_id", sa.String()))
    bind = op.get_bind()
    rows = []
    for event_id, data in bind.execute(sa.select(event.c.id, event.c.data).where(event.c.kind.in_(ADDRESSED))):
        to = (data or {}).get("to") or (data or {}).get("people") or []
        for person in sorted({str(p) for p in (to if isinstance(to, list) else [to])}):
            rows.append({"event_id": event_id, "person_id": person[:64]})
    if rows:
        op.bulk_insert(recipient, rows)


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("notes_seen_at")
    op.drop_table("event_recipient")
