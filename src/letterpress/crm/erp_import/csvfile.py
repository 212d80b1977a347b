"""Reading an ERP CSV file: bytes -> text -> delimiter -> header -> records.

* Encoding: UTF-8 with or without a byte-order mark; UTF-16 with a mark (Excel's "Unicode text");
  anything else is read as Windows-1251, what 1C and Excel write on a Russian Windows.
* Delimiter: ``;``, ``,`` or a tab, whichever the header line holds most of outside quotes
  (1C and a Russian Excel write ``;`` because ``,`` is their decimal separator).
* Rows are numbered as a spreadsheet shows them: the header is row 1, so the first data row is
  row 2; a quoted value with line breaks in it is still one row.

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

from letterpress.errors import UserError

FIRST_DATA_ROW = 2
DELIMITERS = (";", ",", "\t")
_MARK = "\x00"
_QUOTED_RE = re.compile(r'"[^"]*"')

csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class CsvFile:
    """A decoded CSV file and its dialect; :meth:`records` yields the data rows."""

    path: Path
    text: str
    encoding: str
    delimiter: str
    header: tuple[str, ...]

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
        first = FIRST_DATA_ROW
        while records := list(islice(reader, size)):
            yield Chunk(first, len(records), records=records)
            first += len(records)

    def _line_parts(self, size: int) -> Iterator[tuple[int, str]]:
        """Without quotes a record is a line: the text after the header cut at line breaks into
        parts of about ``size`` lines, each with the number of its first row."""
        text = self.text.replace("\r\n", "\n") if "\r" in self.text else self.text
        start = text.find("\n") + 1  # the header is the first line
        if not start:
            return
        length = max(1, (len(text) - start) // max(1, text.count("\n", start))) * size
        first = FIRST_DATA_ROW
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


def read_csv(path: str | Path) -> CsvFile:
    """Read and decode ``path``; a :class:`UserError` naming the file if that cannot be done."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_csv(data, path)


def parse_csv(data: bytes, path: Path) -> CsvFile:
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
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise UserError(f"{path}: empty file or empty first line; the first line must be the header")
    delimiter = detect_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return CsvFile(path=path, text=text, encoding=encoding, delimiter=delimiter,
                   header=tuple(header))


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
