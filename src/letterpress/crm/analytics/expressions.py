"""SQL expressions that read the same on SQLite and PostgreSQL: month numbers and kopecks.

Money is ``Numeric(18, 2)``: exact in PostgreSQL, a binary float in SQLite. Analytics sums it
as whole kopecks (``round(x * 100)`` cast to an integer), which is exact on both, so the two
databases rank and classify customers identically.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    Table,
    cast,
    func,
    literal_column,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement[int]):
    """``year * 12 + month - 1`` of a DATE column."""

    type = Integer()
    inherit_cache = True
    name = "month_of"


class month_of_utc(FunctionElement[int]):
    """The same for a UTC timestamp (``UTCDateTime``)."""

    type = Integer()
    inherit_cache = True
    name = "month_of_utc"


@compiles(month_of, "postgresql")
def _month_of_pg(element: month_of, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return (f"(CAST(EXTRACT(YEAR FROM {arg}) AS INTEGER) * 12"
            f" + CAST(EXTRACT(MONTH FROM {arg}) AS INTEGER) - 1)")


@compiles(month_of_utc, "postgresql")
def _month_of_utc_pg(element: month_of_utc, compiler: Any, **kw: Any) -> str:
    arg = f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"
    return (f"(CAST(EXTRACT(YEAR FROM {arg}) AS INTEGER) * 12"
            f" + CAST(EXTRACT(MONTH FROM {arg}) AS INTEGER) - 1)")


@compiles(month_of, "sqlite")
@compiles(month_of_utc, "sqlite")
def _month_of_sqlite(element: FunctionElement[int], compiler: Any, **kw: Any) -> str:
    # Dates are 'YYYY-MM-DD' text and UTC timestamps 'YYYY-MM-DD HH:MM:SS...': substr is the
    # cheapest way to their year and month.
    arg = compiler.process(element.clauses, **kw)
    return (f"(CAST(substr({arg}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({arg}, 6, 2) AS INTEGER) - 1)")


def kopecks(amount: Any) -> ColumnElement[int]:
    """A money column as whole kopecks (an exact integer on both databases)."""
    return cast(func.round(amount * 100), BigInteger)


def as_float(value: ColumnElement[Any]) -> ColumnElement[float]:
    return cast(value, Float)


class rounded(FunctionElement[float]):
    """A float rounded to ``digits`` decimals, in SQL (rounding 100,000 floats in Python costs
    more than the query computing them). Ties may round differently from Python's ``round`` in
    the last digit; the value is for display."""

    type = Float()
    inherit_cache = True
    name = "rounded"

    def __init__(self, value: Any, digits: int) -> None:
        # The digits travel as a literal clause: part of the statement's cache key.
        super().__init__(value, literal_column(str(int(digits))))


def _rounded_parts(element: rounded, compiler: Any, **kw: Any) -> tuple[str, int]:
    value, digits = list(element.clauses)
    return compiler.process(value, **kw), int(typing.cast(Any, digits).name)


@compiles(rounded, "postgresql")
def _rounded_pg(element: rounded, compiler: Any, **kw: Any) -> str:
    # round(float8) is rint(); no detour through numeric. 10^digits is exact in a double.
    arg, digits = _rounded_parts(element, compiler, **kw)
    scale = f"CAST({10 ** digits} AS DOUBLE PRECISION)"
    return f"(round(CAST({arg} AS DOUBLE PRECISION) * {scale}) / {scale})"


@compiles(rounded, "sqlite")
def _rounded_sqlite(element: rounded, compiler: Any, **kw: Any) -> str:
    arg, digits = _rounded_parts(element, compiler, **kw)
    return f"round({arg}, {digits})"


# Rows per chunk when streaming a report's rows from PostgreSQL (libpq 17 and later).
STREAM_CHUNK = 4096


def stream_rows(session: Session, statement: Select[Any]) -> Iterator[Any]:
    """The rows of ``statement`` as plain tuples, for reports of 100,000 rows.

    On PostgreSQL with psycopg the compiled statement runs on the session's own DBAPI
    connection (same transaction) through a binary cursor: no SQLAlchemy ``Row`` per row and no
    text parsing of numbers, which is most of the time such a report spends in Python. The rows
    come in chunks while the server is still sending, so building the report's rows overlaps
    with the query's last steps. Bound parameters must be plain scalars psycopg adapts by itself
    (numbers, strings, dates), as in analytics queries. Elsewhere the rows come through
    SQLAlchemy (they unpack alike). Consume the iterator before running another statement.
    """
    if session.autoflush:
        session.flush()  # as Session.execute would: the raw cursor must see pending changes
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return iter(connection.execute(statement))
    import psycopg  # only here: the SQLite-only paths never load it

    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor(binary=True)
    if psycopg.pq.version() >= 170000:
        # psycopg's own generator, returned as is: a wrapper would cost a frame per row. It
        # drains or cancels the query if left early; the cursor goes with it.
        rows: Iterator[Any] = cursor.stream(compiled.string, compiled.params, size=STREAM_CHUNK)
        return rows
    with cursor:
        cursor.execute(compiled.string, compiled.params)
        return iter(cursor.fetchall())


def tune(session: Session, work_mem: str) -> None:
    """Give this transaction's analytics queries room to sort and hash in memory (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        # One round trip. JIT compiling these queries costs more than it saves.
        session.execute(text("SELECT set_config('work_mem', :mem, true), "
                             "set_config('jit', 'off', true)"), {"mem": work_mem})


class seconds_between(FunctionElement[float]):
    """Seconds from the first timestamp to the second."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def table_of(model: Any) -> Table:
    """A mapped class's table, typed as one (for Core inserts)."""
    return typing.cast(Table, model.__table__)
