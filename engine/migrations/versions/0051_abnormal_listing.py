"""abnormal_listing: the 经营异常名录 (001 §4(4)2), listings and removals

Revision ID: 0051_abnormal_listing
Revises: 0050_section_pairing
"""
import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0051_abnormal_listing"
down_revision = "0050_section_pairing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "abnormal_listing",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("enterprise_name", sa.String(300), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text, nullable=False, server_default=""),
        sa.Column("decision_no", sa.String(100), nullable=False, server_default=""),
        sa.Column("listed_on", sa.Date, nullable=False),
        sa.Column("listed_by", sa.String(64), nullable=False),
        sa.Column("notice_id", sa.Integer, nullable=True),
        sa.Column("removed_at", UTCDateTime, nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
        sa.Column("removal_reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("referred_instance", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("abnormal_listing")
