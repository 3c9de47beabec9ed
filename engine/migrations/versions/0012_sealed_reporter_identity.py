"""reporter_identity: name, phone, ID number and address encrypted at rest in one `sealed` column

Rows already stored are encrypted with the identity key (engine/sealing.py) and the plain columns
are dropped.

Revision ID: 0012
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

from engine import sealing

revision = "0012"
down_revision = "0003"
branch_labels = None
depends_on = None

PLAIN = ("name", "phone", "id_number", "address")


def upgrade() -> None:
    with op.batch_alter_table("reporter_identity") as batch:
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=False, server_default=""))
    table = sa.table("reporter_identity", sa.column("id", sa.Integer()), sa.column("sealed", sa.Text()),
                     *(sa.column(c, sa.String()) for c in PLAIN))
    bind = op.get_bind()
    for row in bind.execute(sa.select(table.c.id, *(table.c[c] for c in PLAIN))).mappings().all():
        sealed = sealing.seal({c: row[c] or "" for c in PLAIN})
        bind.execute(table.update().where(table.c.id == row["id"]).values(sealed=sealed))
    with op.batch_alter_table("reporter_identity") as batch:
        for column in PLAIN:
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("reporter_identity") as batch:
        batch.add_column(sa.Column("name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("id_number", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("address", sa.String(300), nullable=False, server_default=""))
    table = sa.table("reporter_identity", sa.column("id", sa.Integer()), sa.column("sealed", sa.Text()),
                     *(sa.column(c, sa.String()) for c in PLAIN))
    bind = op.get_bind()
    for row in bind.execute(sa.select(table.c.id, table.c.sealed)).mappings().all():
        if row["sealed"]:
            bind.execute(table.update().where(table.c.id == row["id"]).values(**sealing.unseal(row["sealed"])))
    with op.batch_alter_table("reporter_identity") as batch:
        batch.drop_column("sealed")
