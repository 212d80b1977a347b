"""The first big load of an empty ledger table: rows go straight into it.

Staging and merging exist to match rows with records already there; into an empty table every
row is new, so a large file skips both and its converted rows are written directly (COPY on
PostgreSQL, ``executemany`` on SQLite) with the secondary indexes, and on PostgreSQL the foreign
keys, the external id's unique constraint and (unless other tables refer to it) the primary
key, set aside (see :mod:`.bulk`). Only kinds without
child lists or stamped columns load this way (the ledger: orders, shipments, payments,
invoices). Rows are converted and checked, and duplicates within the file rejected, as on the
staged road.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from letterpress.crm.erp_import import bulk
from letterpress.crm.erp_import.rows import Batch
from letterpress.crm.erp_import.schema import Kind
from letterpress.crm.erp_import.sinks import row_sink


def suits(connection: Connection, kind: Kind, expected_rows: int, threshold: int) -> bool:
    """Whether a file of about ``expected_rows`` rows of ``kind`` should load directly.

    On PostgreSQL an empty table is then locked (ACCESS EXCLUSIVE), so that it stays empty.
    """
    if expected_rows < threshold or kind.insert_values:
        return False
    if any(f.child is not None for f in kind.fields):
        return False
    table = kind.table.name
    probe = text(f"SELECT 1 FROM {table} LIMIT 1")
    if connection.execute(probe).first() is not None:
        return False
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        return connection.execute(probe).first() is None  # still empty, now that it is ours
    return True


class DirectLoad:
    """Writes batches of converted rows into the table."""

    def __init__(self, connection: Connection, kind: Kind) -> None:
        self.connection = connection
        self.kind = kind
        self.columns = [f.target for f in kind.fields if f.target]
        self.rows = 0

    @contextmanager
    def open(self) -> Iterator[DirectLoad]:
        """Loading happens inside; the table's indexes are rebuilt when it ends."""
        with bulk.indexes_set_aside(self.connection, self.kind.table, keys=True):
            self._sink = row_sink(self.connection, self.kind.table.name, self.columns)
            try:
                yield self
            finally:
                self._sink.close()

    def load(self, batch: Batch) -> None:
        # suits() admits only kinds without child lists: every field has a column
        self._sink.write(batch.columns)
        self.rows += len(batch.rows)
