"""Reading an ERP CSV file: bytes -> text -> delimiter -> header -> records.

* Encoding: UTF-8 with or without a byte-order mark; UTF-16 with a mark (Excel's "Unicode text");
  anything else is read as Windows-1251, what 1C and Excel write on a Russian Windows.
* Delimiter: ``;``, ``,`` or a tab, whichever the header line holds most of outside quotes
  (1C and a Russian Excel write ``;`` because ``,`` is their decimal separator).
* Header: given the kind of file, the first of the first :data:`HEADER_SEARCH_LINES` lines that
  names the kind's required columns (:func:`~.schema.fits_header`); the lines above it, the
  title of a report saved from 1C ("Контрагенты", "Сформирован: ..."), are cut off. Without a
  kind the header is the first line. A last row of the file that starts with "Итого" and has no
  external id (the totals line of a 1C report) is cut off too.
* Rows are numbered as a spreadsheet shows them: the header is row 1 (or the line it is on,
  after title lines), the next record is the row after it; a quoted value with line breaks in it
  is still one row.

:meth:`CsvFile.chunks` hands the records over a few thousand at a time, as columns when it can.
A file without a double quote in it (what 1C and most exports write) is cut with ``str.split``,
which gives the same records as the ``csv`` module at a fraction of its cost per row, and a
chunk whose lines all hold as many cells as the header is cut straight into columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from letterpress.crm.erp_import.schema import (
    fits_header,
    map_header,
    named_fields,
    required_columns,
)
from letterpress.crm.erp_import.values import WHITESPACE
from letterpress.errors import UserError

if TYPE_CHECKING:
    from letterpress.crm.erp_import.schema import Kind

HEADER_SEARCH_LINES = 20
"""How far down a header is looked for (a 1C report's title takes a few lines)."""
TOTAL_WORD = "итого"
_TAIL = 65536
DELIMITERS = (";", ",", "\t")
_MARK = "\x00"
_QUOTED_RE = re.compile(r'"[^"]*"')

csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class CsvFile:
    """A decoded CSV file and its dialect; :meth:`records` yields the data rows.

    ``text`` starts at the header line, which is line ``header_row`` of the file (1 unless
    title lines came before it).
    """

    path: Path
    text: str
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    header_row: int = 1

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def records(self) -> Iterator[list[str]]:
        """Every record after the header, blank ones included (as ``[]``) so numbering holds."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        next(reader, None)
        return reader

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The records after the header, about ``size`` at a time."""
        if '"' in self.text or self.text.count("\r") != self.text.count("\r\n"):
            return self._csv_chunks(size)  # quotes (or lone carriage returns): the csv module
        width = len(self.header)
        return (split_lines(first, part, self.delimiter, width)
                for first, part in self._line_parts(size))

    def _csv_chunks(self, size: int) -> Iterator[Chunk]:
        reader = self.records()
        first = self.first_data_row
        while records := list(islice(reader, size)):
            yield Chunk(first, len(records), records=records)
            first += len(records)

    def _line_parts(self, size: int) -> Iterator[tuple[int, str]]:
        """Without quotes a record is a line: the text after the header cut at line breaks into
        parts of about ``size`` lines, each with the number of its first row."""
        text = self.text.replace("\r\n", "\n") if "\r" in self.text else self.text
        start = text.find("\n") + 1  # the text starts with the header line
        if not start:
            return
        length = max(1, (len(text) - start) // max(1, text.count("\n", start))) * size
        first = self.first_data_row
        while start < len(text):
            end = text.find("\n", start + length - 1) + 1 or len(text)
            part = text[start:end] if text.endswith("\n", start, end) else text[start:end] + "\n"
            yield first, part
            first += part.count("\n")
            start = end

    def estimated_rows(self) -> int:
        """Data rows, counted as lines (exact unless values hold line breaks)."""
        lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
        return max(lines - 1, 0)


@dataclass(frozen=True)
class Chunk:
    """``count`` consecutive records from row ``first_row`` on.

    Either ``columns`` (the i-th list holds the i-th cell of every record; only when every record
    has exactly the header's cells) or ``records`` (one list of cells per record, as they are).
    """

    first_row: int
    count: int
    columns: list[list[str]] | None = None
    records: list[list[str]] | None = None


def split_lines(first_row: int, part: str, delimiter: str, width: int) -> Chunk:
    """The records of ``part``, lines each ended by a line break, without quotes.

    One split of the part with every line break turned into a delimiter, a NUL cell and a
    delimiter (no cell holds a NUL: :func:`parse_csv` refuses such files) gives the cells; when
    the NULs fall every ``width + 1`` cells, every line has ``width`` cells and the columns are
    slices. Otherwise each line is split alone (a blank line is ``[]``, as the csv module has it).
    """
    lines = part.count("\n")
    cells = part.replace("\n", f"{delimiter}{_MARK}{delimiter}").split(delimiter)
    cells.pop()  # what follows the last line break: nothing
    if len(cells) == lines * (width + 1) and cells[width::width + 1].count(_MARK) == lines:
        columns = [cells[i::width + 1] for i in range(width)]
        if width > 1 or "" not in columns[0]:  # with one column, a blank line looks like ""
            return Chunk(first_row, lines, columns=columns)
    records = [line.split(delimiter) if line else [] for line in part.split("\n")]
    records.pop()
    return Chunk(first_row, lines, records=records)


def read_csv(path: str | Path, kind: Kind | None = None) -> CsvFile:
    """Read and decode ``path``; a :class:`UserError` naming the file if that cannot be done.

    With ``kind`` the header is looked for below title lines (see :func:`parse_csv`).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_csv(data, path, kind)


def parse_csv(data: bytes, path: Path, kind: Kind | None = None) -> CsvFile:
    """The decoded file; with ``kind``, its header found (:func:`find_header`) and a 1C totals
    line at the end cut off (:func:`without_total`), else its header on the first line."""
    if data.startswith(b"PK\x03\x04"):
        raise UserError(f"{path}: looks like an Excel workbook; save it as CSV first")
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}: not valid {exc.encoding} text (byte {exc.start + 1} is {data[exc.start]:#04x})"
        ) from None
    if "\x00" in text:
        raise UserError(f"{path}: not a text file (it contains NUL bytes)")
    if kind is not None:
        header_row, start, delimiter, header = find_header(text, path, kind)
        if start:
            text = text[start:]
        text = without_total(text, delimiter, named_fields(kind, header)["external_id"])
        return CsvFile(path=path, text=text, encoding=encoding, delimiter=delimiter,
                       header=header, header_row=header_row)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise UserError(f"{path}: empty file or empty first line; the first line must be the header")
    delimiter = detect_delimiter(first_line)
    return CsvFile(path=path, text=text, encoding=encoding, delimiter=delimiter,
                   header=_cells(first_line, delimiter))


def _cells(line: str, delimiter: str) -> tuple[str, ...]:
    return tuple(next(csv.reader([line], delimiter=delimiter), []))


def find_header(text: str, path: Path, kind: Kind) -> tuple[int, int, str, tuple[str, ...]]:
    """The header of a file of ``kind``: its line number, the offset in ``text`` where it starts,
    the delimiter and the column names.

    The header is the first of the first :data:`HEADER_SEARCH_LINES` lines that names the
    columns the kind requires; a 1C report puts its title, the date it was made and empty lines
    above it. When there is none, the line naming most of the kind's columns is taken to blame
    (:func:`~.schema.map_header` says which required column it lacks, or which column it does
    not know); a file where no line names any raises a :class:`UserError` listing the required
    columns. Lines are cut at line breaks: a title line holding a quoted line break is not
    expected.
    """
    blank = WHITESPACE + "".join(DELIMITERS)
    if not text.strip(blank):
        raise UserError(f"{path}: empty file; expected a header with the columns "
                        f"{required_columns(kind)} for {kind.name}")
    start = 0
    best: tuple[int, tuple[str, ...]] | None = None
    for number in range(1, HEADER_SEARCH_LINES + 1):
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip(blank):
            delimiter = detect_delimiter(line)
            cells = _cells(line, delimiter)
            named = named_fields(kind, cells)
            if fits_header(kind, named):
                return number, start, delimiter, cells
            if named and (best is None or len(named) > best[0]):
                best = (len(named), cells)
        if end < 0:
            break
        start = end + 1
    if best is not None:
        map_header(kind, best[1], path)  # raises, naming what the likeliest header lacks
    raise UserError(
        f"{path}: no header found in the first {HEADER_SEARCH_LINES} lines; expected a line "
        f"with the columns {required_columns(kind)} for {kind.name} (see docs/import.md)"
    )


def without_total(text: str, delimiter: str, id_position: int) -> str:
    """``text`` without its last row if that is the totals line of a 1C report: its first cell
    starts with "Итого" and its external id (the cell at ``id_position``) is empty.

    Anything else stays, to be imported or rejected as any row. Costs a look at the end of the
    text, and a count of its quotes only when the last line does start with "Итого" (a line
    break inside a quoted value would otherwise pass for the start of a row).
    """
    # The end of the text without trailing blank lines and empty cells, found in its last
    # part (stripping the whole text would copy it).
    offset = max(0, len(text) - _TAIL)
    body = text[offset:].rstrip(WHITESPACE + delimiter)
    if not body and offset:
        offset, body = 0, text.rstrip(WHITESPACE + delimiter)
    line = body.rfind("\n") + 1
    if not line:
        return text  # the header is the only line (or the last line is longer than _TAIL)
    if not body[line:line + 40].lstrip(WHITESPACE + '"').casefold().startswith(TOTAL_WORD):
        return text
    start = offset + line
    if text.count('"', 0, start) % 2:
        return text  # the line continues a quoted value
    end = text.find("\n", start)
    cells = _cells(text[start:] if end < 0 else text[start:end], delimiter)
    first = cells[0].strip(WHITESPACE) if cells else ""
    if not first.casefold().startswith(TOTAL_WORD):
        return text
    if id_position < len(cells) and cells[id_position].strip(WHITESPACE):
        return text
    return text[:start]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read with.

    Raises UnicodeDecodeError for a file that says it is UTF-8 or UTF-16 (a byte-order mark)
    and is not, and for the one byte Windows-1251 leaves undefined (0x98): a damaged file is
    refused rather than imported with replacement characters.
    """
    if data.startswith(codecs.BOM_UTF8):
        mark = len(codecs.BOM_UTF8)
        try:
            return data[mark:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:  # count the position from the file's first byte
            raise UnicodeDecodeError("utf-8", data, exc.start + mark, exc.end + mark,
                                     exc.reason) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "cp1251"


def detect_delimiter(header_line: str) -> str:
    unquoted = _QUOTED_RE.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
