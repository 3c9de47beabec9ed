"""auth_session: signed-in sessions and API tokens stored server-side, so signing out, a password
change, deactivation or an administrator can revoke them

Revision ID: 0033_auth_sessions
Revises: 0032_attachments
"""
import sqlalchemy as sa
from alembic import op

revision = "0033_auth_sessions"
down_revision = "0032_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_auth_session_person", "auth_session", ["person_id", "revoked_at"])


def downgrade() -> None:
    op.drop_index("ix_auth_session_person", table_name="auth_session")
    op.drop_table("auth_session")
