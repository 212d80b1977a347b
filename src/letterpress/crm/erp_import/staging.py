"""Temporary tables that hold one file's converted rows until they are merged.

Rows reach them in batches by the fastest road each database offers (:mod:`.sinks`):
``executemany`` on SQLite, one ``COPY ... FROM STDIN`` (psycopg 3) on PostgreSQL. The staging
columns have the target table's own types, so that the merge compares like with like (SQLite's
NUMERIC affinity turns a staged ``"1234.5"`` into the same number the ORM would have stored).
The tables are dropped by :meth:`Staging.drop`, and on PostgreSQL at commit in any case.
:meth:`Staging.close` must follow the last :meth:`Staging.load`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, MetaData, Table, text

from letterpress.crm.erp_import.rows import Batch
from letterpress.crm.erp_import.schema import Field, Kind
from letterpress.crm.erp_import.sinks import RowSink, row_sink

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
        self._scalar = [i for i, f in scalar if f.target]
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

    def load(self, batch: Batch) -> None:
        """Stage a batch of converted rows."""
        self._parents.write([*(batch.columns[i] for i in self._scalar), batch.rows])
        for name, index in self._child_index.items():
            self._items[name].extend((row, item, position)
                                     for row, items in zip(batch.rows, batch.columns[index],
                                                           strict=True)
                                     for position, item in enumerate(items))
        self.rows += len(batch.rows)

    def close(self) -> None:
        """Finish writing: the parent rows' stream, then the child lists (kept until now)."""
        self._parents.close()
        for name, items in self._items.items():
            if items:
                sink = self._sink(self.children[name])
                sink.write([list(column) for column in zip(*items, strict=True)])
                sink.close()
            items.clear()

    def drop(self) -> None:
        schema = "pg_temp" if self.postgres else "temp"
        for table in self._tables:
            self.connection.execute(text(f"DROP TABLE IF EXISTS {schema}.{table.name}"))

    def _sink(self, table: Table) -> RowSink:
        names = [c.name for c in table.columns if c.name not in ("target_id", "refresh")]
        return row_sink(self.connection, table.name, names)
