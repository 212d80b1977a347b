"""Files the demo's letters carry: price lists (.xlsx), layouts, proofs and invoices (.pdf).

Small but real: the workbooks open in Excel and LibreOffice (SpreadsheetML with inline strings),
the PDFs in any viewer (one A4 page of Helvetica text, a layout with a picture). Everything is
deterministic: the same arguments give the same bytes, so a price list sent to a hundred
customers is stored once (attachments are content-addressed). PDF text is transliterated: the
standard fonts have no Cyrillic, and embedding a font would make every file large.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

from letterpress.demo.names import translit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)

Cell = str | int | float


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def xlsx(rows: Sequence[Sequence[Cell]], sheet: str = "Лист1") -> bytes:
    """A one-sheet workbook; strings are inline, numbers are numbers."""
    lines = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" '
            f'xmlns:r="{rel}"><sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
            f'<sheetData>{"".join(lines)}</sheetData></worksheet>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), text.encode("utf-8"))
    return buf.getvalue()


def _pdf_text(text: str) -> str:
    latin = "".join(ch if ch.isascii() else translit(ch) if ch.isalpha() else
                    {"«": '"', "»": '"', "—": "-", "№": "N", "×": "x", "\u00a0": " "}.get(ch, "?")
                    for ch in text)
    # Transliteration lower-cases; keep the capitals readable.
    out = []
    for original, word in zip(text.split(" "), latin.split(" "), strict=False):
        out.append(word[:1].upper() + word[1:] if original[:1].isupper() else word)
    return " ".join(out).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(lines: Sequence[str], *, picture: int = 0, seed: int = 0) -> bytes:
    """A one-page A4 PDF with ``lines`` of text and, if ``picture`` > 0, an RGB picture of about
    that many bytes (a layout's artwork: noise, so that it does not compress)."""
    content = ["BT /F1 16 Tf 60 780 Td"]
    for n, line in enumerate(lines):
        if n == 1:
            content.append("/F1 11 Tf")
        content.append(f"({_pdf_text(line)}) Tj 0 -{22 if n == 0 else 16} Td")
    content.append("ET")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"",  # the page, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    resources = "/Font << /F1 4 0 R >>"
    if picture > 0:
        width = 120
        height = max(1, picture // (width * 3))
        pixels = random.Random(seed).randbytes(width * height * 3)
        content.append(f"q 475 0 0 {min(600, 475 * height // width)} 60 60 cm /Im1 Do Q")
        objects.append(b"")  # the content stream, below
        objects.append(
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {len(pixels)} >>\nstream\n"
            .encode() + pixels + b"\nendstream")
        resources += " /XObject << /Im1 6 0 R >>"
    else:
        objects.append(b"")
    stream = "\n".join(content).encode("latin-1")
    objects[4] = (f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects[2] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
                  f"{resources} >> /Contents 5 0 R >>").encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)
