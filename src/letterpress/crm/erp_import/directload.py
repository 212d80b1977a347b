"""The first big load of an empty ledger table: rows go straight into it.

Staging and merging exist to match rows with records already there; into an empty table every
row is new, so a large file skips both and its converted rows are written directly (COPY on
PostgreSQL, ``executemany`` on SQLite) with the secondary indexes set aside (see :mod:`.bulk`). Only kinds without child lists or stamped columns load this way (the
ledger: orders, shipments, payments, invoices). Rows are still converted and checked one by
one, and duplicates within the file are still rejected, as on the staged road.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from letterpress.crm.erp_import import bulk
from letterpress.crm.erp_import.schema import Kind
from letterpress.crm.erp_import.staging import row_sink


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
    """Writes converted rows (field values in kind order, row number last) into the table."""

    def __init__(self, connection: Connection, kind: Kind) -> None:
        self.connection = connection
        self.kind = kind
        self.columns = [f.target for f in kind.fields if f.target]
        self._pick = operator.itemgetter(*range(len(self.columns)))
        self.rows = 0

    @contextmanager
    def open(self) -> Iterator[DirectLoad]:
        """Loading happens inside; the table's indexes are rebuilt when it ends."""
        with bulk.indexes_set_aside(self.connection, self.kind.table):
            self._sink = row_sink(self.connection, self.kind.table.name, self.columns)
            try:
                yield self
            finally:
                self._sink.close()

    def load(self, batch: list[list[Any]]) -> None:
        self._sink.write(list(map(self._pick, batch)))
        self.rows += len(batch)
