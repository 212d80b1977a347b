"""A dashboard's table as a CSV or Excel download, through the engine's exporters.

CSV is :func:`letterpress.crm.analytics.export.to_csv` (comma-separated, the engine's English
column keys, decimal points) with a UTF-8 byte order mark in front, which is how Excel knows the
Cyrillic names are UTF-8. XLSX is :func:`~letterpress.crm.analytics.export.to_xlsx`: the rows on
the first sheet, the period and settings on a second. Text that a spreadsheet would take for a
formula is neutralised first (:func:`neutralised`). Both are ``Content-Disposition:
attachment`` with an ASCII ``filename`` of the report's keys and an RFC 8187 ``filename*`` with
the translated title.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from flask import Response

from letterpress.crm.analytics import Report, export
from letterpress.web.mail.downloads import ascii_fallback, safe_filename

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
_FORMULA_START = frozenset("=+-@\t\r")


def disposition(report: Report, fmt: str, key: str, title: str = "") -> str:
    """``attachment`` with an ASCII name made of the report's keys (``abc-customers
    2025-01..2025-12.csv``) and the people's name in ``filename*`` (RFC 8187, UTF-8), e.g.
    ``ABC-анализ - Покупатели по классам 2025-01..2025-12.csv``."""
    period = report.period.label
    plain = ascii_fallback(safe_filename(f"{report.name}-{key} {period}.{fmt}"))
    value = f'attachment; filename="{plain}"'
    if title:
        value += f"; filename*=UTF-8''{quote(safe_filename(f'{title} {period}.{fmt}'), safe='')}"
    return value


def neutralised(report: Report) -> Report:
    """The report with text cells that a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``, tab, CR first: a counterparty named ``=HYPERLINK(...)`` from an imported file
    or a letter) prefixed with an apostrophe, which Excel and LibreOffice show as text. Numbers
    stay numbers."""
    def cell(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in _FORMULA_START:
            return "'" + value
        return value

    rows = [{k: cell(v) for k, v in row.items()} for row in report.rows]
    return dataclasses.replace(report, rows=rows)


def response(report: Report, fmt: str, key: str, title: str = "") -> Response:
    report = neutralised(report)
    if fmt == "csv":
        data, ctype = (BOM + export.to_csv(report)).encode("utf-8"), CSV_TYPE
    elif fmt == "xlsx":
        data, ctype = export.to_xlsx(report), XLSX_TYPE
    else:
        raise ValueError(f"no export format {fmt!r}")
    out = Response(data, content_type=ctype)
    out.headers["Content-Disposition"] = disposition(report, fmt, key, title)
    out.headers["X-Content-Type-Options"] = "nosniff"
    out.headers["Cache-Control"] = "private, no-store"
    return out
