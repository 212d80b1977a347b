"""The calendar tree: ``/calendars/LOGIN/`` (a calendar home) and the calendars in it.

A user's home holds their own calendars and, for a head of sales, each subordinate's calendars
as read-only ``LOGIN~SLUG`` entries (the same collections, so tokens and ETags agree). Writes go
to :mod:`letterpress.crm.calendar_edits`; everything the nodes read comes from
:mod:`letterpress.crm.calendars` and :mod:`letterpress.crm.calendar_feed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from sqlalchemy import select

from letterpress.calendar.content import cached_texts, calendar_tz, load_items, render_items
from letterpress.calendar.ical import IcalError, parse_object
from letterpress.crm import calendars as store
from letterpress.crm.calendar_edits import EditPolicy, delete_item, write_item
from letterpress.crm.calendar_feed import ensure_collections
from letterpress.crm.model import DavCollection, User
from letterpress.crm.permissions import calendar_access, is_head_of
from letterpress.crm.users import subordinates
from letterpress.dav import sync
from letterpress.dav.errors import DavError, need_privileges
from letterpress.dav.resource import (
    ALL_WRITE,
    BIND,
    READ,
    UNBIND,
    WRITE_PROPERTIES,
    Context,
    Node,
    Preconditions,
    principal_path,
)
from letterpress.dav.xml import APPLE, CALDAV, DAV, esc, href, to_text
from letterpress.errors import Conflict

CALENDAR_DATA = f"{{{CALDAV}}}calendar-data"
REPORTS = (f"{{{CALDAV}}}calendar-query", f"{{{CALDAV}}}calendar-multiget",
           f"{{{CALDAV}}}free-busy-query", f"{{{DAV}}}sync-collection")
_ALIAS = "~"


def _user(ctx: Context, login: str) -> User | None:
    if login == ctx.user.login:
        return ctx.user
    return ctx.session.scalar(select(User).where(User.login == login))


@dataclass(frozen=True)
class _Key:
    id: int
    etag: str


class CalendarsSpace(Node):
    is_collection = True

    def __init__(self, ctx: Context) -> None:
        self.path = f"{ctx.base}/calendars/"

    def displayname(self) -> str | None:
        return "calendars"

    def members(self, ctx: Context) -> Iterable[Node]:
        yield HomeNode(ctx, ctx.user, "write")

    def member(self, ctx: Context, name: str) -> Node | None:
        owner = _user(ctx, name)
        if owner is None:
            return None
        access = calendar_access(ctx.session, ctx.user, owner.id)
        return None if access == "none" else HomeNode(ctx, owner, access)


class HomeNode(Node):
    is_collection = True

    def __init__(self, ctx: Context, owner: User, access: str) -> None:
        self.owner, self.access = owner, access
        self.path = f"{ctx.base}/calendars/{owner.login}/"

    def displayname(self) -> str | None:
        return self.owner.display_name

    def privileges(self) -> frozenset[str]:
        return frozenset({READ, BIND, UNBIND}) if self.access == "write" else frozenset({READ})

    def owner_path(self) -> str | None:
        return None

    def _own(self, ctx: Context) -> list[DavCollection]:
        key = f"collections:{self.owner.id}"
        if key not in ctx.cache:
            ctx.cache[key] = ensure_collections(ctx.session, self.owner.id)
        result: list[DavCollection] = ctx.cache[key]
        return result

    def members(self, ctx: Context) -> Iterable[Node]:
        for collection in self._own(ctx):
            yield CalendarNode(ctx, self, collection, self.owner, self.access)
        if self.access != "write" or self.owner.id != ctx.user.id:
            return
        for sub in subordinates(ctx.session, self.owner):
            if not sub.active:
                continue
            for collection in ensure_collections(ctx.session, sub.id):
                yield CalendarNode(ctx, self, collection, sub, "read",
                                   name=f"{sub.login}{_ALIAS}{collection.slug}")

    def member(self, ctx: Context, name: str) -> Node | None:
        if _ALIAS in name:
            login, _, slug = name.partition(_ALIAS)
            sub = _user(ctx, login)
            if sub is None or self.owner.id != ctx.user.id \
                    or not is_head_of(ctx.session, ctx.user, sub.id):
                return None
            ensure_collections(ctx.session, sub.id)
            collection = store.collection_by_slug(ctx.session, sub.id, slug)
            if collection is None:
                return None
            return CalendarNode(ctx, self, collection, sub, "read", name=name)
        for collection in self._own(ctx):
            if collection.slug == name:
                return CalendarNode(ctx, self, collection, self.owner, self.access)
        return None

    def make_collection(self, ctx: Context, name: str, resourcetypes: set[str],
                        props: list[Element]) -> None:
        if self.access != "write":
            raise need_privileges("read-only")
        if f"{{{CALDAV}}}calendar" not in resourcetypes:
            raise DavError(403, "only calendars can be made here",
                           precondition=(DAV, "valid-resourcetype"))
        components: list[str] = []
        for prop in props:
            if prop.tag == f"{{{CALDAV}}}supported-calendar-component-set":
                components = [c.get("name", "").upper() for c in prop]
        collection = store.create_collection(ctx.session, self.owner.id, name,
                                             components=components or ("VEVENT", "VTODO"))
        _apply_props(ctx, collection, [p for p in props if p.tag !=
                                       f"{{{CALDAV}}}supported-calendar-component-set"], [])
        ctx.cache.pop(f"collections:{self.owner.id}", None)


# Properties a client may set on a calendar, and where they go.
_MODELLED = {
    f"{{{DAV}}}displayname": "displayname",
    f"{{{APPLE}}}calendar-color": "color",
    f"{{{CALDAV}}}calendar-description": "description",
    f"{{{CALDAV}}}calendar-timezone": "timezone",
}
_PROTECTED = {f"{{{DAV}}}resourcetype", f"{{{DAV}}}getetag", f"{{{DAV}}}sync-token",
              f"{{{CALDAV}}}supported-calendar-component-set", f"{{{DAV}}}getcontenttype",
              f"{{{DAV}}}current-user-privilege-set", f"{{{DAV}}}owner",
              "{http://calendarserver.org/ns/}getctag", f"{{{CALDAV}}}supported-calendar-data"}


def _apply_props(ctx: Context, collection: DavCollection, to_set: list[Element],
                 to_remove: list[str]) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for name in [p.tag for p in to_set] + to_remove:
        if name in _PROTECTED:
            statuses[name] = 403
    if statuses:  # all or nothing (RFC 4918, 9.2)
        return {**{n: 424 for n in [p.tag for p in to_set] + to_remove}, **statuses}
    values: dict[str, str] = {}
    dead: dict[str, str | None] = {}
    for prop in to_set:
        field = _MODELLED.get(prop.tag)
        if field is not None:
            values[field] = (prop.text or "").strip() if field != "timezone" else (prop.text or "")
        else:
            dead[prop.tag] = to_text(prop)
        statuses[prop.tag] = 200
    clear = []
    for name in to_remove:
        if name in _MODELLED:
            clear.append(_MODELLED[name])
        else:
            dead[name] = None
        statuses[name] = 200
    store.set_collection_properties(ctx.session, collection, dead=dead, clear=clear, **values)
    return statuses


class CalendarNode(Node):
    is_collection = True
    supported_reports = REPORTS

    def __init__(self, ctx: Context, home: HomeNode, collection: DavCollection, owner: User,
                 access: str, *, name: str | None = None) -> None:
        self.home, self.collection, self.owner, self.access = home, collection, owner, access
        self.path = f"{home.path}{name or collection.slug}/"
        self.alias = name is not None

    # --- properties ---

    def resourcetype(self) -> str:
        return "<D:collection/><C:calendar/>"

    def displayname(self) -> str | None:
        name = self.collection.displayname
        if self.alias:
            return f"{name} — {self.owner.display_name}"
        return name

    def privileges(self) -> frozenset[str]:
        if self.access != "write":
            return frozenset({READ})
        if self.collection.kind == "birthdays":
            return frozenset({READ, WRITE_PROPERTIES})
        return frozenset({READ}) | ALL_WRITE

    def owner_path(self) -> str | None:
        base = self.home.path.split("/calendars/")[0]
        return principal_path(base, self.owner.login)

    def sync_token(self) -> str | None:
        return sync.make_token(self.collection.id, self.collection.sync_seq)

    def ctag(self) -> str | None:
        return self.sync_token()

    def last_modified(self) -> dt.datetime | None:
        return self.collection.updated_at

    def extra_prop(self, ctx: Context, name: str) -> str | None:
        c = self.collection
        if name == f"{{{CALDAV}}}supported-calendar-component-set":
            return "".join(f'<C:comp name="{comp}"/>' for comp in c.components.split(","))
        if name == f"{{{CALDAV}}}supported-calendar-data":
            return '<C:calendar-data content-type="text/calendar" version="2.0"/>'
        if name == f"{{{CALDAV}}}calendar-description":
            return esc(c.description) if c.description else None
        if name == f"{{{APPLE}}}calendar-color":
            return esc(c.color) if c.color else None
        if name == f"{{{CALDAV}}}calendar-timezone":
            return esc(c.timezone) if c.timezone else None
        if name == f"{{{CALDAV}}}max-resource-size":
            return str(ctx.settings.dav.max_resource_bytes)
        if name == f"{{{CALDAV}}}schedule-calendar-transp":
            return "<C:transparent/>" if c.kind == "birthdays" else "<C:opaque/>"
        if name == f"{{{DAV}}}resource-id":
            return f"<D:href>urn:letterpress:collection:{c.id}</D:href>"
        return None

    def extra_prop_names(self) -> Sequence[str]:
        return (f"{{{CALDAV}}}supported-calendar-component-set",
                f"{{{CALDAV}}}supported-calendar-data", f"{{{CALDAV}}}max-resource-size",
                f"{{{APPLE}}}calendar-color", f"{{{CALDAV}}}calendar-description")

    def dead_props(self) -> dict[str, str]:
        return store.dead_properties(self.collection)

    # --- members ---

    def item_node(self, item_id: int, href: str, etag: str, component: str,
                  updated_at: dt.datetime | None) -> ItemNode:
        return ItemNode(self, item_id, href, etag, component, updated_at)

    def members(self, ctx: Context) -> Iterable[Node]:
        for item_id, name, etag, component, updated in store.item_listing(
                ctx.session, self.collection.id):
            yield self.item_node(item_id, name, etag, component, updated)

    def member(self, ctx: Context, name: str) -> Node | None:
        item = store.item_by_href(ctx.session, self.collection.id, name)
        if item is None:
            return None
        node = self.item_node(item.id, item.href, item.etag, item.component, item.updated_at)
        ctx.cache.setdefault("items", {})[item.id] = item
        return node

    def texts(self, ctx: Context, nodes: Sequence[ItemNode]) -> dict[int, str]:
        cache: dict[int, str] = ctx.cache.setdefault("texts", {})
        missing = [n for n in nodes if n.item_id not in cache]
        if missing and self.collection.kind != "stored":
            cache.update(cached_texts(ctx.content_cache,
                                      [_Key(n.item_id, n.etag() or "") for n in missing]))
            missing = [n for n in missing if n.item_id not in cache]
        if missing:
            loaded: dict[int, Any] = ctx.cache.setdefault("items", {})
            need = [n.item_id for n in missing if n.item_id not in loaded]
            for item in load_items(ctx.session, need):
                loaded[item.id] = item
            items = [loaded[n.item_id] for n in missing if n.item_id in loaded]
            cache.update(render_items(ctx.session, ctx.settings, self.collection, items,
                                      ctx.content_cache))
        return cache

    def prefetch(self, ctx: Context, members: Sequence[Node], names: set[str]) -> None:
        if CALENDAR_DATA in names or f"{{{DAV}}}getcontentlength" in names:
            self.texts(ctx, [m for m in members if isinstance(m, ItemNode)])

    # --- writes ---

    def _writable(self) -> None:
        if self.access != "write" or self.collection.kind == "birthdays":
            raise need_privileges("this calendar is read-only")

    def put_member(self, ctx: Context, name: str, body: bytes, content_type: str,
                   conditions: Preconditions) -> tuple[str, bool]:
        self._writable()
        if content_type not in ("", "text/calendar", "application/octet-stream"):
            raise DavError(403, f"expected text/calendar, got {content_type}",
                           precondition=(CALDAV, "supported-calendar-data"))
        if "/" in name or len(name) > 255 or name in (".", ".."):
            raise DavError(403, "bad item name")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise DavError(403, "calendar data must be UTF-8",
                           precondition=(CALDAV, "supported-calendar-data")) from None
        try:
            data = parse_object(text, calendar_tz(self.collection, ctx.settings))
        except IcalError as exc:
            raise DavError(403, str(exc), precondition=(CALDAV, "valid-calendar-data")) from None
        item = store.item_by_href(ctx.session, self.collection.id, name, for_update=True,
                                  include_deleted=True)
        current = item.etag if item is not None and not item.deleted else None
        conditions.check(current)
        policy = EditPolicy(frozenset(ctx.settings.mail.public_domains),
                            frozenset(ctx.settings.company.mail_domains))
        try:
            saved = write_item(ctx.session, ctx.user, self.collection, name, data, item, policy)
        except Conflict as exc:
            if exc.reason != "uid" or not exc.existing:
                raise
            raise DavError(403, str(exc), precondition=(CALDAV, "no-uid-conflict"),
                           detail_xml=href(self.path + exc.existing)) from None
        return saved.etag, current is None

    def delete_member(self, ctx: Context, name: str, conditions: Preconditions) -> None:
        self._writable()
        item = store.item_by_href(ctx.session, self.collection.id, name, for_update=True)
        if item is None:
            raise DavError(404, "no such item")
        conditions.check(item.etag)
        delete_item(ctx.session, ctx.user, self.collection, item)

    def delete(self, ctx: Context, conditions: Preconditions) -> None:
        if self.access != "write" or self.alias:
            raise need_privileges("read-only")
        if self.collection.kind != "stored":
            raise need_privileges("built-in calendars cannot be deleted")
        store.delete_collection(ctx.session, self.collection)

    def proppatch(self, ctx: Context, to_set: list[Element], to_remove: list[str]) -> dict[str, int]:
        if WRITE_PROPERTIES not in self.privileges():
            raise need_privileges("read-only")
        return _apply_props(ctx, self.collection, to_set, to_remove)

    # --- sync ---

    def sync_changes(self, ctx: Context, token: str | None, limit: int) -> sync.SyncResult:
        current = store.current_seq(ctx.session, self.collection.id)
        seq = 0
        if token:
            seq = sync.read_token(token, self.collection.id)
            if not store.token_is_valid(self.collection, seq, current):
                raise sync.invalid_token()
        changes = store.changes_since(ctx.session, self.collection.id, seq, limit)
        truncated = len(changes) > limit
        changes = changes[:limit]
        upto = changes[-1].seq if truncated else current
        result = sync.SyncResult(sync.make_token(self.collection.id, upto), truncated=truncated)
        for change in changes:
            if change.deleted:
                result.deleted.append(self.path + change.href)
            else:
                result.changed.append(self.item_node(change.item_id, change.href, change.etag,
                                                     "", None))
        return result


class ItemNode(Node):
    __slots__ = ("_etag", "calendar", "component", "href", "item_id", "path", "updated_at")

    def __init__(self, calendar: CalendarNode, item_id: int, href: str, etag: str,
                 component: str, updated_at: dt.datetime | None) -> None:
        self.calendar, self.item_id, self.href = calendar, item_id, href
        self._etag, self.component, self.updated_at = etag, component, updated_at
        self.path = calendar.path + href

    content_type = "text/calendar; charset=utf-8"

    def etag(self) -> str | None:
        return self._etag

    def last_modified(self) -> dt.datetime | None:
        return self.updated_at

    def privileges(self) -> frozenset[str]:
        return self.calendar.privileges() - {BIND, UNBIND}

    def owner_path(self) -> str | None:
        return self.calendar.owner_path()

    def text(self, ctx: Context) -> str:
        texts = self.calendar.texts(ctx, [self])
        if self.item_id not in texts:
            raise DavError(404, "the record behind this item is gone")
        return texts[self.item_id]

    def body(self, ctx: Context) -> bytes:
        return self.text(ctx).encode("utf-8")

    def extra_prop(self, ctx: Context, name: str) -> str | None:
        if name == CALENDAR_DATA:
            texts = self.calendar.texts(ctx, [self])
            text = texts.get(self.item_id)
            if text is None:
                return None
            expand = ctx.cache.get("expand")
            if expand is not None:
                from letterpress.calendar.expand import expand_text

                text = expand_text(text, *expand)
            return esc(text)
        return None

    def extra_prop_names(self) -> Sequence[str]:
        return (CALENDAR_DATA,)


