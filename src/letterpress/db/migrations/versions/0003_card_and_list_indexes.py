"""indexes for the counterparty list and card under load (bench.web)

A counterparty's letters and their count read from (counterparty_id, letter_id) alone; the
correspondence grouped by thread and dated from a covering index on letters; a counterparty's
history counted by state from the events index; on PostgreSQL, the list's default order
(casefold(name), id) read in order from an expression index (SQLite's casefold is a per-connection
Python function, which an index must not depend on).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_counterparty_start")
        batch.create_index("ix_events_counterparty_start_state",
                           ["counterparty_id", "start_at", "state"])
    with op.batch_alter_table("letter_links") as batch:
        batch.drop_index("ix_letter_links_counterparty_id")
        batch.create_index("ix_letter_links_counterparty_letter", ["counterparty_id", "letter_id"])
    with op.batch_alter_table("letters") as batch:
        batch.create_index("ix_letters_id_thread_dates",
                           ["id", "thread_id", "sent_at", "received_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_counterparties_name_folded", "counterparties",
                        [sa.text("replace(lower(name), 'ё', 'е')"), "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_counterparties_name_folded", table_name="counterparties")
    with op.batch_alter_table("letters") as batch:
        batch.drop_index("ix_letters_id_thread_dates")
    with op.batch_alter_table("letter_links") as batch:
        batch.drop_index("ix_letter_links_counterparty_letter")
        batch.create_index("ix_letter_links_counterparty_id", ["counterparty_id"])
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_counterparty_start_state")
        batch.create_index("ix_events_counterparty_start", ["counterparty_id", "start_at"])
