"""Reports as the pages show them: chosen columns with labels and number kinds, a page of rows,
and the formatting of one value (Jinja filter ``analytics_value``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask import g
from flask_babel import get_locale, gettext
from flask_babel.speaklater import LazyString

from letterpress.crm.analytics import Report
from letterpress.web.analytics.labels import column_kind, column_label
from letterpress.web.pagination import Page


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # money, percent, change, number, text

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass(frozen=True)
class TableView:
    """One table of a page: ``key`` names it in ``?table=`` of its exports."""

    key: str
    title: str | LazyString
    columns: tuple[Column, ...]
    rows: Sequence[dict[str, Any]]
    page: Page[dict[str, Any]] | None = None  # when the table is paged
    total_rows: int = 0

    @property
    def shown(self) -> Sequence[dict[str, Any]]:
        return self.page.items if self.page is not None else self.rows


def _numbers(rows: Sequence[dict[str, Any]], key: str) -> bool:
    """Whether the column holds numbers only (then it is aligned and formatted as one)."""
    values = [r.get(key) for r in rows[:200] if r.get(key) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                for v in values)


def columns(keys: Sequence[str], *, count_measure: bool = False,
            labels: dict[str, str] | None = None,
            rows: Sequence[dict[str, Any]] = ()) -> tuple[Column, ...]:
    out = []
    for key in keys:
        kind = column_kind(key, count_measure=count_measure)
        if kind == "text" and _numbers(rows, key):
            kind = "number"
        out.append(Column(key, (labels or {}).get(key) or column_label(key), kind))
    return tuple(out)


def table(report: Report, key: str, title: str | LazyString, keys: Sequence[str] | None = None,
          *, count_measure: bool = False, labels: dict[str, str] | None = None,
          rows: Sequence[dict[str, Any]] | None = None, page: int | None = None,
          size: int = 50) -> TableView:
    """``report`` (or the given subset of its ``rows``) as a table, paged when ``page`` is set."""
    data = report.rows if rows is None else rows
    paged = None
    if page is not None:
        pages = max(1, -(-len(data) // size))
        number = min(max(1, page), pages)
        start = (number - 1) * size
        paged = Page(items=data[start:start + size], total=len(data), number=number, size=size)
    return TableView(key, title, columns(keys or report.columns, count_measure=count_measure,
                                         labels=labels, rows=report.rows),
                     data, paged, len(data))


@functools.lru_cache(maxsize=32)
def _pattern(text: str) -> NumberPattern:
    return parse_pattern(text)


def _locale() -> Locale:
    """The request's locale, looked up once per request (a dashboard formats hundreds of cells)."""
    found: Locale | None = g.get("analytics_locale")
    if found is None:
        found = get_locale() or Locale.parse("ru")
        g.analytics_locale = found
    return found


PATTERNS = {"money": "#,##0.00", "percent": "#,##0.0%", "change": "+#,##0.0;-#,##0.0",
            "fraction": "#,##0.##", "integer": "#,##0"}


def format_value(value: Any, kind: str = "text") -> str:
    """A cell as people read it in the page's language; an empty value is a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    locale = _locale()
    if kind == "change":
        points = _pattern(PATTERNS["change"]).apply(value * 100, locale)
        return str(gettext("%(points)s pp", points=points))
    if kind in ("money", "percent"):
        return str(_pattern(PATTERNS[kind]).apply(value, locale))
    if isinstance(value, float) and not value.is_integer():
        return str(_pattern(PATTERNS["fraction"]).apply(value, locale))
    return str(_pattern(PATTERNS["integer"]).apply(int(value), locale))
