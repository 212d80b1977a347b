"""Rows into a table in bulk, a batch of columns at a time: COPY on PostgreSQL, else executemany.

On PostgreSQL one ``COPY ... FROM STDIN`` takes all the batches of an import, so the server
stores rows while Python converts the next batch. Each batch is written as COPY's text format
(not the binary one: the values are already text, and building binary tuples would cost Python
more than parsing text costs the server), made a column at a time: ``str`` of what is not text
(ids), ``\\N`` for None; then one join per line and one for the batch. That is a few loops in C
per column where ``Copy.write_row`` costs a Python call per row. Whether any cell needs a
backslash escape is read off the joined batch (its tabs, line breaks and backslashes must be
exactly those the join and the ``\\N`` put there), which almost always spares escaping; a batch
that fails the count is made again with every column escaped. The values are those of
:mod:`.values` (text, canonical amounts, ISO dates) and ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from functools import partial
from operator import is_not
from typing import Any, Protocol

from sqlalchemy import Connection

_NULL = {None: "\\N"}
_NOT_NONE = partial(is_not, None)
_SPECIAL = ("\\", "\t", "\n", "\r")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class RowSink(Protocol):
    """Where rows go in bulk: :meth:`write` batches (one list per column), then :meth:`close`."""

    def write(self, columns: Sequence[list[Any]]) -> None: ...

    def close(self) -> None: ...


def row_sink(connection: Connection, table: str, columns: Sequence[str]) -> RowSink:
    """Rows into ``table``'s ``columns``: COPY on PostgreSQL, else executemany."""
    quote = connection.dialect.identifier_preparer.quote
    column_list = ", ".join(quote(name) for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        return _CopyStream(driver, f"COPY {quote(table)} ({column_list}) FROM STDIN")
    return _ExecuteMany(driver, f"INSERT INTO {quote(table)} ({column_list}) "
                                f"VALUES ({', '.join('?' * len(columns))})")


def copy_text(columns: Sequence[list[Any]]) -> str:
    """The rows of ``columns`` in COPY's text format, each line ended by a line break."""
    if not columns or not columns[0]:
        return ""
    nulls = 0
    cells: list[list[Any]] = []
    for column in columns:
        if None in column:
            nulls += column.count(None)
            column = list(map(_NULL.get, column, column))  # None -> \N, the rest as it is
        if type(column[0]) is not str:  # a column holds one type (and None): ids, row numbers
            column = list(map(str, column))
        cells.append(column)
    try:
        text = _lines(cells)
    except TypeError:  # a column of mixed types
        return _lines([_copy_column(column) for column in columns])
    rows = len(columns[0])
    if (text.count("\t") == rows * (len(columns) - 1) and text.count("\n") == rows
            and text.count("\\") == nulls and "\r" not in text):
        return text
    return _lines([_copy_column(column) for column in columns])  # some cell needs escapes


def _lines(cells: list[list[Any]]) -> str:
    return "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"


def _copy_column(column: list[Any]) -> list[str]:
    nulls = None in column
    try:  # a column of text (and None): no conversion needed
        joined = "".join(filter(_NOT_NONE, column) if nulls else column)
        texts: list[Any] = column
    except TypeError:  # ids, or anything else: its str()
        texts = list(map(str, column))
        joined = "".join(texts)
    if any(special in joined for special in _SPECIAL):
        texts = [text if text is None else text.translate(_ESCAPES) for text in texts]
    if nulls:
        texts = list(map(_NULL.get, column, texts))
    return texts


class _CopyStream:
    """One COPY for all the batches."""

    def __init__(self, driver: Any, statement: str) -> None:
        self._driver = driver
        self._statement = statement
        self._open = ExitStack()
        self._copy: Any = None

    def write(self, columns: Sequence[list[Any]]) -> None:
        if self._copy is None:
            cursor = self._open.enter_context(self._driver.cursor())
            self._copy = self._open.enter_context(cursor.copy(self._statement))
        self._copy.write(copy_text(columns))

    def close(self) -> None:
        self._open.close()
        self._copy = None


class _ExecuteMany:
    def __init__(self, driver: Any, statement: str) -> None:
        self._driver = driver
        self._statement = statement

    def write(self, columns: Sequence[list[Any]]) -> None:
        self._driver.executemany(self._statement, zip(*columns, strict=True))

    def close(self) -> None:
        pass
