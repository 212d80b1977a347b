"""Calendar collections and their items as the DAV server sees them: listing, ranges, sync.

Every user has three built-in calendars (events, tasks, birthdays) made on first use, plus the
ones they create. Each change to an item advances its collection's ``sync_seq`` by one and
stamps the item with it: the change log of RFC 6578 is then "items with ``seq`` above the token",
tombstones included. :func:`bump` is the one place that advances it; CRM code that writes events
or tasks with Core statements (bypassing the ORM hooks of :mod:`calendar_feed`) calls
:func:`letterpress.crm.calendar_feed.touch_events` / ``touch_tasks`` afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from letterpress.crm.model import DavCollection, DavItem
from letterpress.db.types import utcnow
from letterpress.errors import Conflict, NotFound, ValidationError

SPACE = "calendars"


@dataclass(frozen=True)
class Builtin:
    slug: str
    displayname: str
    components: str
    kind: str
    color: str


BUILTIN: tuple[Builtin, ...] = (
    Builtin("events", "События", "VEVENT", "events", "#1E88E5FF"),
    Builtin("tasks", "Задачи", "VTODO", "tasks", "#43A047FF"),
    Builtin("birthdays", "Дни рождения", "VEVENT", "birthdays", "#F4511EFF"),
)
RESERVED_SLUGS = frozenset(b.slug for b in BUILTIN)
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
_SAFE_UID = re.compile(r"^[A-Za-z0-9@._-]{1,200}$")


def make_etag(collection_id: int, seq: int) -> str:
    return f'"{collection_id}-{seq}"'


def href_for_uid(uid: str) -> str:
    """The member name given to an item made on the server side (clients choose their own)."""
    if _SAFE_UID.match(uid) and not uid.startswith("."):
        return f"{uid}.ics"
    return hashlib.sha1(uid.encode()).hexdigest() + ".ics"


def bump(session: Session, collection_id: int, n: int = 1) -> int:
    """Advance the collection's change counter by ``n``; returns the new value.

    Core, not ORM, so that it may run inside flush hooks; the row lock it takes orders
    concurrent writers of one collection (sequence order = commit order).
    """
    table = cast(Table, DavCollection.__table__)
    value: int = session.connection().execute(
        update(table).where(table.c.id == collection_id)
        .values(sync_seq=table.c.sync_seq + n).returning(table.c.sync_seq)
    ).scalar_one()
    loaded = session.identity_map.get(session.identity_key(DavCollection, collection_id))
    if loaded is not None:
        set_committed_value(loaded, "sync_seq", value)
    return value


def current_seq(session: Session, collection_id: int) -> int:
    value = session.connection().execute(
        select(DavCollection.sync_seq).where(DavCollection.id == collection_id)
    ).scalar_one_or_none()
    if value is None:
        raise NotFound(f"no collection #{collection_id}")
    return int(value)


# --- collections ---------------------------------------------------------------------------


def collections_of(session: Session, owner_id: int, space: str = SPACE) -> list[DavCollection]:
    return list(session.scalars(
        select(DavCollection)
        .where(DavCollection.owner_id == owner_id, DavCollection.space == space)
        .order_by(DavCollection.id)
    ))


def collection_by_slug(
    session: Session, owner_id: int, slug: str, space: str = SPACE
) -> DavCollection | None:
    return session.scalar(select(DavCollection).where(
        DavCollection.owner_id == owner_id, DavCollection.space == space, DavCollection.slug == slug
    ))


def create_collection(
    session: Session,
    owner_id: int,
    slug: str,
    *,
    displayname: str = "",
    components: Sequence[str] = ("VEVENT",),
    color: str | None = None,
    description: str | None = None,
    timezone: str | None = None,
    space: str = SPACE,
) -> DavCollection:
    """A calendar of the user's own (MKCALENDAR): it stores what clients put in it."""
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS or "~" in slug:
        raise ValidationError(f"calendar name {slug!r} is not allowed", field="slug")
    comps = [c.upper() for c in components] or ["VEVENT"]
    if any(c not in COMPONENTS for c in comps):
        raise ValidationError(f"unsupported components {comps}", field="components")
    if collection_by_slug(session, owner_id, slug, space) is not None:
        raise Conflict(f"a calendar named {slug!r} exists", reason="exists")
    collection = DavCollection(
        owner_id=owner_id, space=space, slug=slug, kind="stored", displayname=displayname or slug,
        components=",".join(dict.fromkeys(comps)), color=color, description=description,
        timezone=timezone, properties="{}", sync_seq=0,
    )
    session.add(collection)
    session.flush()
    return collection


def delete_collection(session: Session, collection: DavCollection) -> None:
    if collection.kind != "stored":
        raise ValidationError("built-in calendars cannot be deleted", field="slug")
    session.execute(delete(DavItem).where(DavItem.collection_id == collection.id))
    session.delete(collection)
    session.flush()


def dead_properties(collection: DavCollection) -> dict[str, str]:
    try:
        value = json.loads(collection.properties or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def set_collection_properties(
    session: Session,
    collection: DavCollection,
    *,
    displayname: str | None = None,
    color: str | None = None,
    description: str | None = None,
    timezone: str | None = None,
    dead: dict[str, str | None] | None = None,
    clear: Sequence[str] = (),
) -> None:
    """PROPPATCH: modelled properties by keyword (``clear`` names those to remove), others as
    dead properties (``None`` removes one). A change is a change of the collection: it bumps."""
    if displayname is not None:
        collection.displayname = displayname[:200]
    if color is not None:
        collection.color = color[:16]
    if description is not None:
        collection.description = description
    if timezone is not None:
        collection.timezone = timezone
    for name in clear:
        if name == "displayname":
            collection.displayname = ""
        elif name in ("color", "description", "timezone"):
            setattr(collection, name, None)
    if dead:
        props = dead_properties(collection)
        for key, value in dead.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        collection.properties = json.dumps(props, ensure_ascii=False, sort_keys=True)
    session.flush()
    bump(session, collection.id)


# --- items ---------------------------------------------------------------------------------


def live_items(session: Session, collection_id: int) -> list[DavItem]:
    return list(session.scalars(
        select(DavItem).where(DavItem.collection_id == collection_id, DavItem.deleted.is_(False))
        .order_by(DavItem.id)
    ))


def item_listing(session: Session, collection_id: int) -> list[tuple[int, str, str, str, dt.datetime]]:
    """(id, href, etag, component, updated_at) of every live item: PROPFIND Depth 1 reads this."""
    rows = session.execute(
        select(DavItem.id, DavItem.href, DavItem.etag, DavItem.component, DavItem.updated_at)
        .where(DavItem.collection_id == collection_id, DavItem.deleted.is_(False))
        .order_by(DavItem.id)
    ).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def item_by_href(
    session: Session, collection_id: int, href: str, *, for_update: bool = False,
    include_deleted: bool = False,
) -> DavItem | None:
    query = select(DavItem).where(DavItem.collection_id == collection_id, DavItem.href == href)
    if not include_deleted:
        query = query.where(DavItem.deleted.is_(False))
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def items_by_hrefs(session: Session, collection_id: int, hrefs: Sequence[str]) -> list[Any]:
    """Rows (all columns) of the live items with these names."""
    found: list[Any] = []
    names = list(dict.fromkeys(hrefs))
    for start in range(0, len(names), 500):
        found.extend(session.execute(select(*DavItem.__table__.c).where(
            DavItem.collection_id == collection_id, DavItem.deleted.is_(False),
            DavItem.href.in_(names[start:start + 500]),
        )).all())
    return found


def item_by_uid(session: Session, collection_id: int, uid: str) -> DavItem | None:
    return session.scalar(select(DavItem).where(
        DavItem.collection_id == collection_id, DavItem.uid == uid, DavItem.deleted.is_(False)
    ))


def items_in_range(
    session: Session,
    collection_id: int,
    component: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    uid_contains: str | None = None,
) -> list[Any]:
    """Live items that may overlap [start, end) (RFC 4791, 9.9), decided in SQL.

    For a non-recurring VEVENT the answer is exact: the stored range is its span, and an event of
    no duration matches when it starts inside the window. Recurring items and to-dos are kept
    whenever their outer bounds allow it; the caller checks those against the full rules.
    """
    query = select(*DavItem.__table__.c).where(DavItem.collection_id == collection_id,
                                               DavItem.deleted.is_(False))
    if component:
        query = query.where(DavItem.component == component)
    if uid_contains:
        pattern = uid_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(DavItem.uid.like(f"%{pattern}%", escape="\\"))
    if start is not None or end is not None:
        lo = start or dt.datetime(1, 1, 2, tzinfo=dt.UTC)
        hi = end or dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
        starts_before_end = or_(DavItem.range_start.is_(None), DavItem.range_start < hi)
        event_overlap = and_(
            DavItem.component == "VEVENT", DavItem.recurring.is_(False), starts_before_end,
            or_(DavItem.range_end.is_(None), DavItem.range_end > lo, DavItem.range_start >= lo),
        )
        loose = and_(
            or_(DavItem.component != "VEVENT", DavItem.recurring.is_(True)),
            or_(DavItem.range_start.is_(None), DavItem.range_start <= hi),
            or_(DavItem.range_end.is_(None), DavItem.range_end >= lo),
        )
        query = query.where(or_(event_overlap, loose))
    return list(session.execute(query.order_by(DavItem.range_start, DavItem.id)).all())


@dataclass(frozen=True)
class Change:
    item_id: int
    href: str
    etag: str
    deleted: bool
    seq: int


def changes_since(session: Session, collection_id: int, seq: int, limit: int) -> list[Change]:
    """Items changed (or deleted) after ``seq``, oldest change first, at most ``limit + 1``.

    With ``seq`` 0 (the initial sync) tombstones are left out: a client that has nothing needs
    to hear about nothing being deleted.
    """
    query = select(DavItem.id, DavItem.href, DavItem.etag, DavItem.deleted, DavItem.seq).where(
        DavItem.collection_id == collection_id, DavItem.seq > seq
    )
    if seq == 0:
        query = query.where(DavItem.deleted.is_(False))
    rows = session.execute(query.order_by(DavItem.seq, DavItem.id).limit(limit + 1)).all()
    return [Change(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


def token_is_valid(collection: DavCollection, seq: int, current: int) -> bool:
    return collection.pruned_seq <= seq <= current


def prune_tombstones(session: Session, collection_id: int, older_than: dt.datetime) -> int:
    """Drop tombstones older than ``older_than``; tokens from before them become invalid (a
    client then starts over with an empty token, which RFC 6578 clients do by themselves)."""
    rows = session.execute(
        select(DavItem.id, DavItem.seq).where(
            DavItem.collection_id == collection_id, DavItem.deleted.is_(True),
            DavItem.dismissed.is_(False), DavItem.updated_at < older_than,
        )
    ).all()
    if not rows:
        return 0
    highest = max(r[1] for r in rows)
    session.execute(delete(DavItem).where(DavItem.id.in_([r[0] for r in rows])))
    session.execute(update(DavCollection).where(DavCollection.id == collection_id,
                                                DavCollection.pruned_seq < highest)
                    .values(pruned_seq=highest))
    return len(rows)


def prune_all_tombstones(session: Session, older_than: dt.datetime) -> int:
    """:func:`prune_tombstones` for every collection that has some old enough; returns how many."""
    collection_ids = session.scalars(
        select(DavItem.collection_id).where(
            DavItem.deleted.is_(True), DavItem.dismissed.is_(False),
            DavItem.updated_at < older_than,
        ).distinct()
    ).all()
    return sum(prune_tombstones(session, cid, older_than) for cid in collection_ids)


def store_item(
    session: Session,
    collection: DavCollection,
    href: str,
    *,
    uid: str,
    component: str,
    body: str | None,
    range_start: dt.datetime | None,
    range_end: dt.datetime | None,
    recurring: bool,
    item: DavItem | None = None,
    fingerprint: str | None = None,
    event_id: int | None = None,
    task_id: int | None = None,
) -> DavItem:
    """Create or replace an item (reviving a tombstone of the same name); bumps the collection."""
    other = item_by_uid(session, collection.id, uid)
    if other is not None and other.href != href:
        raise Conflict(f"UID {uid!r} is used by {other.href}", reason="uid", existing=other.href)
    if item is None:
        item = item_by_href(session, collection.id, href, include_deleted=True)
    if item is None:
        item = DavItem(collection_id=collection.id, href=href)
        session.add(item)
    seq = bump(session, collection.id)
    item.uid, item.component, item.body = uid, component, body
    item.range_start, item.range_end, item.recurring = range_start, range_end, recurring
    item.deleted, item.dismissed = False, False
    item.seq, item.etag, item.updated_at = seq, make_etag(collection.id, seq), utcnow()
    item.fingerprint = fingerprint
    if event_id is not None:
        item.event_id = event_id
    if task_id is not None:
        item.task_id = task_id
    session.flush()
    return item


def tombstone_item(session: Session, item: DavItem, *, dismissed: bool = False) -> None:
    seq = bump(session, item.collection_id)
    item.deleted, item.dismissed, item.uid, item.body = True, dismissed, None, None
    item.seq, item.etag, item.updated_at = seq, make_etag(item.collection_id, seq), utcnow()
    session.flush()
