"""Bulk row loading for the web benchmark's data: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples in the order of the ``columns`` given. A NOT NULL column left out that has a
Python-side default in the model (which COPY never sees) gets that default, computed once for
the whole load; ``id`` left out gets the next serial value. Tables loaded with explicit ids get
their sequences moved past them by :func:`fix_sequences`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, text

from letterpress.db.base import Base

CHUNK = 20_000


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def load(conn: Connection, model: type[Base], columns: Sequence[str],
         rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` into ``model``'s table; the number of rows inserted."""
    table = table_of(model)
    columns, rows = _with_defaults(table, columns, rows)
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows)
    count = 0
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])
        count += len(chunk)
    return count


def _with_defaults(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
                   ) -> tuple[Sequence[str], Iterable[Sequence[Any]]]:
    extra: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in columns or column.primary_key or column.nullable or default is None:
            continue
        arg = getattr(default, "arg", None)
        extra[column.name] = arg(None) if callable(arg) else arg
    if not extra:
        return columns, rows
    tail = tuple(extra.values())
    return (*columns, *extra), (tuple(row) + tail for row in rows)


def _copy(conn: Connection, table: Table, columns: Sequence[str],
          rows: Iterable[Sequence[Any]]) -> int:
    quote = conn.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    raw = conn.connection.dbapi_connection
    assert raw is not None
    count = 0
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(conn: Connection, model: type[Base]) -> int:
    table = table_of(model)
    return int(conn.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}")) or 1)


def fix_sequences(conn: Connection, models: Iterable[type[Base]]) -> None:
    """Move PostgreSQL's id sequences past ids that were given explicitly (SQLite needs none)."""
    if conn.dialect.name != "postgresql":
        return
    for model in models:
        name = table_of(model).name
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {name}))"))
