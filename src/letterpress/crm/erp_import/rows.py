"""From CSV records to staged rows: convert every cell, apply the kind's rules, reject the rest.

This runs for every row of files with hundreds of thousands of rows, so it works a chunk at a
time and a column at a time (:mod:`.vectors`): a good row costs a share of a few loops in C, and
only a rejected row pays for finding out which column failed and why. A row is blamed on the
first of its fields (in the kind's order) that cannot be converted, else on the first rule it
breaks. A second row with the external id of an earlier good row is rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from typing import Any

from letterpress.crm.erp_import.csvfile import Chunk
from letterpress.crm.erp_import.lookups import Lookups
from letterpress.crm.erp_import.schema import Env, Finisher, Kind, Problems
from letterpress.crm.erp_import.values import WHITESPACE
from letterpress.crm.erp_import.vectors import ColumnConverter


@dataclass(frozen=True)
class Rejection:
    """A row that was not imported: its number as a spreadsheet shows it, the column, why."""

    row: int
    column: str
    reason: str


def _blank(cells: Iterable[str]) -> bool:
    return not any(cell.strip(WHITESPACE) for cell in cells)


@dataclass(frozen=True)
class Batch:
    """Good rows: their numbers in the file and, per field of the kind, their values."""

    rows: list[int]
    columns: list[list[Any]]


class RowReader:
    """Reads one file's chunks for ``kind``; collects :attr:`rejected` as it goes.

    ``columns[i]`` is the position in the file of the kind's i-th field (None if the file lacks
    it).
    """

    def __init__(
        self, kind: Kind, header: Sequence[str], columns: Sequence[int | None], env: Env
    ) -> None:
        self.kind = kind
        self.header = tuple(header)
        self.columns = tuple(columns)
        self.env = env
        self.rejected: list[Rejection] = []
        self.rows_read = 0
        self._seen: dict[str, int] = {}

    @cached_property
    def _plan(self) -> list[tuple[int, ColumnConverter] | tuple[None, Any]]:
        """Per field: (its position in the file, its column converter), or (None, the value
        every row gets when the file lacks the column). Built on first use (it may query)."""
        no_lookups = Env(self.env.currency, Lookups.empty())
        plan: list[tuple[int, ColumnConverter] | tuple[None, Any]] = []
        for field, position in zip(self.kind.fields, self.columns, strict=True):
            if position is None:
                # A missing column converts like an empty cell (see Field), without a query.
                plan.append((None, field.conversion.converter(no_lookups)("")))
            else:
                plan.append((position, field.conversion.column_converter(self.env)))
        return plan

    def batches(self, chunks: Iterable[Chunk]) -> Iterator[Batch]:
        """The good rows of each chunk (chunks without any are skipped).

        Bad rows go to :attr:`rejected`.
        """
        finish = self.kind.finisher()
        for chunk in chunks:
            self.rows_read += chunk.count
            rows, cells = self._cells(chunk)
            if rows:
                batch = self._convert(rows, cells, finish)
                if batch.rows:
                    yield batch

    def column_name(self, field_index: int) -> str:
        """The column as the file's header spells it, else the field's documented name."""
        position = self.columns[field_index]
        if position is None:
            return self.kind.fields[field_index].name
        return self.header[position].strip(WHITESPACE)

    def _cells(self, chunk: Chunk) -> tuple[list[int], list[list[str]]]:
        """The numbers of the chunk's readable rows and their cells, column by column."""
        first, width = chunk.first_row, len(self.header)
        if chunk.columns is not None:
            return list(range(first, first + chunk.count)), chunk.columns
        assert chunk.records is not None
        rows: list[int] = []
        records: list[list[str]] = []
        for row, record in enumerate(chunk.records, first):
            if len(record) == width or self._fit(row, record, width):
                rows.append(row)
                records.append(record)
        if not records:
            return [], []
        return rows, list(map(list, zip(*records, strict=True)))

    def _convert(self, rows: list[int], cells: list[list[str]], finish: Finisher | None) -> Batch:
        count = len(rows)
        problems: Problems = {}
        columns: list[list[Any]] = []
        for field_index, (position, convert) in enumerate(self._plan):
            if position is None:
                columns.append([convert] * count)
                continue
            values, errors = convert(cells[position])
            for i, error in errors.items():
                problems.setdefault(i, (field_index, str(error)))
            columns.append(values)
        if finish is not None:
            finish(columns, problems)
        for i in sorted(problems):
            if not _blank(column[i] for column in cells):  # a row of empty cells is not data
                field_index, reason = problems[i]
                self._reject(rows[i], field_index, reason)
        keep = self._first_of_each_id(rows, columns[0], problems)
        if keep is None:
            return Batch(rows, columns)
        return Batch(list(compress(rows, keep)), [list(compress(c, keep)) for c in columns])

    def _first_of_each_id(self, rows: list[int], ids: list[Any], problems: Problems
                          ) -> list[bool] | None:
        """Which rows to keep: those neither in ``problems`` nor repeating the id of an earlier
        good row (rejected here). None means all of them."""
        count = len(rows)
        positions: Sequence[int] = range(count)
        if problems:
            positions = [i for i in positions if i not in problems]
            ids, rows = [ids[i] for i in positions], [rows[i] for i in positions]
        seen = self._seen
        before = len(seen)
        firsts = list(map(seen.setdefault, ids, rows))
        if not problems and len(seen) - before == count:
            return None
        keep = [False] * count
        for i, first, row in zip(positions, firsts, rows, strict=True):
            if first == row:
                keep[i] = True
            else:
                self._reject(row, 0, f"the same external id as row {first}")
        return keep

    def _fit(self, row: int, record: list[str], width: int) -> bool:
        """Whether a record of the wrong length can still be read (trailing empty cells)."""
        if len(record) > width and _blank(record[width:]):
            del record[width:]
            return True
        if _blank(record):
            return False  # an empty line or a row of empty cells: not data, not an error
        if len(record) < width:
            missing = self.header[len(record)].strip(WHITESPACE)
            reason = f"the row has {len(record)} values, the header has {width}"
            self.rejected.append(Rejection(row, missing, reason))
        else:
            reason = (f"the row has {len(record)} values, the header has {width} "
                      f"(a delimiter inside an unquoted value?)")
            self.rejected.append(Rejection(row, "", reason))
        return False

    def _reject(self, row: int, field_index: int, reason: str) -> None:
        self.rejected.append(Rejection(row, self.column_name(field_index), reason))
