"""The demo's calendar: the anchor (today), month arithmetic, seasonality and office hours.

Every date of the demo derives from the *anchor*, the day the demo is built on: the history ends
the day before it and the plans start around it, so that the demo looks lived in on whatever day
it is built (this week's calendar full, a few things overdue, last month's sales in the reports).
One seed gives identical data for one anchor. History covers the :data:`HISTORY_MONTHS` months
before the anchor; history month ``m`` runs from :meth:`Timeline.month` ``(m)`` to the day before
``month(m + 1)`` (the 27th to the 26th when the anchor is the 27th), and index ``HISTORY_MONTHS``
starts at the anchor.
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


# Russian public holidays (month, day): the New Year week, Defender of the Fatherland Day,
# Women's Day, Spring and Labour Day, Victory Day, Russia Day, Unity Day.
HOLIDAYS = frozenset({(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12),
                                                     (11, 4)})


def is_workday(day: dt.date) -> bool:
    """Neither a weekend nor a public holiday."""
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def next_workday(day: dt.date) -> dt.date:
    """``day``, or the first working day after it."""
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Timeline:
    anchor: dt.date

    @classmethod
    def for_today(cls, today: dt.date) -> Timeline:
        return cls(today)

    @property
    def start(self) -> dt.date:
        """The first day of the history."""
        return self.month(0)

    def month(self, index: int) -> dt.date:
        """The first day of history month ``index`` (0 = oldest, HISTORY_MONTHS = the anchor)."""
        return add_months(self.anchor, index - HISTORY_MONTHS)

    def days_in(self, index: int) -> int:
        """How many days history month ``index`` has (up to the next one's first day)."""
        return (self.month(index + 1) - self.month(index)).days

    def named_month(self, index: int) -> dt.date:
        """The calendar month (its first day) most of history month ``index`` falls in: the one
        its season, campaigns and monthly reports are named after."""
        middle = self.month(index) + dt.timedelta(days=self.days_in(index) // 2)
        return middle.replace(day=1)

    def index_of(self, day: dt.date) -> int:
        """The history month ``day`` falls in."""
        index = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month + HISTORY_MONTHS
        while self.month(index) > day:
            index -= 1
        while self.month(index + 1) <= day:
            index += 1
        return index

    def days(self, offset: int) -> dt.date:
        """The anchor moved by ``offset`` days."""
        return self.anchor + dt.timedelta(days=offset)

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A Moscow wall-clock time on ``day``, as an aware datetime."""
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
