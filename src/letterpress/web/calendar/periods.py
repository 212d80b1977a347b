"""The spans a calendar page shows (a day, a Monday-to-Sunday week, a month) as local dates and
as the UTC instants the database compares with. Pure: no Flask, no database.

A span's bounds are local midnights of the company's time zone turned into aware datetimes, so
a day across a daylight-saving change is 23 or 25 hours long and an event at 23:30 on Sunday
stays on Sunday whatever the offset to UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

VIEWS = ("day", "week", "month")


class BadDate(ValueError):
    """A ``?date=`` that is not ``YYYY-MM-DD``."""


def parse_date(raw: str | None, today: dt.date) -> dt.date:
    """``YYYY-MM-DD`` as a date; no value means ``today``."""
    if not raw:
        return today
    if len(raw) != 10:
        raise BadDate(raw)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadDate(raw) from None


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (weeks start on Monday, as in Russia and ISO 8601)."""
    return day - dt.timedelta(days=day.weekday())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


@dataclass(frozen=True)
class Span:
    """What one page shows: ``first`` to ``last`` inclusive, around the asked-for ``anchor``.

    For a month, ``first``/``last`` are the month's own days and :attr:`grid_days` pads them to
    whole weeks for the grid.
    """

    view: str
    anchor: dt.date
    first: dt.date
    last: dt.date
    previous: dt.date
    next: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def grid_days(self) -> list[dt.date]:
        """Whole weeks, Monday first, covering the span (the month grid's cells)."""
        start = week_start(self.first)
        end = week_start(self.last) + dt.timedelta(days=6)
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the span in ``tz``, as aware datetimes."""
        return local_midnight(self.first, tz), local_midnight(self.last + dt.timedelta(days=1), tz)

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def span(view: str, anchor: dt.date) -> Span:
    if view == "day":
        one = dt.timedelta(days=1)
        return Span(view, anchor, anchor, anchor, anchor - one, anchor + one)
    if view == "week":
        monday = week_start(anchor)
        week = dt.timedelta(days=7)
        return Span(view, anchor, monday, monday + dt.timedelta(days=6), anchor - week,
                    anchor + week)
    if view == "month":
        first = anchor.replace(day=1)
        following = _add_months(first, 1)
        return Span(view, anchor, first, following - dt.timedelta(days=1),
                    _add_months(first, -1), following)
    raise ValueError(f"unknown calendar view {view!r}")


def day_bounds(days: list[dt.date], tz: ZoneInfo) -> list[dt.datetime]:
    """The local midnights starting each of ``days`` and ending the last (len(days) + 1)."""
    return [local_midnight(d, tz) for d in days] + [
        local_midnight(days[-1] + dt.timedelta(days=1), tz)
    ]
