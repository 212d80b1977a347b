"""The spans of calendar pages as local dates and UTC bounds (pure; no app, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from letterpress.web.calendar.periods import BadDate, day_bounds, parse_date, span, week_start

D = dt.date
MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def test_weeks_start_on_monday() -> None:
    assert week_start(D(2025, 3, 3)) == D(2025, 3, 3)
    assert week_start(D(2025, 3, 9)) == D(2025, 3, 3)  # Sunday ends the week
    week = span("week", D(2025, 3, 5))
    assert (week.first, week.last) == (D(2025, 3, 3), D(2025, 3, 9))
    assert (week.previous, week.next) == (D(2025, 2, 26), D(2025, 3, 12))
    assert len(week.days) == 7


def test_a_month_and_its_grid() -> None:
    month = span("month", D(2024, 12, 31))
    assert (month.first, month.last) == (D(2024, 12, 1), D(2024, 12, 31))
    assert (month.previous, month.next) == (D(2024, 11, 1), D(2025, 1, 1))
    grid = month.grid_days
    assert grid[0] == D(2024, 11, 25) and grid[-1] == D(2025, 1, 5) and len(grid) % 7 == 0
    february = span("month", D(2021, 2, 10))  # starts on a Monday, 28 days: four whole weeks
    assert len(february.grid_days) == 28


def test_a_day_and_its_bounds_in_the_company_zone() -> None:
    day = span("day", D(2025, 3, 9))
    start, end = day.bounds(MOSCOW)
    assert start.astimezone(dt.UTC) == dt.datetime(2025, 3, 8, 21, 0, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2025, 3, 9, 21, 0, tzinfo=dt.UTC)
    assert (day.previous, day.next) == (D(2025, 3, 8), D(2025, 3, 10))


def test_a_day_across_a_clock_change_is_23_hours_long() -> None:
    bounds = day_bounds(span("week", D(2025, 3, 30)).days, BERLIN)  # clocks go forward on 30 March
    lengths = [(b - a).total_seconds() / 3600 for a, b in zip(
        [x.astimezone(dt.UTC) for x in bounds], [x.astimezone(dt.UTC) for x in bounds[1:]])]
    assert lengths == [24, 24, 24, 24, 24, 24, 23]


def test_dates_are_read_strictly() -> None:
    today = D(2025, 3, 5)
    assert parse_date(None, today) == today and parse_date("", today) == today
    assert parse_date("2025-03-09", today) == D(2025, 3, 9)
    for raw in ("2025-3-9", "09.03.2025", "2025-02-30", "20250309", "x" * 10):
        with pytest.raises(BadDate):
            parse_date(raw, today)
