"""The snooze choices the panel offers and the time each one means (pure; no database).

"Tomorrow morning" is the company's morning (``reminders.morning_hour``, 9:00 by default) in the
company's time zone, whatever the server's own zone: a manager in Moscow snoozing at 23:30 gets
9:00 Moscow time the next day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHOICES = ("short", "hour", "tomorrow")


def snooze_until(choice: str, now: dt.datetime, *, tz: ZoneInfo, short_minutes: int,
                 morning_hour: int) -> dt.datetime:
    """When a reminder snoozed at ``now`` (aware) for ``choice`` comes back."""
    if now.tzinfo is None:
        raise ValueError("now: a time without a time zone is ambiguous")
    if choice == "short":
        return now + dt.timedelta(minutes=short_minutes)
    if choice == "hour":
        return now + dt.timedelta(hours=1)
    if choice == "tomorrow":
        tomorrow = now.astimezone(tz).date() + dt.timedelta(days=1)
        return dt.datetime.combine(tomorrow, dt.time(morning_hour), tz)
    raise ValueError(f"unknown snooze choice {choice!r}")
