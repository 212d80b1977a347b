"""Reading an ERP CSV file: bytes -> text -> delimiter -> header -> records.

* Encoding: UTF-8 with or without a byte-order mark; UTF-16 with a mark (Excel's "Unicode text");
  anything else is read as Windows-1251, what 1C and Excel write on a Russian Windows.
* Delimiter: ``;``, ``,`` or a tab, whichever the header line holds most of outside quotes
  (1C and a Russian Excel write ``;`` because ``,`` is their decimal separator).
* Rows are numbered as a spreadsheet shows them: the header is row 1, so the first data row is
  row 2; a quoted value with line breaks in it is still one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from letterpress.errors import UserError

FIRST_DATA_ROW = 2
DELIMITERS = (";", ",", "\t")
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

    def estimated_rows(self) -> int:
        """Data rows, counted as lines (exact unless values hold line breaks)."""
        lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
        return max(lines - 1, 0)


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
