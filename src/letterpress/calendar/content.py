"""The text of calendar items: the client's own, the client's merged with CRM changes, or made
from the CRM record. Reads in bulk (one query per kind for a whole listing)."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.calendar.ical import IcalError, merge_event, merge_task
from letterpress.calendar.icalwriter import render_birthday, render_event, render_task
from letterpress.config import Settings
from letterpress.crm.calendar_feed import birthday_views, event_views, task_views
from letterpress.crm.model import DavCollection, DavItem
from letterpress.dav.cache import ContentCache

log = logging.getLogger(__name__)


def zone_of(vtimezone: str) -> dt.tzinfo | None:
    """The IANA zone a VTIMEZONE names, if Python knows it."""
    for line in vtimezone.splitlines():
        if line.upper().startswith("TZID"):
            name = line.split(":", 1)[-1].strip()
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                return None
    return None


def calendar_tz(collection: DavCollection, settings: Settings) -> dt.tzinfo:
    """The zone for floating times and all-day dates: the calendar's own, else the company's."""
    if collection.timezone:
        zone = zone_of(collection.timezone)
        if zone is not None:
            return zone
    return settings.company.tz


def load_items(session: Session, ids: Sequence[int]) -> list[Any]:
    """Rows (all columns) of these items."""
    found: list[Any] = []
    for start in range(0, len(ids), 500):
        found.extend(session.execute(select(*DavItem.__table__.c).where(
            DavItem.id.in_(ids[start:start + 500]))).all())
    return found


def cached_texts(cache: ContentCache | None, items: Sequence[Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    if cache is None:
        return found
    for item in items:
        text = cache.get(item.id, item.etag)
        if text is not None:
            found[item.id] = text
    return found


def render_items(
    session: Session, settings: Settings, collection: DavCollection, items: Sequence[Any],
    cache: ContentCache | None = None,
) -> dict[int, str]:
    """item id -> its iCalendar text; items whose CRM record is gone are left out."""
    texts = _render(session, settings, collection, items)
    if cache is not None and collection.kind != "stored":
        by_id = {i.id: i for i in items}
        for item_id, text in texts.items():
            cache.put(item_id, by_id[item_id].etag, text)
    return texts


def _render(
    session: Session, settings: Settings, collection: DavCollection, items: Sequence[Any]
) -> dict[int, str]:
    tz = calendar_tz(collection, settings)
    texts: dict[int, str] = {}
    live = [i for i in items if not i.deleted]
    if collection.kind == "events":
        views = event_views(session, live, collection.owner_id,
                            settings.reminders.event_lead_minutes)
        for item in live:
            view = views.get(item.id)
            if view is None:
                continue
            texts[item.id] = _merged(item, view, tz, merge_event, render_event)
    elif collection.kind == "tasks":
        tviews = task_views(session, live, collection.owner_id,
                            settings.reminders.task_lead_hours)
        for item in live:
            tview = tviews.get(item.id)
            if tview is None:
                continue
            texts[item.id] = _merged(item, tview, tz, merge_task, render_task)
    elif collection.kind == "birthdays":
        r = settings.reminders
        before = r.birthday_days_before * 24 * 60 - r.morning_hour * 60  # to 09:00 the day before
        for item_id, bview in birthday_views(session, live).items():
            texts[item_id] = render_birthday(bview, before)
    else:
        for item in live:
            if item.body is not None:
                texts[item.id] = item.body
    return texts


def _merged(item: Any, view, tz, merge, render) -> str:  # type: ignore[no-untyped-def]
    if item.body is None:
        return str(render(view))
    if item.fingerprint == view.fingerprint():
        return str(item.body)
    try:
        return str(merge(item.body, view, tz))
    except (IcalError, ValueError, KeyError) as exc:
        log.warning("item %s: cannot merge CRM changes into the client's text (%s)", item.id, exc)
        return str(render(view))
