"""CALDAV:filter (RFC 4791, 9.7): parsed from XML into dataclasses, evaluated on components.

The SQL side (:func:`letterpress.crm.calendars.items_in_range`) narrows a query by the
top-level time range; what it cannot decide exactly (recurring objects, to-dos, property and
parameter filters) is decided here, on the parsed object, recurrences expanded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

import recurring_ical_events  # type: ignore[import-untyped]

from letterpress.calendar.ical import as_datetime, event_span, todo_points
from letterpress.dav.errors import DavError
from letterpress.dav.xml import CALDAV, parse_utc

MAX_FILTER_DEPTH = 8


@dataclass(frozen=True)
class TimeRange:
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class TextMatch:
    value: str
    collation: str = "i;ascii-casemap"
    negate: bool = False

    def matches(self, text: str) -> bool:
        if self.collation == "i;octet":
            found = self.value in text
        else:
            found = self.value.casefold() in text.casefold()
        return found != self.negate


@dataclass(frozen=True)
class ParamFilter:
    name: str
    is_not_defined: bool = False
    text_match: TextMatch | None = None


@dataclass(frozen=True)
class PropFilter:
    name: str
    is_not_defined: bool = False
    time_range: TimeRange | None = None
    text_match: TextMatch | None = None
    params: tuple[ParamFilter, ...] = ()


@dataclass(frozen=True)
class CompFilter:
    name: str
    is_not_defined: bool = False
    time_range: TimeRange | None = None
    props: tuple[PropFilter, ...] = ()
    comps: tuple[CompFilter, ...] = field(default_factory=tuple)

    def simple_range(self) -> tuple[str | None, TimeRange | None] | None:
        """(component, time range) when the whole filter is "VCALENDAR > X [time-range]":
        then SQL answers it exactly for plain events."""
        if self.name != "VCALENDAR" or self.props or self.time_range or self.is_not_defined:
            return None
        if not self.comps:
            return None, None
        if len(self.comps) != 1:
            return None
        inner = self.comps[0]
        if inner.props or inner.comps or inner.is_not_defined:
            return None
        return inner.name, inner.time_range


def _bad(message: str) -> DavError:
    return DavError(400, message, precondition=(CALDAV, "valid-filter"))


def parse_time_range(element: Element) -> TimeRange:
    start, end = element.get("start"), element.get("end")
    if start is None and end is None:
        raise _bad("time-range needs start or end")
    try:
        return TimeRange(parse_utc(start) if start else None, parse_utc(end) if end else None)
    except ValueError:
        raise _bad("time-range: expected UTC times like 20250101T000000Z") from None


def _text_match(element: Element) -> TextMatch:
    return TextMatch(element.text or "", element.get("collation", "i;ascii-casemap"),
                     element.get("negate-condition", "no") == "yes")


def _param_filter(element: Element) -> ParamFilter:
    name = element.get("name")
    if not name:
        raise _bad("param-filter needs a name")
    tm = element.find(f"{{{CALDAV}}}text-match")
    return ParamFilter(name.upper(), element.find(f"{{{CALDAV}}}is-not-defined") is not None,
                       _text_match(tm) if tm is not None else None)


def _prop_filter(element: Element) -> PropFilter:
    name = element.get("name")
    if not name:
        raise _bad("prop-filter needs a name")
    tr = element.find(f"{{{CALDAV}}}time-range")
    tm = element.find(f"{{{CALDAV}}}text-match")
    return PropFilter(
        name.upper(), element.find(f"{{{CALDAV}}}is-not-defined") is not None,
        parse_time_range(tr) if tr is not None else None,
        _text_match(tm) if tm is not None else None,
        tuple(_param_filter(p) for p in element.findall(f"{{{CALDAV}}}param-filter")),
    )


def parse_comp_filter(element: Element, depth: int = 0) -> CompFilter:
    if depth > MAX_FILTER_DEPTH:
        raise _bad("filter nested too deeply")
    name = element.get("name")
    if not name:
        raise _bad("comp-filter needs a name")
    tr = element.find(f"{{{CALDAV}}}time-range")
    return CompFilter(
        name.upper(), element.find(f"{{{CALDAV}}}is-not-defined") is not None,
        parse_time_range(tr) if tr is not None else None,
        tuple(_prop_filter(p) for p in element.findall(f"{{{CALDAV}}}prop-filter")),
        tuple(parse_comp_filter(c, depth + 1)
              for c in element.findall(f"{{{CALDAV}}}comp-filter")),
    )


def parse_filter(element: Element | None) -> CompFilter:
    if element is None:
        raise _bad("calendar-query needs a filter")
    top = element.find(f"{{{CALDAV}}}comp-filter")
    if top is None:
        raise _bad("filter needs a comp-filter")
    parsed = parse_comp_filter(top)
    if parsed.name != "VCALENDAR":
        raise _bad("the top comp-filter must name VCALENDAR")
    return parsed


# --- evaluation ------------------------------------------------------------------------------


def _overlaps(lo: dt.datetime, hi: dt.datetime, tr: TimeRange, *, instant: bool) -> bool:
    q_start = tr.start or dt.datetime.min.replace(tzinfo=dt.UTC)
    q_end = tr.end or dt.datetime.max.replace(tzinfo=dt.UTC)
    if instant:
        return q_start <= lo < q_end
    return lo < q_end and hi > q_start


def _todo_matches(component: Any, tr: TimeRange, tz: dt.tzinfo) -> bool:
    p = todo_points(component, tz)
    s = tr.start or dt.datetime.min.replace(tzinfo=dt.UTC)
    e = tr.end or dt.datetime.max.replace(tzinfo=dt.UTC)
    if "DTSTART" in p and "END" in p:
        return s <= p["END"] and (e > p["DTSTART"] or e >= p["END"])
    if "DTSTART" in p and "DUE" in p:
        return (s < p["DUE"] or s <= p["DTSTART"]) and (e > p["DTSTART"] or e >= p["DUE"])
    if "DTSTART" in p:
        return s <= p["DTSTART"] and e > p["DTSTART"]
    if "DUE" in p:
        return s < p["DUE"] and e >= p["DUE"]
    if "COMPLETED" in p and "CREATED" in p:
        return ((s <= p["CREATED"] or s <= p["COMPLETED"])
                and (e >= p["CREATED"] or e >= p["COMPLETED"]))
    if "COMPLETED" in p:
        return s <= p["COMPLETED"] and e >= p["COMPLETED"]
    if "CREATED" in p:
        return e > p["CREATED"]
    return True


def component_in_range(component: Any, tr: TimeRange, tz: dt.tzinfo) -> bool:
    if component.name == "VEVENT":
        span = event_span(component, tz)
        if span is None:
            return False
        return _overlaps(span[0], span[1], tr, instant=span[0] == span[1])
    if component.name == "VTODO":
        return _todo_matches(component, tr, tz)
    if component.name == "VJOURNAL":
        raw = component.get("DTSTART")
        if raw is None:
            return False
        start = as_datetime(raw.dt, tz)
        end = start + dt.timedelta(days=1) if not isinstance(raw.dt, dt.datetime) else start
        return _overlaps(start, end, tr, instant=start == end)
    return True


def _expanded_in_range(calendar: Any, name: str, tr: TimeRange) -> bool:
    start = tr.start or dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    end = tr.end or dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    try:
        query = recurring_ical_events.of(calendar, components=[name])
        for _ in query.between(start, end):
            return True
    except Exception:  # noqa: BLE001 - a broken rule never breaks a query; it just does not match
        return False
    return False


def _prop_matches(component: Any, pf: PropFilter, tz: dt.tzinfo) -> bool:
    values = component.get(pf.name)
    if values is None:
        return pf.is_not_defined
    if pf.is_not_defined:
        return False
    values = values if isinstance(values, list) else [values]
    for value in values:
        if pf.time_range is not None:
            raw = getattr(value, "dt", None)
            if raw is None:
                continue
            moment = as_datetime(raw, tz)
            if not _overlaps(moment, moment, pf.time_range, instant=True):
                continue
        if pf.text_match is not None and not pf.text_match.matches(_as_text(value)):
            continue
        if all(_param_matches(value, p) for p in pf.params):
            return True
    return False


def _as_text(value: Any) -> str:
    if hasattr(value, "to_ical"):
        raw = value.to_ical()
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return str(value)


def _param_matches(value: Any, pf: ParamFilter) -> bool:
    params = getattr(value, "params", {})
    if pf.name not in params:
        return pf.is_not_defined
    if pf.is_not_defined:
        return False
    return pf.text_match is None or pf.text_match.matches(str(params[pf.name]))


def matches(calendar: Any, top: CompFilter, tz: dt.tzinfo) -> bool:
    """Whether a parsed VCALENDAR object satisfies the filter."""
    return _comp_matches(calendar, top, tz, calendar)


def _comp_matches(component: Any, cf: CompFilter, tz: dt.tzinfo, calendar: Any) -> bool:
    if not all(_prop_matches(component, p, tz) for p in cf.props):
        return False
    for child in cf.comps:
        candidates = [c for c in component.subcomponents if c.name == child.name]
        if child.is_not_defined:
            if candidates:
                return False
            continue
        if not any(_child_matches(c, child, tz, calendar, len(candidates)) for c in candidates):
            return False
    return True


def _child_matches(component: Any, cf: CompFilter, tz: dt.tzinfo, calendar: Any,
                   siblings: int) -> bool:
    if cf.time_range is not None:
        recurring = siblings > 1 or component.get("RRULE") is not None \
            or component.get("RDATE") is not None
        if cf.name in ("VEVENT", "VTODO", "VJOURNAL") and recurring:
            if not _expanded_in_range(calendar, cf.name, cf.time_range):
                return False
        elif cf.name == "VALARM":
            if not _alarm_in_range(component, cf.time_range, tz, calendar):
                return False
        elif not component_in_range(component, cf.time_range, tz):
            return False
    return _comp_matches(component, CompFilter(cf.name, props=cf.props, comps=cf.comps), tz,
                         calendar)


def _alarm_in_range(alarm: Any, tr: TimeRange, tz: dt.tzinfo, calendar: Any) -> bool:
    trigger = alarm.get("TRIGGER")
    if trigger is None:
        return False
    value = trigger.dt
    if isinstance(value, dt.datetime):
        moment = as_datetime(value, tz)
        return _overlaps(moment, moment, tr, instant=True)
    for parent in calendar.subcomponents:
        if alarm in parent.subcomponents:
            related = str(trigger.params.get("RELATED", "START")).upper()
            base_name = "DTSTART" if related == "START" else (
                "DUE" if parent.name == "VTODO" else "DTEND")
            base = parent.get(base_name)
            if base is None:
                return False
            moment = as_datetime(base.dt, tz) + value
            return _overlaps(moment, moment, tr, instant=True)
    return False
