"""Recurrence expansion for <C:expand> (RFC 4791, 9.6.5) and free-busy (9.10). Pure functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from letterpress.calendar.ical import IcalError, as_datetime, parse_calendar

_RULES = ("RRULE", "RDATE", "EXDATE", "EXRULE")


def instances(cal: Any, names: tuple[str, ...], start: dt.datetime,
              end: dt.datetime) -> list[Any]:
    try:
        return list(recurring_ical_events.of(cal, components=list(names)).between(start, end))
    except Exception as exc:
        raise IcalError(f"cannot expand: {exc}") from exc


def expand_text(text: str, start: dt.datetime, end: dt.datetime) -> str:
    """The object with its recurrences within [start, end) as separate components in UTC."""
    try:
        cal = parse_calendar(text)
        found = instances(cal, ("VEVENT", "VTODO", "VJOURNAL"), start, end)
    except IcalError:
        return text
    recurring = any(c.get("RRULE") or c.get("RDATE") for c in cal.subcomponents
                    if getattr(c, "name", "") in ("VEVENT", "VTODO", "VJOURNAL"))
    out = icalendar.Calendar()
    for key, value in cal.items():
        out.add(key, value)
    for component in found:
        for rule in _RULES:
            component.pop(rule, None)
        for name in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID"):
            prop = component.get(name)
            if prop is not None and isinstance(prop.dt, dt.datetime):
                value = as_datetime(prop.dt, dt.UTC).astimezone(dt.UTC)
                del component[name]
                component.add(name, value)
        if not recurring:
            component.pop("RECURRENCE-ID", None)
        out.add_component(component)
    return str(out.to_ical().decode("utf-8"))


def busy_periods(text: str, start: dt.datetime, end: dt.datetime,
                 tz: dt.tzinfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """Busy spans of an object's events within [start, end): opaque, not cancelled."""
    try:
        cal = parse_calendar(text)
        found = instances(cal, ("VEVENT",), start, end)
    except IcalError:
        return []
    spans = []
    for component in found:
        if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begin = as_datetime(component["DTSTART"].dt, tz)
        finish = as_datetime(component["DTEND"].dt, tz) if component.get("DTEND") else begin
        if finish > begin:
            spans.append((max(begin, start), min(finish, end)))
    return spans
