"""Temporary tables that hold one file's converted rows until they are merged.

Rows reach them in batches by the fastest road each database offers: ``executemany`` on SQLite,
one ``COPY ... FROM STDIN`` (psycopg 3) on PostgreSQL. The staging columns have the target table's
own types, so that the merge compares like with like (SQLite's NUMERIC affinity turns a staged
``"1234.5"`` into the same number the ORM would have stored). The tables are dropped by
:meth:`Staging.drop`, and on PostgreSQL at commit in any case. :meth:`Staging.close` must follow
the last :meth:`Staging.load`.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any, Protocol

from sqlalchemy import Boolean, Column, Connection, Integer, MetaData, Table, text

from letterpress.crm.erp_import.schema import Field, Kind

STAGE_TABLE = "lp_import_stage"


class Staging:
    """The staging table of the parent rows and one per child list present in the file.

    Parent table: the kind's columns (external id included), ``file_row`` (the row number), and
    for kinds with child lists ``target_id`` (the record the row matches, noted by the merge)
    and ``refresh`` (its lists are to be rewritten). Child tables: ``file_row``, ``value``,
    ``position``.
    """

    def __init__(self, connection: Connection, kind: Kind, child_fields: Sequence[Field]) -> None:
        self.connection = connection
        self.kind = kind
        self.postgres = connection.dialect.name == "postgresql"
        metadata = MetaData()
        options: dict[str, Any] = {"prefixes": ["TEMPORARY"]}
        if self.postgres:
            options["postgresql_on_commit"] = "DROP"
        scalar = [(i, f) for i, f in enumerate(kind.fields) if f.child is None]
        self.columns = [f.target for _, f in scalar if f.target]
        self.table = Table(
            STAGE_TABLE, metadata,
            *(Column(name, kind.table.c[name].type) for name in self.columns),
            Column("file_row", Integer), Column("target_id", Integer), Column("refresh", Boolean),
            **options,
        )
        self._pick = operator.itemgetter(*(i for i, _ in scalar), -1)
        self.children: dict[str, Table] = {}
        self._child_index: dict[str, int] = {}
        for f in child_fields:
            assert f.child is not None
            value_type = f.child.table.c[f.child.value].type
            self.children[f.name] = Table(
                f"{STAGE_TABLE}_{f.name}", metadata,
                Column("file_row", Integer), Column("value", value_type),
                Column("position", Integer), **options,
            )
            self._child_index[f.name] = kind.index(f.name)
        self.rows = 0
        self._tables = [self.table, *self.children.values()]
        self.drop()
        for table in self._tables:
            table.create(connection)
        self._parents = self._sink(self.table)
        self._items: dict[str, list[tuple[int, Any, int]]] = {name: [] for name in self.children}

    def load(self, batch: list[list[Any]]) -> None:
        """Stage converted rows (field values in kind order, row number last)."""
        self._parents.write(list(map(self._pick, batch)))
        for name, index in self._child_index.items():
            self._items[name].extend((row[-1], item, position)
                                     for row in batch for position, item in enumerate(row[index]))
        self.rows += len(batch)

    def close(self) -> None:
        """Finish writing: the parent rows' stream, then the child lists (kept until now)."""
        self._parents.close()
        for name, items in self._items.items():
            if items:
                sink = self._sink(self.children[name])
                sink.write(items)
                sink.close()
            items.clear()

    def drop(self) -> None:
        schema = "pg_temp" if self.postgres else "temp"
        for table in self._tables:
            self.connection.execute(text(f"DROP TABLE IF EXISTS {schema}.{table.name}"))

    def _sink(self, table: Table) -> RowSink:
        names = [c.name for c in table.columns if c.name not in ("target_id", "refresh")]
        return row_sink(self.connection, table.name, names)


class RowSink(Protocol):
    """Where rows go in bulk: :meth:`write` batches of tuples, then :meth:`close` once."""

    def write(self, rows: list[Any]) -> None: ...

    def close(self) -> None: ...


def row_sink(connection: Connection, table: str, columns: Sequence[str]) -> RowSink:
    """Rows (tuples in ``columns`` order) into ``table``: COPY on PostgreSQL, else executemany."""
    quote = connection.dialect.identifier_preparer.quote
    column_list = ", ".join(quote(name) for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        return _CopyStream(driver, f"COPY {quote(table)} ({column_list}) FROM STDIN")
    return _ExecuteMany(driver, f"INSERT INTO {quote(table)} ({column_list}) "
                                f"VALUES ({', '.join('?' * len(columns))})")


class _CopyStream:
    """One COPY for all the batches, so that the server stores rows while Python converts more."""

    def __init__(self, driver: Any, statement: str) -> None:
        self._driver = driver
        self._statement = statement
        self._open = ExitStack()
        self._copy: Any = None

    def write(self, rows: list[Any]) -> None:
        if self._copy is None:
            cursor = self._open.enter_context(self._driver.cursor())
            self._copy = self._open.enter_context(cursor.copy(self._statement))
        write_row = self._copy.write_row
        for row in rows:
            write_row(row)

    def close(self) -> None:
        self._open.close()
        self._copy = None


class _ExecuteMany:
    def __init__(self, driver: Any, statement: str) -> None:
        self._driver = driver
        self._statement = statement

    def write(self, rows: list[Any]) -> None:
        self._driver.executemany(self._statement, rows)

    def close(self) -> None:
        pass
