"""SQL expressions that read the same on SQLite and PostgreSQL: month numbers and kopecks.

Money is ``Numeric(18, 2)``: exact in PostgreSQL, a binary float in SQLite. Analytics sums it
as whole kopecks (``round(x * 100)`` cast to an integer), which is exact on both, so the two
databases rank and classify customers identically.
"""

from __future__ import annotations

import typing
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, Integer, Table, cast, func, text
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


def tune(session: Session, work_mem: str) -> None:
    """Give this transaction's analytics queries room to sort and hash in memory (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('work_mem', :mem, true)"), {"mem": work_mem})
        session.execute(text("SELECT set_config('jit', 'off', true)"))


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
