"""counterparty aliases and login attempts

counterparty_aliases keeps what a merged-away duplicate was (name, INN, ERP code) so nothing is
lost and the ERP import still finds the survivor; login_attempts lets every web worker (and a
restarted one) count the same failed sign-ins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import letterpress.db.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('attempted_at', letterpress.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_key_attempted_at', ['key', 'attempted_at'], unique=False)

    op.create_table('counterparty_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counterparty_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('legal_name', sa.String(length=500), nullable=True),
    sa.Column('inn', sa.String(length=12), nullable=True),
    sa.Column('kpp', sa.String(length=9), nullable=True),
    sa.Column('merged_at', letterpress.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['counterparty_id'], ['counterparties.id'], name=op.f('fk_counterparty_aliases_counterparty_id_counterparties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_counterparty_aliases_merged_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counterparty_aliases')),
    sa.UniqueConstraint('external_id', name=op.f('uq_counterparty_aliases_external_id'))
    )
    with op.batch_alter_table('counterparty_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counterparty_aliases_counterparty_id'), ['counterparty_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counterparty_aliases_inn'), ['inn'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('counterparty_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counterparty_aliases_inn'))
        batch_op.drop_index(batch_op.f('ix_counterparty_aliases_counterparty_id'))

    op.drop_table('counterparty_aliases')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_key_attempted_at')
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))

    op.drop_table('login_attempts')
