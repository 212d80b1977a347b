"""The first big load of an empty ledger table: rows go straight into it.

Staging and merging exist to match rows with records already there; into an empty table every
row is new, so a large file skips both and its converted rows are written directly (COPY on
PostgreSQL, ``executemany`` on SQLite) with the secondary indexes, and on PostgreSQL the foreign
keys, the external id's unique constraint and (unless other tables refer to it) the primary
key, set aside (see :mod:`.bulk`). Only kinds without
child lists or stamped columns load this way (the ledger: orders, shipments, payments,
invoices). Rows are converted and checked, and duplicates within the file rejected, as on the
staged road.

On PostgreSQL the rows carry their ids: a range of the id column's sequence is taken once, for
as many rows as the file has lines (:class:`IdRange`), where the column's default would call
``nextval`` for every row (a third of the server's time for a COPY of 200,000 shipments). Ids
of rejected rows are skipped, as a sequence skips the ids of rolled-back inserts.
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
    """Writes batches of converted rows into the table; ``expected_rows`` is an upper bound
    (the file's lines), used to reserve ids."""

    def __init__(self, connection: Connection, kind: Kind, expected_rows: int) -> None:
        self.connection = connection
        self.kind = kind
        self.columns = [f.target for f in kind.fields if f.target]
        self.rows = 0
        self._ids = IdRange.of(connection, kind.table.name, expected_rows)

    @contextmanager
    def open(self) -> Iterator[DirectLoad]:
        """Loading happens inside; the table's indexes are rebuilt when it ends."""
        with bulk.indexes_set_aside(self.connection, self.kind.table, keys=True):
            columns = self.columns if self._ids is None else ["id", *self.columns]
            self._sink = row_sink(self.connection, self.kind.table.name, columns)
            try:
                yield self
            finally:
                self._sink.close()

    def load(self, batch: Batch) -> None:
        # suits() admits only kinds without child lists: every field has a column
        if self._ids is None:
            self._sink.write(batch.columns)
        else:
            self._sink.write([self._ids.take(len(batch.rows)), *batch.columns])
        self.rows += len(batch.rows)


class IdRange:
    """Ids reserved from a table's ``id`` sequence, handed out in order as text (what COPY
    reads).

    The reservation is one statement, ``setval(seq, nextval(seq) + n - 1)``: rows inserted into
    the table while it is loaded cannot take these ids (an INSERT waits for the load's lock on
    the table before its default calls ``nextval``), and neither can later ones. Should the rows
    outnumber the reservation, another range is reserved.
    """

    def __init__(self, connection: Connection, sequence: str, count: int) -> None:
        self.connection = connection
        self.sequence = sequence
        self._next = self._last = 0
        self._reserve(count)

    @classmethod
    def of(cls, connection: Connection, table: str, count: int) -> IdRange | None:
        """The ids for ``table`` (None where the database numbers rows itself: SQLite's rowid
        costs nothing, and a table without an id sequence has no range to take)."""
        if connection.dialect.name != "postgresql":
            return None
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                     {"table": table})
        if sequence is None:
            return None
        increment = connection.scalar(
            text("SELECT seqincrement FROM pg_sequence WHERE seqrelid = CAST(:seq AS regclass)"),
            {"seq": sequence})
        return cls(connection, sequence, count) if increment == 1 else None

    def take(self, count: int) -> list[str]:
        ids: list[str] = []
        while len(ids) < count:
            if self._next > self._last:
                self._reserve(count - len(ids))
            stop = min(self._last + 1, self._next + count - len(ids))
            ids += map(str, range(self._next, stop))
            self._next = stop
        return ids

    def _reserve(self, count: int) -> None:
        count = max(count, 1)
        last = self.connection.scalar(
            text("SELECT setval(CAST(:seq AS regclass), nextval(CAST(:seq AS regclass)) + :n - 1)"),
            {"seq": self.sequence, "n": count})
        self._last = int(last or 0)
        self._next = self._last - count + 1
