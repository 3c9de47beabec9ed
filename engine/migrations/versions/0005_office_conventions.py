"""office conventions: delegation, drafts, signers, copies, warning lights, clock stop

Revision ID: 0005
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("delegated_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("draft", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("held_by_signers", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("light", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("paused_at", engine.models.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("days_left_at_pause", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("timeout_applied", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "task_signer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("human_task.id"), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("position", sa.String(10), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("signed_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("removed_at", engine.models.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_task_signer_task_id", "task_signer", ["task_id"])
    op.create_index("ix_task_signer_person", "task_signer", ["person_id", "signed_at"])
    op.create_table(
        "matter_copy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instance.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("copied_by", sa.String(64), nullable=False),
        sa.Column("copied_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("read_at", engine.models.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("instance_id", "person_id", "task_id"),
    )
    op.create_index("ix_matter_copy_instance_id", "matter_copy", ["instance_id"])
    op.create_index("ix_matter_copy_person_id", "matter_copy", ["person_id"])


def downgrade() -> None:
    op.drop_table("matter_copy")
    op.drop_table("task_signer")
    with op.batch_alter_table("human_task") as batch:
        for column in ("timeout_applied", "days_left_at_pause", "paused_at", "light", "held_by_signers",
                       "draft", "delegated_by"):
            batch.drop_column(column)
