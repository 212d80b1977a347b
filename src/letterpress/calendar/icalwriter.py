"""iCalendar text for what the CRM holds (RFC 5545): events, tasks, birthdays. Pure functions.

Written by hand rather than through a library: these are the hot path of every calendar
listing, and a few string joins are a hundred times cheaper than building component trees.
Times are written in UTC; lines are escaped and folded at 75 octets as RFC 5545 says.
"""

from __future__ import annotations

import datetime as dt

from letterpress.crm.calendar_data import Alarm, BirthdayView, EventView, TaskView

PRODID = "-//Letterpress//CRM//RU"
KIND_LABELS = {
    "outgoing_call": "Исходящий звонок", "incoming_call": "Входящий звонок",
    "meeting": "Встреча", "other": "Событие",
}
TASK_STATUS = {"open": "NEEDS-ACTION", "in_progress": "IN-PROCESS", "done": "COMPLETED",
               "cancelled": "CANCELLED"}


def escape_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with a space
    return "\r\n ".join(parts)


def utc(value: dt.datetime) -> str:
    v = value if value.utcoffset() == dt.timedelta(0) else value.astimezone(dt.UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"


def date_value(value: dt.date) -> str:
    return value.strftime("%Y%m%d") if value.year >= 1000 else f"{value.year:04d}{value.month:02d}{value.day:02d}"


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value: str, *, text: bool = False) -> None:
        self.lines.append(fold(f"{name}:{escape_text(value) if text else value}"))

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"


def _begin(lines: Lines) -> None:
    lines.add("BEGIN", "VCALENDAR")
    lines.add("VERSION", "2.0")
    lines.add("PRODID", PRODID)
    lines.add("CALSCALE", "GREGORIAN")


def _alarm(lines: Lines, uid: str, alarm: Alarm, related: str) -> None:
    lines.add("BEGIN", "VALARM")
    lines.add("UID", f"reminder-{uid}")
    lines.add("ACTION", "DISPLAY")
    lines.add("DESCRIPTION", alarm.description or "Напоминание", text=True)
    minutes = alarm.minutes_before
    trigger = f"-PT{minutes}M" if minutes > 0 else f"PT{-minutes}M" if minutes < 0 else "PT0S"
    lines.add(f"TRIGGER;RELATED={related}", trigger)
    lines.add("X-LETTERPRESS-ALARM", "reminder")
    if alarm.acknowledged_at is not None:
        lines.add("ACKNOWLEDGED", utc(alarm.acknowledged_at))
    lines.add("END", "VALARM")


def render_event(view: EventView) -> str:
    lines = Lines()
    _begin(lines)
    lines.add("BEGIN", "VEVENT")
    lines.add("UID", view.uid)
    stamp = view.updated_at or view.start_at
    lines.add("DTSTAMP", utc(stamp))
    if view.created_at is not None:
        lines.add("CREATED", utc(view.created_at))
    lines.add("LAST-MODIFIED", utc(stamp))
    lines.add("SEQUENCE", str(view.sequence))
    lines.add("DTSTART", utc(view.start_at))
    if view.end_at is not None and view.end_at > view.start_at:
        lines.add("DTEND", utc(view.end_at))
    lines.add("SUMMARY", view.subject or KIND_LABELS.get(view.kind, "Событие"), text=True)
    if view.content:
        lines.add("DESCRIPTION", view.content, text=True)
    if view.location:
        lines.add("LOCATION", view.location, text=True)
    lines.add("STATUS", "CANCELLED" if view.state == "cancelled" else "CONFIRMED")
    lines.add("CATEGORIES", KIND_LABELS.get(view.kind, "Событие"), text=True)
    lines.add("X-LETTERPRESS-KIND", view.kind)
    lines.add("X-LETTERPRESS-STATE", view.state)
    if view.counterparty:
        lines.add("X-LETTERPRESS-COUNTERPARTY", view.counterparty, text=True)
    if view.contact:
        lines.add("X-LETTERPRESS-CONTACT", view.contact, text=True)
    if view.alarm is not None:
        _alarm(lines, view.uid, view.alarm, "START")
    lines.add("END", "VEVENT")
    lines.add("END", "VCALENDAR")
    return lines.text()


def render_task(view: TaskView) -> str:
    lines = Lines()
    _begin(lines)
    lines.add("BEGIN", "VTODO")
    lines.add("UID", view.uid)
    stamp = view.updated_at or view.created_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    lines.add("DTSTAMP", utc(stamp))
    if view.created_at is not None:
        lines.add("CREATED", utc(view.created_at))
    lines.add("LAST-MODIFIED", utc(stamp))
    lines.add("SUMMARY", view.subject, text=True)
    if view.description:
        lines.add("DESCRIPTION", view.description, text=True)
    if view.due_at is not None:
        lines.add("DUE", utc(view.due_at))
    lines.add("STATUS", TASK_STATUS.get(view.state, "NEEDS-ACTION"))
    if view.state == "done":
        lines.add("PERCENT-COMPLETE", "100")
        if view.completed_at is not None:
            lines.add("COMPLETED", utc(view.completed_at))
    if view.counterparty:
        lines.add("X-LETTERPRESS-COUNTERPARTY", view.counterparty, text=True)
    lines.add("X-LETTERPRESS-STATE", view.state)
    if view.alarm is not None and view.due_at is not None:
        _alarm(lines, view.uid, view.alarm, "END")
    lines.add("END", "VTODO")
    lines.add("END", "VCALENDAR")
    return lines.text()


def birthday_summary(view: BirthdayView) -> str:
    what = "День рождения" if view.label == "birthday" else view.label
    who = f"{view.person} ({view.company})" if view.company else view.person
    return f"{what}: {who}"


def render_birthday(view: BirthdayView, alarm_minutes: int | None = None) -> str:
    """A yearly all-day event; ``alarm_minutes`` before its midnight, the reminder's VALARM."""
    lines = Lines()
    _begin(lines)
    lines.add("BEGIN", "VEVENT")
    lines.add("UID", view.uid)
    lines.add("DTSTAMP", utc(view.updated_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    lines.add("DTSTART;VALUE=DATE", date_value(view.date))
    lines.add("DTEND;VALUE=DATE", date_value(view.date + dt.timedelta(days=1)))
    if view.date.month == 2 and view.date.day == 29:
        lines.add("RRULE", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")
    else:
        lines.add("RRULE", "FREQ=YEARLY")
    lines.add("SUMMARY", birthday_summary(view), text=True)
    if view.phones:
        lines.add("DESCRIPTION", "Телефон: " + ", ".join(view.phones), text=True)
    lines.add("TRANSP", "TRANSPARENT")
    lines.add("CLASS", "PRIVATE")
    lines.add("CATEGORIES", "День рождения" if view.label == "birthday" else "Годовщина",
              text=True)
    lines.add("X-LETTERPRESS-KIND", "birthday" if view.label == "birthday" else "anniversary")
    if alarm_minutes is not None:
        _alarm(lines, view.uid, Alarm(alarm_minutes, None, birthday_summary(view)), "START")
    lines.add("END", "VEVENT")
    lines.add("END", "VCALENDAR")
    return lines.text()


def birthday_occurs(view: BirthdayView, start: dt.datetime | None, end: dt.datetime | None,
                    tz: dt.tzinfo) -> bool:
    """Whether a yearly all-day date (in the calendar's time zone) touches [start, end)."""
    lo = (start or dt.datetime(1900, 1, 1, tzinfo=dt.UTC)).astimezone(tz)
    hi = (end or dt.datetime(9999, 1, 1, tzinfo=dt.UTC)).astimezone(tz)
    if hi.year - lo.year > 1:
        return hi.date() > view.date
    for year in range(lo.year - 1, hi.year + 1):
        if year < view.date.year:
            continue
        day = _on_year(view.date, year)
        begins = dt.datetime.combine(day, dt.time(), tz)
        if begins < hi and begins + dt.timedelta(days=1) > lo:
            return True
    return False


def _on_year(date: dt.date, year: int) -> dt.date:
    try:
        return date.replace(year=year)
    except ValueError:  # 29 February in a common year: the last day of February
        return dt.date(year, 2, 28)
