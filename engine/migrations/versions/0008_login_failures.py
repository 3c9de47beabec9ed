"""failed sign-ins, for login rate limiting shared by every web worker

Revision ID: 0008
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_login_failure_person_at", "login_failure", ["person_id", "at"])
    op.create_index("ix_login_failure_address_at", "login_failure", ["address", "at"])


def downgrade() -> None:
    op.drop_table("login_failure")
