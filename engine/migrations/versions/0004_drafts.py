"""process-owner modeler: drafts saved in the browser without deploying

Revision ID: 0004
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('base_definition_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('saved_by', sa.String(length=64), nullable=False),
    sa.Column('saved_at', engine.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['base_definition_id'], ['definition.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_process_key'), ['process_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_process_key'))
    op.drop_table('draft')
