"""Report periods: whole calendar months, written ``2025-01..2025-12``, ``2025-03`` or ``2025``.

Months are numbered ``year * 12 + month - 1`` (the register's ``month_no``), so that month
arithmetic in SQL is integer arithmetic on both databases.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from letterpress.errors import ValidationError

_MONTH = r"(\d{4})-(\d{2})"
_RANGE_RE = re.compile(rf"^{_MONTH}\.\.{_MONTH}$")
_MONTH_RE = re.compile(rf"^{_MONTH}$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def month_no(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(no: int) -> dt.date:
    year, month = divmod(no, 12)
    return dt.date(year, month + 1, 1)


@dataclass(frozen=True)
class Period:
    """Months ``first``..``last`` (month numbers), both included."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValidationError(f"the period {self.label} ends before it starts", field="period")

    @classmethod
    def of_months(cls, start: dt.date, end: dt.date) -> Period:
        return cls(month_no(start), month_no(end))

    @classmethod
    def trailing(cls, today: dt.date, months: int) -> Period:
        """The ``months`` whole months before the month of ``today``."""
        last = month_no(today) - 1
        return cls(last - months + 1, last)

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        return month_start(self.first)

    @property
    def end(self) -> dt.date:
        """The first day of the period's last month."""
        return month_start(self.last)

    @property
    def stop(self) -> dt.date:
        """The first day after the period."""
        return month_start(self.last + 1)

    @property
    def last_day(self) -> dt.date:
        return self.stop - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        first, last = month_start(self.first), month_start(self.last)
        return f"{first:%Y-%m}..{last:%Y-%m}"

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.first - self.months, self.first - 1)

    def bounds(self, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, stop) instants in the company's time zone (for timestamps)."""
        start = dt.datetime.combine(self.start, dt.time(), tz)
        stop = dt.datetime.combine(self.stop, dt.time(), tz)
        return start, stop


def parse_period(text: str) -> Period:
    """``YYYY-MM..YYYY-MM``, ``YYYY-MM`` (one month) or ``YYYY`` (a calendar year)."""
    value = text.strip()
    try:
        if match := _RANGE_RE.match(value):
            y1, m1, y2, m2 = (int(g) for g in match.groups())
            return Period(month_no(dt.date(y1, m1, 1)), month_no(dt.date(y2, m2, 1)))
        if match := _MONTH_RE.match(value):
            no = month_no(dt.date(int(match[1]), int(match[2]), 1))
            return Period(no, no)
        if match := _YEAR_RE.match(value):
            year = int(match[1])
            return Period(month_no(dt.date(year, 1, 1)), month_no(dt.date(year, 12, 1)))
    except ValueError:
        pass
    raise ValidationError(
        f"period {text!r}: expected YYYY-MM..YYYY-MM, YYYY-MM or YYYY", field="period"
    )
