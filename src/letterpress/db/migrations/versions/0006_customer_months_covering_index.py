"""analytics_customer_months: the month/counterparty index carries the running totals (PostgreSQL)

ABC reads two months of the register for every customer; with the cumulative columns in the
index PostgreSQL answers from the index alone once VACUUM has marked the pages all-visible
(about 9% of the report's server time). SQLite has no INCLUDE: nothing changes there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_INDEX = 'ix_analytics_customer_months_month_counterparty'
_TABLE = 'analytics_customer_months'


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(_INDEX, table_name=_TABLE)
    op.create_index(_INDEX, _TABLE, ['month_no', 'counterparty_id'], unique=True,
                    postgresql_include=include)


def upgrade() -> None:
    _recreate(['cum_revenue', 'cum_profit', 'cum_shipments', 'cum_orders'])


def downgrade() -> None:
    _recreate([])
