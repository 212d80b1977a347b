"""From CSV records to staged rows: convert every cell, apply the kind's rules, reject the rest.

This loop runs once per row of files with hundreds of thousands of rows, so it stays lean: the
converters are built once and called from one generated function, a good row costs that call
and the kind's rules, and only a rejected row pays for finding out which column failed and why.
A second row with the external id of an earlier good row is rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from letterpress.crm.erp_import.csvfile import FIRST_DATA_ROW
from letterpress.crm.erp_import.lookups import Lookups
from letterpress.crm.erp_import.schema import Env, Kind
from letterpress.crm.erp_import.values import WHITESPACE, CellError, Converter, constant


@dataclass(frozen=True)
class Rejection:
    """A row that was not imported: its number as a spreadsheet shows it, the column, why."""

    row: int
    column: str
    reason: str


def _blank(cells: Iterable[str]) -> bool:
    return not any(cell.strip(WHITESPACE) for cell in cells)


class RowReader:
    """Reads one file's records for ``kind``; collects :attr:`rejected` as it goes.

    ``columns[i]`` is the position in the file of the kind's i-th field (None if the file lacks
    it). Staged rows are lists of the fields' values in the kind's order, with the row number
    appended last.
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
    def _plan(self) -> list[tuple[int, Converter]]:
        """(position in the record, converter) per field; built on first use (it may query)."""
        no_lookups = Env(self.env.currency, Lookups.empty())
        plan: list[tuple[int, Converter]] = []
        for field, position in zip(self.kind.fields, self.columns, strict=True):
            if position is None:
                # A missing column converts like an empty cell (see Field), without a query.
                plan.append((0, constant(field.conversion.converter(no_lookups)(""))))
            else:
                plan.append((position, field.conversion.converter(self.env)))
        return plan

    @cached_property
    def _convert(self) -> Callable[[list[str]], list[Any]]:
        """One function converting a whole record: ``[c0(record[3]), c1(record[0]), ...]``.

        Generated from :attr:`_plan` because it runs once per row of files with 10^5 rows: a
        list display of direct calls on local names costs about half of a loop over the plan.
        Only integers and generated names go into the source.
        """
        names = {f"c{n}": convert for n, (_position, convert) in enumerate(self._plan)}
        calls = ", ".join(f"c{n}(record[{position}])"
                          for n, (position, _convert) in enumerate(self._plan))
        defaults = ", ".join(f"{name}={name}" for name in names)
        namespace: dict[str, Any] = dict(names)
        exec(f"def convert(record, {defaults}):\n    return [{calls}]\n", namespace)  # noqa: S102
        function: Callable[[list[str]], list[Any]] = namespace["convert"]
        return function

    def batches(
        self, records: Iterable[tuple[int, list[str]]], size: int
    ) -> Iterator[list[list[Any]]]:
        """The good rows of ``(row number, record)`` pairs, in batches of ``size``.

        Bad rows go to :attr:`rejected`.
        """
        convert = self._convert
        finish = self.kind.finisher()
        seen = self._seen
        width = len(self.header)
        batch: list[list[Any]] = []
        row = FIRST_DATA_ROW - 1
        for row, record in records:
            if len(record) != width and not self._fit(row, record, width):
                continue
            try:
                values = convert(record)
                if finish is not None:
                    finish(values)
            except CellError as exc:
                self._reject_row(row, record, exc)
                continue
            first = seen.setdefault(values[0], row)
            if first != row:
                self._reject(row, 0, f"the same external id as row {first}")
                continue
            values.append(row)
            batch.append(values)
            if len(batch) >= size:
                self.rows_read = row - FIRST_DATA_ROW + 1
                yield batch
                batch = []
        self.rows_read = row - FIRST_DATA_ROW + 1
        if batch:
            yield batch

    def column_name(self, field_index: int) -> str:
        """The column as the file's header spells it, else the field's documented name."""
        position = self.columns[field_index]
        if position is None:
            return self.kind.fields[field_index].name
        return self.header[position].strip(WHITESPACE)

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

    def _reject_row(self, row: int, record: list[str], exc: CellError) -> None:
        if _blank(record):
            return
        if exc.column is not None:
            self._reject(row, self.kind.index(exc.column), str(exc))
            return
        for field_index, (position, convert) in enumerate(self._plan):
            try:
                convert(record[position])
            except CellError as cell_error:
                self._reject(row, field_index, str(cell_error))
                return
        self.rejected.append(Rejection(row, "", str(exc)))  # pragma: no cover - cannot happen

    def _reject(self, row: int, field_index: int, reason: str) -> None:
        self.rejected.append(Rejection(row, self.column_name(field_index), reason))
