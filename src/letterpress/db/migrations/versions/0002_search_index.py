"""search index: the full-text tables of the default backend (FTS5 on SQLite, tsvector on PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from letterpress.search import create_schema

    create_schema(op.get_bind())


def downgrade() -> None:
    pass
