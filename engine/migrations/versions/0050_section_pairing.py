"""department.paired_section: the approval section a supervision department works with (003 §2(2)
"市行政审批局按照科室与部门间的对应关系开展工作")

Revision ID: 0050_section_pairing
Revises: 0033_auth_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "0050_section_pairing"
down_revision = "0033_auth_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("paired_section", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.drop_column("paired_section")
