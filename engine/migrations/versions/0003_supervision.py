"""supervision procedures P10–P13: target credit grade and risk level, conflict declarations, recorded
draws, public notices, sealed reporter identities, violation records, blacklist

Revision ID: 0003
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('target_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_grade', sa.String(length=2), nullable=False, server_default='B'))
        batch_op.add_column(sa.Column('risk_level', sa.String(length=10), nullable=False, server_default='medium'))

    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('declared_at', engine.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'credit_code')
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_declaration_credit_code'), ['credit_code'], unique=False)

    op.create_table('inspection_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('plan_no', sa.String(length=100), nullable=False),
    sa.Column('algorithm', sa.String(length=40), nullable=False),
    sa.Column('seed', sa.String(length=128), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('drawn_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspection_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_draw_instance_id'), ['instance_id'], unique=False)

    op.create_table('public_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('enterprise_name', sa.String(length=300), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('item', sa.String(length=500), nullable=False),
    sa.Column('result', sa.String(length=1000), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=True),
    sa.Column('published_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', engine.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('public_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notice_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_public_notice_kind_published', ['kind', 'published_at'], unique=False)

    op.create_table('reporter_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=30), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('sealed_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('reward_amount', sa.Integer(), nullable=True),
    sa.Column('rewarded_at', engine.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref'),
    sa.UniqueConstraint('instance_id')
    )

    op.create_table('violation_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('decision_no', sa.String(length=100), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('source_instance', sa.Integer(), nullable=True),
    sa.Column('recorded_at', engine.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('violation_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_violation_record_credit_code'), ['credit_code'], unique=False)

    op.create_table('blacklist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision_no', sa.String(length=100), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('expires_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('shared_with', sa.JSON(), nullable=False),
    sa.Column('source_instance', sa.Integer(), nullable=True),
    sa.Column('removed_at', engine.models.UTCDateTime(), nullable=True),
    sa.Column('removal_reason', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('blacklist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklist_entry_credit_code'), ['credit_code'], unique=False)


def downgrade() -> None:
    op.drop_table('blacklist_entry')
    op.drop_table('violation_record')
    op.drop_table('reporter_identity')
    op.drop_table('public_notice')
    op.drop_table('inspection_draw')
    op.drop_table('conflict_declaration')
    with op.batch_alter_table('target_entry', schema=None) as batch_op:
        batch_op.drop_column('risk_level')
        batch_op.drop_column('credit_grade')
