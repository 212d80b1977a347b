"""iCalendar (RFC 5545) <-> CRM fields: parse what clients send, merge CRM changes back in.

Pure functions on text and dataclasses; nothing here knows the database. A client's object is
kept as sent; :func:`parse_object` reads from it only what the CRM models (the master
component's time, summary, description, location, status, attendees) and the span it covers;
:func:`merge_event` / :func:`merge_task` write changed CRM fields into the client's own text,
leaving every other property, parameter, alarm and recurrence exception as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar

from letterpress.crm.calendar_data import EventFields, EventView, ItemWrite, TaskFields, TaskView

COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
TASK_STATES = {"NEEDS-ACTION": "open", "IN-PROCESS": "in_progress", "COMPLETED": "done",
               "CANCELLED": "cancelled"}
TASK_STATUS = {v: k for k, v in TASK_STATES.items()}


class IcalError(ValueError):
    """The text is not a calendar object a CalDAV server may store (RFC 4791, 4.1)."""


def parse_calendar(text: str) -> icalendar.Calendar:
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise IcalError(f"not valid iCalendar: {exc}") from exc
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise IcalError("not a VCALENDAR")
    return cal


def as_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """A DATE or DATE-TIME value as an aware datetime; floating values are in ``tz``."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tz)
    raise IcalError(f"expected a date or date-time, got {value!r}")


def _value(component: Any, name: str) -> Any:
    prop = component.get(name)
    if prop is None:
        return None
    if isinstance(prop, list):
        prop = prop[0]
    return getattr(prop, "dt", prop)


def _text(component: Any, name: str) -> str:
    prop = component.get(name)
    if prop is None:
        return ""
    if isinstance(prop, list):
        prop = prop[0]
    return str(prop)


def _addresses(component: Any, name: str) -> list[str]:
    prop = component.get(name)
    if prop is None:
        return []
    values = prop if isinstance(prop, list) else [prop]
    found = []
    for value in values:
        text = str(value).strip()
        if text.lower().startswith("mailto:"):
            text = text[7:]
        if "@" in text:
            found.append(text.lower())
    return found


def split_components(cal: icalendar.Calendar) -> tuple[str, str, Any, list[Any]]:
    """(component name, UID, master component, all components) of one calendar object."""
    items = [c for c in cal.subcomponents if getattr(c, "name", "") in COMPONENTS]
    if not items:
        raise IcalError("no VEVENT, VTODO or VJOURNAL in the object")
    names = {c.name for c in items}
    if len(names) > 1:
        raise IcalError("one calendar object holds one kind of component")
    uids = {str(c.get("UID", "")) for c in items}
    if len(uids) != 1 or "" in uids:
        raise IcalError("every component needs the same UID")
    masters = [c for c in items if c.get("RECURRENCE-ID") is None]
    if len(masters) > 1:
        raise IcalError("two components with the same UID and no RECURRENCE-ID")
    master = masters[0] if masters else items[0]
    return str(names.pop()), uids.pop(), master, items


def event_span(component: Any, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime] | None:
    """A VEVENT's effective [start, end) per RFC 4791, 9.9 (end == start: no duration)."""
    raw = _value(component, "DTSTART")
    if raw is None:
        return None
    start = as_datetime(raw, tz)
    end_raw = _value(component, "DTEND")
    if end_raw is not None:
        return start, max(as_datetime(end_raw, tz), start)
    duration = _value(component, "DURATION")
    if isinstance(duration, dt.timedelta):
        return start, max(start + duration, start)
    if not isinstance(raw, dt.datetime):
        return start, start + dt.timedelta(days=1)
    return start, start


def todo_points(component: Any, tz: dt.tzinfo) -> dict[str, dt.datetime]:
    points: dict[str, dt.datetime] = {}
    for name in ("DTSTART", "DUE", "COMPLETED", "CREATED"):
        raw = _value(component, name)
        if raw is not None:
            points[name] = as_datetime(raw, tz)
    duration = _value(component, "DURATION")
    if "DTSTART" in points and isinstance(duration, dt.timedelta):
        points["END"] = points["DTSTART"] + duration
    return points


def _is_recurring(items: list[Any]) -> bool:
    return len(items) > 1 or any(c.get("RRULE") is not None or c.get("RDATE") is not None
                                 for c in items)


def parse_object(text: str, tz: dt.tzinfo) -> ItemWrite:
    """Read a client's calendar object; raises :class:`IcalError` when it cannot be stored."""
    cal = parse_calendar(text)
    name, uid, master, items = split_components(cal)
    recurring = _is_recurring(items)
    range_start: dt.datetime | None = None
    range_end: dt.datetime | None = None
    event: EventFields | None = None
    task: TaskFields | None = None
    try:
        if name == "VEVENT":
            spans = [s for s in (event_span(c, tz) for c in items) if s is not None]
            if spans:
                range_start = min(s[0] for s in spans)
                range_end = None if recurring else max(s[1] for s in spans)
            event = _event_fields(uid, master, tz)
        elif name == "VTODO":
            points = [p for c in items for p in todo_points(c, tz).values()]
            bounded = [p for c in items for k, p in todo_points(c, tz).items() if k != "CREATED"]
            if points:
                range_start = min(points)
                range_end = None if recurring or not bounded else max(points)
            task = _task_fields(uid, master, tz)
    except (TypeError, ValueError, OverflowError) as exc:
        raise IcalError(f"bad date or time: {exc}") from exc
    return ItemWrite(uid=uid, component=name, body=text, range_start=range_start,
                     range_end=range_end, recurring=recurring, event=event, task=task)


def _event_fields(uid: str, master: Any, tz: dt.tzinfo) -> EventFields:
    span = event_span(master, tz)
    raw_start = _value(master, "DTSTART")
    all_day = raw_start is not None and not isinstance(raw_start, dt.datetime)
    state = _text(master, "X-LETTERPRESS-STATE").strip().lower() or None
    return EventFields(
        uid=uid, subject=_text(master, "SUMMARY"), content=_text(master, "DESCRIPTION"),
        location=_text(master, "LOCATION"),
        start_at=span[0] if span else None,
        end_at=span[1] if span and span[1] > span[0] else None,
        all_day=all_day, kind=_text(master, "X-LETTERPRESS-KIND").strip().lower() or None,
        state=state, cancelled=_text(master, "STATUS").upper() == "CANCELLED",
        attendees=tuple(_addresses(master, "ATTENDEE")),
        organizer=next(iter(_addresses(master, "ORGANIZER")), None),
    )


def _task_fields(uid: str, master: Any, tz: dt.tzinfo) -> TaskFields:
    due = _value(master, "DUE")
    completed = _value(master, "COMPLETED")
    status = _text(master, "STATUS").upper()
    state = TASK_STATES.get(status)
    percent = _value(master, "PERCENT-COMPLETE")
    if state is None and (completed is not None or str(percent) == "100"):
        state = "done"
    if state is None:
        state = "open"
    return TaskFields(
        uid=uid, subject=_text(master, "SUMMARY"), description=_text(master, "DESCRIPTION"),
        due_at=as_datetime(due, tz) if due is not None else None, state=state,
        completed_at=as_datetime(completed, tz) if completed is not None else None,
    )


# --- merging CRM changes into a client's text ----------------------------------------------


def _set_text(component: Any, name: str, value: str, *, keep_empty: bool = False) -> None:
    if name in component:
        del component[name]
    if value or keep_empty:
        component.add(name, value)


def _set_time(component: Any, name: str, value: dt.datetime | None, tz: dt.tzinfo) -> None:
    old = _value(component, name)
    old_tz = getattr(old, "tzinfo", None) if isinstance(old, dt.datetime) else None
    if name in component:
        del component[name]
    if value is None:
        return
    if old is not None and not isinstance(old, dt.datetime):
        local = value.astimezone(tz)
        if local.time() == dt.time():  # an all-day event stays all-day
            component.add(name, local.date())
            return
    if old_tz is not None and hasattr(old_tz, "key"):
        component.add(name, value.astimezone(old_tz))
    else:
        component.add(name, value.astimezone(dt.UTC))


def merge_event(body: str, view: EventView, tz: dt.tzinfo) -> str:
    cal = parse_calendar(body)
    _name, _uid, master, _items = split_components(cal)
    _set_text(master, "SUMMARY", view.subject)
    _set_text(master, "DESCRIPTION", view.content)
    _set_text(master, "LOCATION", view.location)
    _set_time(master, "DTSTART", view.start_at, tz)
    if "DURATION" in master:
        del master["DURATION"]
    end = view.end_at if view.end_at is not None and view.end_at > view.start_at else None
    _set_time(master, "DTEND", end, tz)
    status = _text(master, "STATUS").upper()
    if view.state == "cancelled":
        _set_text(master, "STATUS", "CANCELLED")
    elif status == "CANCELLED":
        _set_text(master, "STATUS", "CONFIRMED")
    _set_text(master, "X-LETTERPRESS-KIND", view.kind)
    _set_text(master, "X-LETTERPRESS-STATE", view.state)
    seq = _value(master, "SEQUENCE")
    _set_text(master, "SEQUENCE", str(int(seq) + 1 if isinstance(seq, int) else 1))
    return str(cal.to_ical().decode("utf-8"))


def merge_task(body: str, view: TaskView, tz: dt.tzinfo) -> str:
    cal = parse_calendar(body)
    _name, _uid, master, _items = split_components(cal)
    _set_text(master, "SUMMARY", view.subject)
    _set_text(master, "DESCRIPTION", view.description)
    _set_time(master, "DUE", view.due_at, tz)
    _set_text(master, "STATUS", TASK_STATUS.get(view.state, "NEEDS-ACTION"))
    _set_time(master, "COMPLETED", view.completed_at if view.state == "done" else None, tz)
    if view.state == "done":
        _set_text(master, "PERCENT-COMPLETE", "100")
    elif _text(master, "PERCENT-COMPLETE") == "100":
        del master["PERCENT-COMPLETE"]
    _set_text(master, "X-LETTERPRESS-STATE", view.state)
    return str(cal.to_ical().decode("utf-8"))
