"""event log append-only on PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE of event rows

The hash chain (engine/history.py, `liandong verify-log`) makes tampering evident; this trigger
makes it impossible for the application's own database user without first disabling the trigger
(which needs the table owner and is itself visible in the server log). SQLite has no equivalent
worth having and is left as it is.

Revision ID: 0006
Revises: 0001
"""
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION liandong_event_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '事件日志只允许追加，不允许修改或删除（%）', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
        FOR EACH ROW EXECUTE FUNCTION liandong_event_append_only()
    """)
    op.execute("""
        CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
        FOR EACH STATEMENT EXECUTE FUNCTION liandong_event_append_only()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS event_no_truncate ON event")
    op.execute("DROP TRIGGER IF EXISTS event_append_only ON event")
    op.execute("DROP FUNCTION IF EXISTS liandong_event_append_only()")
