"""The snooze choices: what time each means, in the company's time zone (no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from letterpress.web.reminders.snoozing import snooze_until

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def until(choice: str, now: dt.datetime, tz: ZoneInfo = MOSCOW) -> dt.datetime:
    return snooze_until(choice, now, tz=tz, short_minutes=15, morning_hour=9)


def test_a_while_is_counted_from_now() -> None:
    now = dt.datetime(2025, 3, 3, 10, 7, tzinfo=UTC)
    assert until("short", now) == dt.datetime(2025, 3, 3, 10, 22, tzinfo=UTC)
    assert until("hour", now) == dt.datetime(2025, 3, 3, 11, 7, tzinfo=UTC)
    assert snooze_until("short", now, tz=MOSCOW, short_minutes=5,
                        morning_hour=9) == now + dt.timedelta(minutes=5)


@pytest.mark.parametrize(("now", "expected"), [
    # 12:00 in Moscow: tomorrow 9:00 Moscow = 6:00 UTC
    (dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC), dt.datetime(2025, 3, 4, 6, 0, tzinfo=UTC)),
    # 23:30 UTC is already the 4th, 2:30 in Moscow: "tomorrow" is the 5th there
    (dt.datetime(2025, 3, 3, 23, 30, tzinfo=UTC), dt.datetime(2025, 3, 5, 6, 0, tzinfo=UTC)),
    # 6:00 in Moscow, before the morning: still tomorrow, not today
    (dt.datetime(2025, 3, 3, 3, 0, tzinfo=UTC), dt.datetime(2025, 3, 4, 6, 0, tzinfo=UTC)),
])
def test_tomorrow_morning_is_the_companys_morning(now: dt.datetime, expected: dt.datetime) -> None:
    assert until("tomorrow", now) == expected
    assert until("tomorrow", now).astimezone(MOSCOW).hour == 9


def test_tomorrow_morning_across_a_clock_change() -> None:
    # Berlin moves its clocks forward in the night to 30 March 2025: 9:00 is then UTC+2.
    now = dt.datetime(2025, 3, 29, 20, 0, tzinfo=UTC)
    assert until("tomorrow", now, BERLIN) == dt.datetime(2025, 3, 30, 7, 0, tzinfo=UTC)
    now = dt.datetime(2025, 3, 28, 20, 0, tzinfo=UTC)
    assert until("tomorrow", now, BERLIN) == dt.datetime(2025, 3, 29, 8, 0, tzinfo=UTC)


def test_the_morning_hour_is_configurable() -> None:
    now = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert snooze_until("tomorrow", now, tz=MOSCOW, short_minutes=15,
                        morning_hour=8) == dt.datetime(2025, 3, 4, 5, 0, tzinfo=UTC)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown snooze choice"):
        until("forever", dt.datetime(2025, 3, 3, tzinfo=UTC))
    with pytest.raises(ValueError, match="time zone"):
        until("hour", dt.datetime(2025, 3, 3))
