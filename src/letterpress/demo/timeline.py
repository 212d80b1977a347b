"""The demo's calendar: a month anchor, month arithmetic, seasonality and local office hours.

Every date of the demo derives from the *anchor*, the first day of the month the demo is built
in, so that one seed gives identical data on every day of a month. History covers the
:data:`HISTORY_MONTHS` whole months before the anchor (month index 0 is the oldest, index
``HISTORY_MONTHS`` is the anchor's own month); plans reach into the anchor's month and beyond.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

HISTORY_MONTHS = 24
# The printing house works in Moscow; the demo does not depend on the configured time zone.
TZ = ZoneInfo("Europe/Moscow")

# Orders per month relative to the yearly mean: calendars and New Year cards fill the autumn.
SEASON = {1: 0.5, 2: 0.6, 3: 0.7, 4: 0.75, 5: 0.65, 6: 0.6, 7: 0.55, 8: 0.75,
          9: 1.3, 10: 1.6, 11: 1.9, 12: 1.7}
SEASONAL_MONTHS = (9, 10, 11, 12)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of a shorter month."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def workday(day: dt.date) -> dt.date:
    """The nearest weekday in the same month (Saturday -> Friday, Sunday -> Monday or Friday)."""
    weekday = day.weekday()
    if weekday == 5:
        return day - dt.timedelta(days=1) if day.day > 1 else day + dt.timedelta(days=2)
    if weekday == 6:
        last = calendar.monthrange(day.year, day.month)[1]
        return day + dt.timedelta(days=1) if day.day < last else day - dt.timedelta(days=2)
    return day


def next_workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Timeline:
    anchor: dt.date

    @classmethod
    def for_today(cls, today: dt.date) -> Timeline:
        return cls(today.replace(day=1))

    @property
    def start(self) -> dt.date:
        """The first day of the history."""
        return self.month(0)

    def month(self, index: int) -> dt.date:
        """The first day of history month ``index`` (0 = oldest, HISTORY_MONTHS = anchor's)."""
        return add_months(self.anchor, index - HISTORY_MONTHS)

    def days_in(self, index: int) -> int:
        first = self.month(index)
        return calendar.monthrange(first.year, first.month)[1]

    def index_of(self, day: dt.date) -> int:
        return (day.year - self.anchor.year) * 12 + day.month - self.anchor.month + HISTORY_MONTHS

    def days(self, offset: int) -> dt.date:
        """The anchor moved by ``offset`` days."""
        return self.anchor + dt.timedelta(days=offset)

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A Moscow wall-clock time on ``day``, as an aware datetime."""
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
