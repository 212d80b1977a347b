"""Multi-row INSERT and fixed-size IN lists: one statement for many rows, not one per row.

The mail store writes about a dozen rows a letter and files thousands of letters a second.
Through ``session.execute(insert(table), rows)`` each row costs SQLAlchemy ~10 us of Python (a
dictionary of processed parameters), and the DB-API's executemany then runs one statement per
row, releasing and taking back the GIL around each. With the event loop busy on the other side of
the GIL (IMAP, the parser pool) that hand-over made an executemany of 20,000 small rows three
times slower than the same rows in ``INSERT ... VALUES (...), (...), ...`` statements of 500
(0.38 s against 0.11 s on this machine). Here rows are tuples in the order of ``columns``, each
value goes through its column type's own bind processor (the conversion SQLAlchemy applies: UTC
timestamps, booleans), and a statement carries as many rows as the parameter limit allows. Works
on SQLite (3.35+) and PostgreSQL (psycopg).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.orm import Session

__all__ = ["allocate_ids", "insert_rows", "select_in"]

#: Rows in one INSERT statement (fewer when that would exceed :data:`MAX_PARAMS`), and values
#: in one IN list. Statements come in a few fixed sizes (this, then halves down to one row): the
#: DB-API keeps the last 128 statements prepared, and a prepared statement of thousands of
#: parameters holds megabytes, so a new size for every batch added ~100 MB to the daemon's
#: memory (bench.ingest); with fixed sizes the same few statements are prepared once and reused.
ROWS_PER_STATEMENT = 256
#: Bound parameters per statement: SQLite allows 32,766 (since 3.32), psycopg 65,535.
MAX_PARAMS = 30_000

Processor = Callable[[Any], Any]
_NOTHING = object()


def _sizes(count: int, top: int) -> Iterator[int]:
    """Cut ``count`` into statements of ``top`` rows, then of powers of two below it."""
    while count >= top:
        yield top
        count -= top
    size = 1 << max(0, top.bit_length() - 1)
    while count:
        if size <= count:
            yield size
            count -= size
        size >>= 1


def _top(width: int) -> int:
    """The largest power of two of rows, at most :data:`ROWS_PER_STATEMENT`, that fits."""
    rows = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMS // max(1, width)))
    return 1 << (rows.bit_length() - 1)


@lru_cache(maxsize=256)
def _plan(table: Table, columns: tuple[str, ...], dialect: Dialect, conflict: tuple[str, ...],
          returning: tuple[str, ...]) -> tuple[str, str, str, tuple[tuple[int, Processor], ...]]:
    """(statement head, one row's placeholders, tail, processors by column index)."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    head = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES ")
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    processors: list[tuple[int, Processor]] = []
    for i, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, process))
    return head, "(" + ", ".join([mark] * len(columns)) + ")", tail, tuple(processors)


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], *, skip_conflicts_on: Sequence[str] = (),
                returning: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (values in the order of ``columns``) in statements of many rows; rows
    colliding on ``skip_conflicts_on`` are skipped. Returns the ``returning`` columns of the
    rows inserted (in no particular order).

    SQLAlchemy's column defaults are not applied: give every column that needs a value."""
    if not rows:
        return []
    conn = session.connection()
    head, one, tail, processors = _plan(table, tuple(columns), conn.dialect,
                                        tuple(skip_conflicts_on), tuple(returning))
    out: list[tuple[Any, ...]] = []
    # Each column's last value and what its processor made of it: a value repeated down the
    # rows (a batch's one timestamp, None, True) is converted once, not once a row.
    seen: list[Any] = [_NOTHING] * len(processors)
    done: list[Any] = [None] * len(processors)
    start = 0
    for size in _sizes(len(rows), _top(len(columns))):
        chunk = rows[start:start + size]
        start += size
        params: list[Any] = []
        if processors:
            for row in chunk:
                values = list(row)
                for k, (i, process) in enumerate(processors):
                    value = values[i]
                    if value is seen[k]:
                        values[i] = done[k]
                    else:
                        seen[k] = value
                        values[i] = done[k] = process(value)
                params.extend(values)
        else:
            for row in chunk:
                params.extend(row)
        result = conn.exec_driver_sql(_sql(head, one, tail, size), tuple(params))
        if returning:
            out.extend(tuple(r) for r in result.all())
    return out


@lru_cache(maxsize=512)
def _sql(head: str, one: str, tail: str, rows: int) -> str:
    return head + ", ".join([one] * rows) + tail


def select_in(session: Session, table: Table, columns: Sequence[str], key: str,
              values: Iterable[Any]) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE key IN (values)`` without SQLAlchemy's per-value work
    on an expanding IN (values are passed as they are: strings and integers). The IN lists
    have fixed sizes, the last one filled up with repeats of its last value."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    conn = session.connection()
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    head = (f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)} "
            f"WHERE {quote(key)} IN (")
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), ROWS_PER_STATEMENT):
        chunk = wanted[start:start + ROWS_PER_STATEMENT]
        size = 1 << (len(chunk) - 1).bit_length()  # the next power of two
        chunk += [chunk[-1]] * (size - len(chunk))
        out.extend(tuple(r) for r in conn.exec_driver_sql(_sql(head, mark, ")", size),
                                                         tuple(chunk)).all())
    return out


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new values of ``table``'s integer primary key ``id``, for rows inserted with
    explicit ids in this transaction.

    PostgreSQL: from the column's sequence (concurrent transactions get other values). SQLite:
    after the largest id, as SQLite itself would number them; the caller must already hold the
    write lock (it has written in this transaction), so no other writer can take them.
    """
    if count <= 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return [int(v) for v in conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count)).scalars()]
    quote = conn.dialect.identifier_preparer.quote
    top = conn.exec_driver_sql(f"SELECT max(id) FROM {quote(table.name)}").scalar()
    first = int(top or 0) + 1
    return list(range(first, first + count))
