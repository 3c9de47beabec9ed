"""附件: files added to matters, kept outside the workflow state.

Revision ID: 0032_attachments
Revises: 0031_procedure_data
"""
import sqlalchemy as sa
from alembic import op

revision = "0032_attachments"
down_revision = "0031_procedure_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("instance.id"), nullable=False),
        sa.Column("task_id", sa.Integer, nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachment_instance_id", "attachment", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_instance_id", "attachment")
    op.drop_table("attachment")
