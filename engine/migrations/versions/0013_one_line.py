"""Merge point: the revisions before this one branched from 0001; from here they form one line,
each revising the one before it, so the order of every schema change is written down.

Revision ID: 0013
Revises: 0002, 0004, 0005, 0006, 0008, 0009, 0010, 0011, 0012
"""
revision = "0013"
down_revision = ("0002", "0004", "0005", "0006", "0008", "0009", "0010", "0011", "0012")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
