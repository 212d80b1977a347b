"""CalDAV (RFC 4791) on the DAV core: the extension object, principal properties, and the
calendar-query, calendar-multiget and free-busy-query reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from letterpress.calendar import store
from letterpress.calendar.content import calendar_tz, zone_of
from letterpress.calendar.expand import busy_periods
from letterpress.calendar.filters import (
    CompFilter,
    TimeRange,
    matches,
    parse_filter,
    parse_time_range,
)
from letterpress.calendar.ical import IcalError, parse_calendar
from letterpress.calendar.icalwriter import birthday_occurs, utc
from letterpress.crm import calendars as crm_calendars
from letterpress.crm.calendar_feed import birthday_views
from letterpress.crm.model import User
from letterpress.dav import props
from letterpress.dav.errors import DavError
from letterpress.dav.http import Request, Response, xml_response
from letterpress.dav.resource import Context, Node
from letterpress.dav.xml import CALDAV, CS, DAV, clark, esc, href


class CalendarExtension:
    segment = "calendars"
    features = ("calendar-access",)

    def __init__(self) -> None:
        self.reports = {
            clark(CALDAV, "calendar-query"): calendar_query,
            clark(CALDAV, "calendar-multiget"): calendar_multiget,
            clark(CALDAV, "free-busy-query"): free_busy_query,
        }

    def space(self, ctx: Context) -> Node:
        return store.CalendarsSpace(ctx)

    def principal_prop(self, ctx: Context, user: User, name: str) -> str | None:
        if name == clark(CALDAV, "calendar-home-set"):
            return href(f"{ctx.base}/calendars/{user.login}/")
        if name == clark(CALDAV, "calendar-user-address-set"):
            parts = [href(f"{ctx.base}/principals/{user.login}/")]
            if user.email:
                parts.insert(0, f"<D:href>mailto:{esc(user.email)}</D:href>")
            return "".join(parts)
        if name == clark(CS, "email-address-set"):
            return f"<CS:email-address>{esc(user.email)}</CS:email-address>" if user.email else ""
        if name == clark(CALDAV, "calendar-user-type"):
            return "INDIVIDUAL"
        return None


def _prop_names(root: Any) -> tuple[list[str], bool]:
    prop = root.find(f"{{{DAV}}}prop")
    if prop is None:
        return [f"{{{DAV}}}getetag", f"{{{CALDAV}}}calendar-data"], False
    names = []
    for child in prop:
        names.append(child.tag)
    return names, root.find(f"{{{DAV}}}allprop") is not None


def _expand_request(ctx: Context, root: Any) -> None:
    expand = root.find(f"{{{DAV}}}prop/{{{CALDAV}}}calendar-data/{{{CALDAV}}}expand")
    if expand is not None:
        span = parse_time_range(expand)
        if span.start is None or span.end is None:
            raise DavError(400, "expand needs start and end",
                           precondition=(CALDAV, "valid-filter"))
        ctx.cache["expand"] = (span.start, span.end)


def _calendar(node: Node) -> store.CalendarNode:
    if isinstance(node, store.CalendarNode):
        return node
    if isinstance(node, store.ItemNode):
        return node.calendar
    raise DavError(403, "not a calendar", precondition=(DAV, "supported-report"))


def calendar_query(ctx: Context, req: Request, node: Node, root: Any) -> Response:
    calendar = _calendar(node)
    names, allprop = _prop_names(root)
    top = parse_filter(root.find(f"{{{CALDAV}}}filter"))
    _expand_request(ctx, root)
    tz = calendar_tz(calendar.collection, ctx.settings)
    tz_el = root.find(f"{{{CALDAV}}}timezone")
    if tz_el is not None and tz_el.text:
        tz = zone_of(tz_el.text) or tz
    found = select_items(ctx, calendar, top, tz)
    if isinstance(node, store.ItemNode):
        found = [n for n in found if n.item_id == node.item_id]
    calendar.prefetch(ctx, found, set(names))
    responses = [props.response(n, ctx, names, allprop=allprop) for n in found]
    return xml_response(207, props.multistatus(responses))


def select_items(ctx: Context, calendar: store.CalendarNode, top: CompFilter,
                 tz: dt.tzinfo) -> list[store.ItemNode]:
    """The calendar's items matching the filter: SQL first, the full rules where needed."""
    simple = top.simple_range()
    comp, span = simple if simple is not None else _outer(top)
    uid_hint = _uid_hint(top)
    rows = crm_calendars.items_in_range(
        ctx.session, calendar.collection.id, comp, span.start if span else None,
        span.end if span else None, uid_contains=uid_hint)
    ctx.cache.setdefault("items", {}).update({r.id: r for r in rows})
    nodes = [calendar.item_node(r.id, r.href, r.etag, r.component, r.updated_at) for r in rows]
    if calendar.collection.kind == "birthdays":
        views = birthday_views(ctx.session, rows)
        if span is not None:
            nodes = [n for n in nodes if n.item_id in views
                     and birthday_occurs(views[n.item_id], span.start, span.end, tz)]
        if simple is not None:
            return nodes
    elif simple is not None:
        exact = {r.id for r in rows if r.component == "VEVENT" and not r.recurring}
        rest = [n for n in nodes if n.item_id not in exact]
        if not rest:
            return nodes
        keep = set(exact) | {n.item_id for n in _full_check(ctx, calendar, rest, top, tz)}
        return [n for n in nodes if n.item_id in keep]
    return _full_check(ctx, calendar, nodes, top, tz)


def _outer(top: CompFilter) -> tuple[str | None, TimeRange | None]:
    if len(top.comps) == 1 and not top.comps[0].is_not_defined:
        return top.comps[0].name, top.comps[0].time_range
    return None, None


def _uid_hint(top: CompFilter) -> str | None:
    for comp in top.comps:
        for prop in comp.props:
            if prop.name == "UID" and prop.text_match and not prop.text_match.negate \
                    and prop.text_match.collation == "i;octet":
                return prop.text_match.value
    return None


def _full_check(ctx: Context, calendar: store.CalendarNode, nodes: list[store.ItemNode],
                top: CompFilter, tz: dt.tzinfo) -> list[store.ItemNode]:
    texts = calendar.texts(ctx, nodes)
    kept = []
    for node in nodes:
        text = texts.get(node.item_id)
        if text is None:
            continue
        try:
            if matches(parse_calendar(text), top, tz):
                kept.append(node)
        except (IcalError, ValueError, TypeError):
            continue
    return kept


def calendar_multiget(ctx: Context, req: Request, node: Node, root: Any) -> Response:
    calendar = _calendar(node)
    names, allprop = _prop_names(root)
    _expand_request(ctx, root)
    wanted: list[str] = []
    for element in root.findall(f"{{{DAV}}}href"):
        wanted.append(req.path_of(element.text or ""))
    prefix = ctx.base + calendar.path[len(ctx.base):]
    by_name: dict[str, str] = {}
    outside: list[str] = []
    for path in wanted:
        if path.startswith(prefix) and "/" not in path[len(prefix):] and path != prefix:
            by_name[path[len(prefix):]] = path
        else:
            outside.append(path)
    rows = crm_calendars.items_by_hrefs(ctx.session, calendar.collection.id, list(by_name))
    ctx.cache.setdefault("items", {}).update({r.id: r for r in rows})
    nodes = {r.href: calendar.item_node(r.id, r.href, r.etag, r.component, r.updated_at)
             for r in rows}
    found = [nodes[name] for name in by_name if name in nodes]
    calendar.prefetch(ctx, found, set(names))
    texts = calendar.texts(ctx, found) if f"{{{CALDAV}}}calendar-data" in names else {}
    responses = []
    for name, path in by_name.items():
        item = nodes.get(name)
        if item is None or (texts and item.item_id not in texts):
            responses.append(props.status_response(path, 404))
        else:
            responses.append(props.response(item, ctx, names, allprop=allprop))
    responses += [props.status_response(path, 404) for path in outside]
    return xml_response(207, props.multistatus(responses))


def free_busy_query(ctx: Context, req: Request, node: Node, root: Any) -> Response:
    calendar = _calendar(node)
    tr_el = root.find(f"{{{CALDAV}}}time-range")
    if tr_el is None:
        raise DavError(400, "free-busy-query needs a time-range")
    span = parse_time_range(tr_el)
    start = span.start or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    end = span.end or start + dt.timedelta(days=366)
    tz = calendar_tz(calendar.collection, ctx.settings)
    busy: list[tuple[dt.datetime, dt.datetime]] = []
    if calendar.collection.kind != "birthdays":
        rows = crm_calendars.items_in_range(ctx.session, calendar.collection.id, "VEVENT",
                                            start, end)
        nodes = [calendar.item_node(r.id, r.href, r.etag, r.component, r.updated_at)
                 for r in rows]
        ctx.cache.setdefault("items", {}).update({r.id: r for r in rows})
        texts = calendar.texts(ctx, nodes)
        for text in texts.values():
            busy.extend(busy_periods(text, start, end, tz))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Letterpress//CRM//RU",
             "BEGIN:VFREEBUSY", f"DTSTAMP:{utc(dt.datetime.now(dt.UTC))}",
             f"DTSTART:{utc(start)}", f"DTEND:{utc(end)}"]
    for begin, finish in _merge(busy):
        lines.append(f"FREEBUSY;FBTYPE=BUSY:{utc(begin)}/{utc(finish)}")
    lines += ["END:VFREEBUSY", "END:VCALENDAR"]
    return Response(200, ("\r\n".join(lines) + "\r\n").encode("utf-8"),
                    "text/calendar; charset=utf-8")


def _merge(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, finish in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
