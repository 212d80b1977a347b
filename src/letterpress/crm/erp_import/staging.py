"""Temporary tables that hold one file's converted rows until they are merged.

Rows reach them in batches by the fastest road each database offers (:mod:`.sinks`):
``executemany`` on SQLite, one ``COPY ... FROM STDIN`` (psycopg 3) on PostgreSQL. The staging
columns have the target table's own types, so that the merge compares like with like (SQLite's
NUMERIC affinity turns a staged ``"1234.5"`` into the same number the ORM would have stored).
The tables are dropped by :meth:`Staging.drop`, and on PostgreSQL at commit in any case.
:meth:`Staging.close` must follow the last :meth:`Staging.load`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, MetaData, Table, text

from letterpress.crm.erp_import.rows import Batch
from letterpress.crm.erp_import.schema import ChildTable, Field, Kind
from letterpress.crm.erp_import.sinks import RowSink, row_sink

STAGE_TABLE = "lp_import_stage"


@dataclass(frozen=True)
class ChildList:
    """One child table's list as the file gives it: from the fields at ``indexes`` (one, or
    several columns filling the same table, their items in the kind's order), staged in
    ``stage``."""

    name: str
    child: ChildTable
    indexes: tuple[int, ...]
    stage: Table

    def lists(self, columns: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
        """Each row's items, from the converted columns of a batch."""
        if len(self.indexes) == 1:
            return iter(columns[self.indexes[0]])
        return map(_joined, *(columns[i] for i in self.indexes))


def _joined(*lists: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(chain.from_iterable(lists))


class Staging:
    """The staging table of the parent rows and one per child list present in the file.

    Parent table: the kind's columns (external id included), ``file_row`` (the row number), and
    for kinds with child lists ``target_id`` (the record the row matches, noted by the merge)
    and ``refresh`` (its lists are to be rewritten). Child tables (:attr:`lists`, one per child
    table the file's columns fill): ``file_row``, ``value``, ``label`` (for labelled lists),
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
        by_table: dict[str, list[Field]] = {}
        for f in child_fields:
            assert f.child is not None
            by_table.setdefault(f.child.table.name, []).append(f)
        self.lists: list[ChildList] = []
        for fields in by_table.values():
            first, child = fields[0], fields[0].child
            assert child is not None
            columns = [Column("file_row", Integer),
                       Column("value", child.table.c[child.value].type)]
            if child.label is not None:
                columns.append(Column("label", child.table.c[child.label].type))
            columns.append(Column("position", Integer))
            stage = Table(f"{STAGE_TABLE}_{first.name}", metadata, *columns, **options)
            indexes = tuple(kind.index(f.name) for f in fields)
            self.lists.append(ChildList(first.name, child, indexes, stage))
        self.rows = 0
        self._tables = [self.table, *(c.stage for c in self.lists)]
        self.drop()
        for table in self._tables:
            table.create(connection)
        self._parents = self._sink(self.table)
        self._items: dict[str, list[tuple[Any, ...]]] = {c.name: [] for c in self.lists}

    def load(self, batch: Batch) -> None:
        """Stage a batch of converted rows."""
        self._parents.write([*(batch.columns[i] for i in self._scalar), batch.rows])
        for child in self.lists:
            lists = zip(batch.rows, child.lists(batch.columns), strict=True)
            if child.child.label is None:
                self._items[child.name].extend((row, item, position) for row, items in lists
                                               for position, item in enumerate(items))
            else:  # the items are (value, label)
                self._items[child.name].extend((row, *item, position) for row, items in lists
                                               for position, item in enumerate(items))
        self.rows += len(batch.rows)

    def close(self) -> None:
        """Finish writing: the parent rows' stream, then the child lists (kept until now)."""
        self._parents.close()
        for child in self.lists:
            items = self._items[child.name]
            if items:
                sink = self._sink(child.stage)
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
