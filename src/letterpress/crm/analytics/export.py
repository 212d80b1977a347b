"""A report as text for people, CSV, JSON (a list of rows) or an Excel workbook."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from letterpress.crm.analytics.report import Report


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1 else f"{value:,.2f}".replace(",", " ")
    return str(value)


def header(report: Report) -> list[str]:
    """The lines that say what a report is and which settings it used."""
    lines = [f"{report.name}: {report.period.label}"]
    if report.settings:
        lines.append("settings: " + ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in report.settings.items()))
    lines += [f"note: {n}" for n in report.notes]
    return lines


def to_table(report: Report) -> str:
    cells = [[_cell(row.get(c)) for c in report.columns] for row in report.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(report.columns)]
    lines = header(report) + [""]
    lines.append("  ".join(c.ljust(w) for c, w in zip(report.columns, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(v.rjust(w) if v[:1].isdigit() or v[:1] == "-" else v.ljust(w)
                               for v, w in zip(row, widths, strict=True)).rstrip())
    lines.append(f"({len(report.rows)} rows)")
    return "\n".join(lines) + "\n"


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=report.columns, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.rows)
    return out.getvalue()


def to_json(report: Report, *, meta: bool = False) -> str:
    """The rows with the report's ``columns``, as CSV and XLSX write them (without the
    internal ``counterparty_id`` the rows carry for the pages)."""
    rows = [{c: row.get(c) for c in report.columns} for row in report.rows]
    data: Any = {**report.meta(), "rows": rows} if meta else rows
    return json.dumps(data, ensure_ascii=False, default=str) + "\n"


def to_xlsx(report: Report) -> bytes:
    """A workbook: the rows on the first sheet, the period and settings on a second one."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.name[:31]
    sheet.append(report.columns)
    for row in report.rows:
        sheet.append([row.get(c) for c in report.columns])
    sheet.freeze_panes = "A2"
    about = book.create_sheet("settings")
    about.append(["report", report.name])
    about.append(["period", report.period.label])
    for key, value in report.settings.items():
        about.append([key, json.dumps(value, ensure_ascii=False)
                      if isinstance(value, dict) else value])
    for note in report.notes:
        about.append(["note", note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
