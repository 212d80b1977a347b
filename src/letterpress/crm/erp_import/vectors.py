"""Whole-column conversion: a column's cells in, its values and its bad cells out.

The cell converters of :mod:`.values` say what each cell becomes; the functions here apply
them to a column of a few thousand cells at once, so that the common case costs a few loops in
C (``map`` over a dictionary's ``get``, a compiled pattern or ``str.strip``) instead of a Python
call per cell. A quick test is the cell converter's own first step (its look-up, its canonical
pattern, its strip and length check), done for the whole column; a cell it does not clear goes
through the cell converter, whose value or :class:`~.values.CellError` is the answer. So a
column converter agrees with its cell converter on every cell (tests/crm/erp_import/
test_vectors.py checks it), and the reasons in the import report are the cell converters' own.

Only what is cheap to prove in bulk is taken on the quick road:

* :func:`memo`: columns with few distinct spellings (dates, choices, currencies): each distinct
  cell is converted once;
* :func:`references`: an external id found as it is in the map of known ids;
* :func:`money`: amounts already in the canonical form (the pattern the cell converter tries
  first, returning the cell unchanged), checked by one match over the whole column;
* :func:`text`: text whose stripped length is within the limit and not empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any

from letterpress.crm.erp_import.values import WHITESPACE, CellError, Converter

_JOIN = "\x00"

Errors = dict[int, CellError]
"""Position in the column -> why that cell cannot be imported."""

ColumnConverter = Callable[[list[str]], tuple[list[Any], Errors]]
"""Cells -> (values, errors); a bad cell's value is None."""


def per_cell(convert: Converter) -> ColumnConverter:
    """The cell converter called on every cell (for columns without a quicker road)."""

    def run(cells: list[str]) -> tuple[list[Any], Errors]:
        values: list[Any] = []
        errors: Errors = {}
        append = values.append
        for position, cell in enumerate(cells):
            try:
                append(convert(cell))
            except CellError as exc:
                append(None)
                errors[position] = exc
        return values, errors

    return run


def _redo(values: list[Any], cells: list[str], positions: list[int],
          convert: Converter) -> Errors:
    """Convert the cells at ``positions`` one by one (each distinct cell once) into ``values``."""
    errors: Errors = {}
    done: dict[str, Any] = {}
    failed: dict[str, CellError] = {}
    for position in positions:
        cell = cells[position]
        if cell in done:
            values[position] = done[cell]
            continue
        if cell not in failed:
            try:
                done[cell] = values[position] = convert(cell)
                continue
            except CellError as exc:
                failed[cell] = exc
        values[position] = None
        errors[position] = failed[cell]
    return errors


def memo(convert: Converter) -> ColumnConverter:
    """Each distinct cell converted once: for columns of few spellings (dates, choices)."""

    def run(cells: list[str]) -> tuple[list[Any], Errors]:
        table: dict[str, Any] = {}
        failed: dict[str, CellError] = {}
        for cell in set(cells):
            try:
                table[cell] = convert(cell)
            except CellError as exc:
                failed[cell] = exc
        if not failed:
            return list(map(table.__getitem__, cells)), {}
        values = list(map(table.get, cells))
        errors = {position: failed[cell] for position, cell in enumerate(cells)
                  if cell in failed}
        return values, errors

    return run


def references(known: Mapping[str, Any], convert: Converter) -> ColumnConverter:
    """External ids found as they are in ``known``; the rest (empty, spaced, unknown) go
    through ``convert``."""
    lookup = known.get

    def run(cells: list[str]) -> tuple[list[Any], Errors]:
        values = list(map(lookup, cells))
        if None not in values:
            return values, {}
        misses = [position for position, value in enumerate(values) if value is None]
        return values, _redo(values, cells, misses, convert)

    return run


def money(canonical: re.Pattern[str], convert: Converter) -> ColumnConverter:
    """Amounts already in ``canonical`` form pass unchanged (as the cell converter returns them).

    The common case is one match of the whole column, joined by NUL (a character no cell holds:
    :mod:`.csvfile` refuses files with one), against the pattern repeated.
    """
    match = canonical.fullmatch
    whole = re.compile(f"(?:{canonical.pattern}{_JOIN})*{canonical.pattern}").fullmatch

    def run(cells: list[str]) -> tuple[list[Any], Errors]:
        values: list[Any] = list(cells)
        joined = _JOIN.join(cells)
        if whole(joined) and joined.count(_JOIN) == len(cells) - 1:
            return values, {}
        misses = [position for position, cell in enumerate(cells) if not match(cell)]
        return values, _redo(values, cells, misses, convert)

    return run


def text(max_length: int, convert: Converter) -> ColumnConverter:
    """Stripped text within ``max_length``; empty or too long cells go through ``convert``."""

    def run(cells: list[str]) -> tuple[list[Any], Errors]:
        values: list[Any] = list(map(str.strip, cells, repeat(WHITESPACE)))
        if "" not in values and max(map(len, values), default=0) <= max_length:
            return values, {}
        misses = [position for position, value in enumerate(values)
                  if not value or len(value) > max_length]
        return values, _redo(values, cells, misses, convert)

    return run
