"""index letters.in_reply_to: each stored batch looks up earlier replies to its letters

Without it every batch of the mail daemon scanned the whole letters table, a cost that grows
with the square of a mailbox's size.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_in_reply_to'), ['in_reply_to'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_in_reply_to'))
