"""The dashboards' query parameters: period, manager and each report's options.

``?period=2025-01..2025-12`` (also ``2025-03`` or ``2025``; default the trailing
``analytics.period_months`` whole months), ``?manager=LOGIN`` (one manager's customers or
figures; the engine checks the viewer may see them), and per dashboard the engine's options:
``measure``, ``compare``, ``bucket``, ``by``. A period is at most ten years (a page draws it
month by month). A value outside its choices is a
:class:`~letterpress.errors.ValidationError` (a 400 page); nothing here decides visibility.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm import users
from letterpress.crm.analytics import Period, ReportRequest, parse_period
from letterpress.crm.analytics.abc import MEASURES
from letterpress.crm.analytics.catalog import company_today
from letterpress.crm.analytics.periods import month_no, month_start
from letterpress.crm.analytics.xyz import BUCKET_MONTHS
from letterpress.crm.model import User
from letterpress.errors import ValidationError

# option -> its choices (None: a flag, "1" when set)
CHOICES: dict[str, tuple[str, ...] | None] = {
    "measure": MEASURES,
    "bucket": tuple(BUCKET_MONTHS),
    "by": ("manager", "team"),
    "compare": None,
}
# A dashboard's period: what a page can show (a sparkline per month, a matrix per month).
MAX_MONTHS = 120
FIRST_YEAR, LAST_YEAR = 1990, 2999
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


@dataclass(frozen=True)
class Filters:
    """What a dashboard was asked for; ``args`` are the parameters to keep in its links."""

    period: Period
    today: dt.date
    manager: User | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    args: Mapping[str, str] = field(default_factory=dict)

    def request(self, viewer: User, **options: Any) -> ReportRequest:
        """The engine's request for ``viewer``, with ``options`` added to the dashboard's."""
        return ReportRequest(period=self.period, today=self.today, viewer=viewer,
                             manager=self.manager, options={**self.options, **options})

    def with_period(self, period: Period) -> Filters:
        return dataclasses.replace(self, period=period)

    def key(self) -> tuple[Any, ...]:
        """What distinguishes two requests' results (the viewer's scope is added by the caller)."""
        return (self.period.label, self.today, self.manager.id if self.manager else None,
                tuple(sorted((k, str(v)) for k, v in self.options.items())))


def parse(session: Session, settings: Settings, args: Mapping[str, str],
          options: tuple[str, ...] = ()) -> Filters:
    """Read ``period``, ``manager`` and the named ``options`` from the query string."""
    today = company_today(settings)
    kept: dict[str, str] = {}
    text = (args.get("period") or "").strip()
    if text:
        period = parse_period(text)
        if period.months > MAX_MONTHS or not _sane(period.first) or not _sane(period.last):
            raise ValidationError(f"period {text!r}: at most {MAX_MONTHS} months between "
                                  f"{FIRST_YEAR} and {LAST_YEAR}", field="period")
        kept["period"] = text
    else:
        period = Period.trailing(today, settings.analytics.period_months)
    manager = None
    login = (args.get("manager") or "").strip()
    if login:
        manager = users.get_user(session, login)
        kept["manager"] = login
    chosen: dict[str, Any] = {}
    for name in options:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        choices = CHOICES[name]
        if choices is None:
            chosen[name] = True
            kept[name] = "1"
        elif raw in choices:
            chosen[name] = raw
            kept[name] = raw
        else:
            raise ValidationError(f"{name} {raw!r}: expected one of {', '.join(choices)}",
                                  field=name)
    return Filters(period=period, today=today, manager=manager, options=chosen, args=kept)


def month_arg(value: str | None, default: int) -> int:
    """A month number from ``YYYY-MM`` (or a date ``YYYY-MM-DD``: its month); else ``default``."""
    found = _MONTH_RE.match((value or "").strip())
    if not found:
        if value and value.strip():
            raise ValidationError(f"month {value!r}: expected YYYY-MM", field="month")
        return default
    try:
        no = month_no(dt.date(int(found[1]), int(found[2]), 1))
    except ValueError:
        raise ValidationError(f"month {value!r}: expected YYYY-MM", field="month") from None
    if not _sane(no):
        raise ValidationError(f"month {value!r}: expected a year from {FIRST_YEAR} to "
                              f"{LAST_YEAR}", field="month")
    return no


def _sane(no: int) -> bool:
    return FIRST_YEAR * 12 <= no <= LAST_YEAR * 12 + 11


def month_text(no: int) -> str:
    return f"{month_start(no):%Y-%m}"


def page_arg(args: Mapping[str, str], name: str = "page") -> int:
    raw = args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else 1
