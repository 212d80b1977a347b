"""CRM -> calendar items: keeps every user's built-in calendars in step with the CRM.

Session hooks watch events, tasks, contact persons, anniversaries and counterparties: whatever
code changes them through the ORM (the web UI, the mail daemon, imports, the reminder engine),
the affected items get a new ``seq`` and ETag in the same transaction, so a client sees the
change at its next sync. Writes made with Core statements bypass the hooks; their authors call
:func:`touch_events`, :func:`touch_tasks` or :func:`touch_contacts`.

Collections are made on first use (:func:`ensure_collections`) and filled then; until a user has
them, the hooks have nothing to do for that user.

An object flagged with :func:`from_dav` was just written by a DAV client through
:mod:`calendar_edits`, which maintains its item itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, UOWTransaction

from letterpress.crm.calendar_data import (
    CALENDAR_EVENT_KINDS,
    Alarm,
    BirthdayView,
    EventView,
    TaskView,
)
from letterpress.crm.calendars import BUILTIN, SPACE, bump, href_for_uid, make_etag
from letterpress.crm.model.calendar import DavCollection, DavItem
from letterpress.crm.model.contacts import Anniversary, ContactPerson, ContactPhone
from letterpress.crm.model.counterparties import Counterparty
from letterpress.crm.model.events import Event
from letterpress.crm.model.reminders import Reminder, ReminderSettings
from letterpress.crm.model.tasks import Task
from letterpress.crm.responsibles import contacts_of_user, responsible_for_contacts
from letterpress.db.types import utcnow

_DAV_FLAG = "_letterpress_from_dav"
_ITEMS = cast(Table, DavItem.__table__)
DONE_TASK_STATES = ("done", "cancelled")


def from_dav(obj: object) -> None:
    """Mark ``obj`` as written by a DAV client: the hooks leave its item alone this flush."""
    obj.__dict__[_DAV_FLAG] = True


def _flagged(obj: object) -> bool:
    return bool(obj.__dict__.get(_DAV_FLAG, False))


def clear_dav_flag(obj: object) -> None:
    """Called after the flush that wrote ``obj`` (in case nothing of it changed)."""
    obj.__dict__.pop(_DAV_FLAG, None)


# --- collections ---------------------------------------------------------------------------


def ensure_collections(session: Session, owner_id: int) -> list[DavCollection]:
    """The user's calendars, making (and filling) the built-in ones on first use."""
    existing = {c.slug: c for c in session.scalars(
        select(DavCollection).where(DavCollection.owner_id == owner_id,
                                    DavCollection.space == SPACE))}
    for builtin in BUILTIN:
        if builtin.slug in existing:
            continue
        try:
            with session.begin_nested():
                collection = DavCollection(
                    owner_id=owner_id, space=SPACE, slug=builtin.slug, kind=builtin.kind,
                    displayname=builtin.displayname, components=builtin.components,
                    color=builtin.color, properties="{}", sync_seq=0,
                )
                session.add(collection)
                session.flush()
                _populate(session, collection)
        except IntegrityError:  # another request made it at the same moment
            continue
    return list(session.scalars(
        select(DavCollection).where(DavCollection.owner_id == owner_id,
                                    DavCollection.space == SPACE).order_by(DavCollection.id)))


def _populate(session: Session, collection: DavCollection) -> None:
    if collection.kind == "events":
        _assign_missing_uids(session, Event, Event.responsible_id == collection.owner_id)
        rows: Sequence[Any] = session.execute(
            select(Event.id, Event.uid, Event.start_at, Event.end_at).where(
                Event.responsible_id == collection.owner_id,
                Event.kind.in_(CALENDAR_EVENT_KINDS)).order_by(Event.start_at, Event.id)
        ).all()
        items = [{"href": href_for_uid(uid), "uid": uid, "component": "VEVENT", "event_id": eid,
                  "range_start": start, "range_end": end or start, "recurring": False}
                 for eid, uid, start, end in rows]
    elif collection.kind == "tasks":
        _assign_missing_uids(session, Task, Task.assignee_id == collection.owner_id)
        task_rows: Sequence[Any] = session.execute(
            select(Task.id, Task.uid, Task.due_at, Task.completed_at, Task.created_at)
            .where(Task.assignee_id == collection.owner_id).order_by(Task.id)
        ).all()
        items = []
        for tid, uid, due, completed, created in task_rows:
            lo, hi = _task_range(due, completed, created)
            items.append({"href": href_for_uid(uid), "uid": uid, "component": "VTODO",
                          "task_id": tid, "range_start": lo, "range_end": hi, "recurring": False})
    elif collection.kind == "birthdays":
        items = [_birthday_item(cid, aid) for cid, aid in
                 _birthday_keys(session, contacts_of_user(session, collection.owner_id))]
    else:
        return
    if not items:
        return
    last = bump(session, collection.id, len(items))
    first = last - len(items) + 1
    now = utcnow()
    for offset, row in enumerate(items):
        row.update(collection_id=collection.id, seq=first + offset, deleted=False,
                   dismissed=False, etag=make_etag(collection.id, first + offset), updated_at=now)
    session.connection().execute(insert(_ITEMS), items)


def _assign_missing_uids(session: Session, model: Any, where: Any) -> None:
    ids = list(session.scalars(select(model.id).where(where, model.uid.is_(None))))
    table = cast(Table, model.__table__)
    for row_id in ids:
        session.connection().execute(
            update(table).where(table.c.id == row_id).values(uid=f"{uuid.uuid4()}@letterpress"))
        loaded = session.identity_map.get(session.identity_key(model, row_id))
        if loaded is not None:
            session.expire(loaded, ["uid"])


def _task_range(
    due: dt.datetime | None, completed: dt.datetime | None, created: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    points = [p for p in (due, completed, created) if p is not None]
    if not points:
        return None, None
    return min(points), (max(points) if due is not None or completed is not None else None)


def _birthday_keys(session: Session, contact_ids: Iterable[int]) -> list[tuple[int, int | None]]:
    ids = list(contact_ids)
    keys: list[tuple[int, int | None]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        keys.extend((cid, None) for cid in session.scalars(
            select(ContactPerson.id).where(ContactPerson.id.in_(chunk),
                                           ContactPerson.birthday.is_not(None))))
        keys.extend((cid, aid) for aid, cid in session.execute(
            select(Anniversary.id, Anniversary.contact_id).where(Anniversary.contact_id.in_(chunk))
        ).all())
    return sorted(keys, key=lambda k: (k[0], k[1] or 0))


def _birthday_item(contact_id: int, anniversary_id: int | None) -> dict[str, Any]:
    uid = (f"anniversary-{anniversary_id}@letterpress" if anniversary_id
           else f"birthday-{contact_id}@letterpress")
    return {"href": href_for_uid(uid), "uid": uid, "component": "VEVENT",
            "contact_id": contact_id, "anniversary_id": anniversary_id,
            "range_start": None, "range_end": None, "recurring": True}


# --- keeping items current -----------------------------------------------------------------


def _calendar_of(session: Session, owner_ids: Iterable[int], kind: str) -> dict[int, int]:
    ids = [i for i in set(owner_ids) if i is not None]
    if not ids:
        return {}
    rows = session.connection().execute(
        select(DavCollection.id, DavCollection.owner_id).where(
            DavCollection.owner_id.in_(ids), DavCollection.space == SPACE,
            DavCollection.kind == kind)
    ).all()
    return {owner: cid for cid, owner in rows}


def _touch(session: Session, item_id: int, collection_id: int, **values: Any) -> None:
    seq = bump(session, collection_id)
    session.connection().execute(update(_ITEMS).where(_ITEMS.c.id == item_id).values(
        seq=seq, etag=make_etag(collection_id, seq), updated_at=utcnow(), **values))


def _bury(session: Session, item_id: int, collection_id: int, **values: Any) -> None:
    _touch(session, item_id, collection_id, deleted=True, uid=None, body=None, **values)


def _add(session: Session, collection_id: int, row: dict[str, Any]) -> None:
    taken = session.connection().execute(select(_ITEMS.c.id).where(
        _ITEMS.c.collection_id == collection_id,
        (_ITEMS.c.href == row["href"]) | (_ITEMS.c.uid == row["uid"]))).first()
    if taken is not None:  # a stored item already has that name or UID: pick our own name
        key = row.get("event_id") or row.get("task_id") or row.get("contact_id")
        row["href"] = f"lp-{row['component'].lower()}-{key}-{uuid.uuid4().hex[:8]}.ics"
        row["uid"] = row["uid"] if not session.connection().execute(select(_ITEMS.c.id).where(
            _ITEMS.c.collection_id == collection_id, _ITEMS.c.uid == row["uid"])).first() \
            else f"{uuid.uuid4()}@letterpress"
    seq = bump(session, collection_id)
    session.connection().execute(insert(_ITEMS).values(
        collection_id=collection_id, seq=seq, etag=make_etag(collection_id, seq), deleted=False,
        dismissed=False, updated_at=utcnow(), **row))


def _items_by(session: Session, column: Any, ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for row in session.connection().execute(
            select(_ITEMS.c.id, _ITEMS.c.collection_id, _ITEMS.c.deleted, _ITEMS.c.dismissed,
                   _ITEMS.c.recurring, column, _ITEMS.c.anniversary_id)
            .where(column.in_(ids[start:start + 500]))
        ).all():
            found[row[5]].append(row)
    return found


def touch_events(session: Session, event_ids: Iterable[int]) -> None:
    """Bring the calendar items of these events in line with the events' current rows."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    conn = session.connection()
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows.extend(conn.execute(
            select(Event.id, Event.uid, Event.kind, Event.responsible_id, Event.start_at,
                   Event.end_at).where(Event.id.in_(ids[start:start + 500]))).all())
    calendars = _calendar_of(session, (r[3] for r in rows if r[2] in CALENDAR_EVENT_KINDS), "events")
    existing = _items_by(session, _ITEMS.c.event_id, [r[0] for r in rows])
    for event_id, uid, kind, responsible_id, start_at, end_at in rows:
        wanted = calendars.get(responsible_id) if kind in CALENDAR_EVENT_KINDS else None
        found_wanted = False
        for item in existing.get(event_id, []):
            item_id, collection_id, deleted, dismissed, recurring = item[:5]
            if collection_id == wanted:
                found_wanted = True
                if dismissed:
                    continue
                values: dict[str, Any] = {
                    "range_start": start_at,
                    "range_end": None if recurring else end_at or start_at,
                }
                if deleted:
                    values.update(deleted=False, uid=uid, body=None, fingerprint=None,
                                  recurring=False, range_end=end_at or start_at)
                _touch(session, item_id, collection_id, **values)
            elif not deleted:
                _bury(session, item_id, collection_id)
        if wanted is not None and not found_wanted:
            if uid is None:
                uid = f"{uuid.uuid4()}@letterpress"
                conn.execute(update(cast(Table, Event.__table__)).where(Event.id == event_id)
                             .values(uid=uid))
            _add(session, wanted, {"href": href_for_uid(uid), "uid": uid, "component": "VEVENT",
                                   "event_id": event_id, "range_start": start_at,
                                   "range_end": end_at or start_at, "recurring": False})


def touch_tasks(session: Session, task_ids: Iterable[int]) -> None:
    ids = sorted(set(task_ids))
    if not ids:
        return
    conn = session.connection()
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows.extend(conn.execute(
            select(Task.id, Task.uid, Task.assignee_id, Task.due_at, Task.completed_at,
                   Task.created_at).where(Task.id.in_(ids[start:start + 500]))).all())
    calendars = _calendar_of(session, (r[2] for r in rows), "tasks")
    existing = _items_by(session, _ITEMS.c.task_id, [r[0] for r in rows])
    for task_id, uid, assignee_id, due, completed, created in rows:
        wanted = calendars.get(assignee_id)
        lo, hi = _task_range(due, completed, created)
        found_wanted = False
        for item in existing.get(task_id, []):
            item_id, collection_id, deleted, dismissed = item[:4]
            if collection_id == wanted:
                found_wanted = True
                if dismissed:
                    continue
                values: dict[str, Any] = {"range_start": lo, "range_end": hi}
                if deleted:
                    values.update(deleted=False, uid=uid, body=None, fingerprint=None)
                _touch(session, item_id, collection_id, **values)
            elif not deleted:
                _bury(session, item_id, collection_id)
        if wanted is not None and not found_wanted:
            if uid is None:
                uid = f"{uuid.uuid4()}@letterpress"
                conn.execute(update(cast(Table, Task.__table__)).where(Task.id == task_id)
                             .values(uid=uid))
            _add(session, wanted, {"href": href_for_uid(uid), "uid": uid, "component": "VTODO",
                                   "task_id": task_id, "range_start": lo, "range_end": hi,
                                   "recurring": False})


def touch_contacts(session: Session, contact_ids: Iterable[int]) -> None:
    """Birthday calendars: add, refresh or remove the items of these contact persons."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    responsible = responsible_for_contacts(session, ids)
    calendars = _calendar_of(session, {u for users in responsible.values() for u in users},
                             "birthdays")
    wanted_keys = _birthday_keys(session, ids)
    existing = _items_by(session, _ITEMS.c.contact_id, ids)
    for contact_id in ids:
        keys = [k for k in wanted_keys if k[0] == contact_id]
        targets = {calendars[u] for u in responsible.get(contact_id, []) if u in calendars}
        seen: set[tuple[int, int | None]] = set()
        for item in existing.get(contact_id, []):
            item_id, collection_id, deleted = item[0], item[1], item[2]
            anniversary_id = item[6]
            key = (collection_id, anniversary_id)
            if collection_id in targets and (contact_id, anniversary_id) in keys:
                seen.add(key)
                values: dict[str, Any] = {}
                if deleted:
                    values = dict(_birthday_item(contact_id, anniversary_id))
                    values.pop("href")
                _touch(session, item_id, collection_id, **values)
            elif not deleted:
                _bury(session, item_id, collection_id)
        for collection_id in targets:
            for _cid, anniversary_id in keys:
                if (collection_id, anniversary_id) not in seen:
                    _add(session, collection_id, _birthday_item(contact_id, anniversary_id))


def touch_lead_time(session: Session, user_id: int) -> None:
    """A user's alarm lead time changed: every CRM-made item of theirs renders anew."""
    for collection_id in _calendar_of(session, [user_id], "events").values():
        touch_collection(session, collection_id, only_crm_made=True)
    for collection_id in _calendar_of(session, [user_id], "tasks").values():
        touch_collection(session, collection_id, only_crm_made=True)


def touch_collection(session: Session, collection_id: int, *, only_crm_made: bool = False) -> None:
    query = select(_ITEMS.c.id).where(_ITEMS.c.collection_id == collection_id,
                                      _ITEMS.c.deleted.is_(False))
    if only_crm_made:
        query = query.where(_ITEMS.c.body.is_(None))
    for (item_id,) in session.connection().execute(query).all():
        _touch(session, item_id, collection_id)


# --- the session hooks -----------------------------------------------------------------------


def _changed(obj: object, *names: str) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


_EVENT_FIELDS = ("kind", "state", "start_at", "end_at", "counterparty_id", "contact_person_id",
                 "responsible_id", "subject", "content", "location", "uid", "sequence")
_TASK_FIELDS = ("subject", "description", "assignee_id", "due_at", "state", "uid",
                "completed_at", "counterparty_id")


_HAVE_TABLES: set[str] = set()


def _have_tables(session: Session) -> bool:
    """Whether this database has the DAV tables yet (a database migrated before they existed
    has none: then there is nothing to keep current). Known answers are remembered per URL."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    if key in _HAVE_TABLES:
        return True
    from sqlalchemy import inspect

    if inspect(session.connection()).has_table("dav_items"):
        _HAVE_TABLES.add(key)
        return True
    return False


@sa_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    """Deleted rows: their items become tombstones before the foreign keys are cleared."""
    if not session.deleted or not _have_tables(session):
        return
    columns = {Event: _ITEMS.c.event_id, Task: _ITEMS.c.task_id,
               ContactPerson: _ITEMS.c.contact_id, Anniversary: _ITEMS.c.anniversary_id}
    doomed: dict[Any, list[int]] = defaultdict(list)
    for obj in session.deleted:
        column = columns.get(type(obj))
        if column is not None and getattr(obj, "id", None) is not None:
            doomed[column].append(obj.id)
    for column, ids in doomed.items():
        for row in session.connection().execute(
            select(_ITEMS.c.id, _ITEMS.c.collection_id)
            .where(column.in_(ids), _ITEMS.c.deleted.is_(False))
        ).all():
            _bury(session, row[0], row[1])


@sa_event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    events: set[int] = set()
    tasks: set[int] = set()
    contacts: set[int] = set()
    renamed_people: set[int] = set()
    renamed_companies: set[int] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Event):
            if not _flagged(obj) and (obj in session.new or _changed(obj, *_EVENT_FIELDS)):
                events.add(obj.id)
        elif isinstance(obj, Task):
            if not _flagged(obj) and (obj in session.new or _changed(obj, *_TASK_FIELDS)):
                tasks.add(obj.id)
        elif isinstance(obj, ContactPerson):
            if obj in session.new or _changed(obj, "birthday", "name", "owner_id",
                                              "counterparty_id"):
                contacts.add(obj.id)
            if obj not in session.new and _changed(obj, "name"):
                renamed_people.add(obj.id)
        elif isinstance(obj, (Anniversary, ContactPhone)):
            if obj.contact_id is not None:
                contacts.add(obj.contact_id)
        elif isinstance(obj, Counterparty) and obj not in session.new:
            if _changed(obj, "manager_id", "name"):
                contacts.update(session.scalars(
                    select(ContactPerson.id).where(ContactPerson.counterparty_id == obj.id)))
            if _changed(obj, "name"):
                renamed_companies.add(obj.id)
        elif isinstance(obj, Reminder) and obj.event_id is not None and _changed(obj, "state"):
            events.add(obj.event_id)
        elif isinstance(obj, Reminder) and obj.task_id is not None and _changed(obj, "state"):
            tasks.add(obj.task_id)
    for obj in session.deleted:
        if isinstance(obj, Anniversary) and obj.contact_id is not None:
            contacts.add(obj.contact_id)
    if renamed_people or renamed_companies:
        events.update(session.connection().execute(select(Event.id).where(
            Event.contact_person_id.in_(renamed_people) | Event.counterparty_id.in_(
                renamed_companies))).scalars())
    if not (events or tasks or contacts) or not _have_tables(session):
        return
    deleted_ids = {o.id for o in session.deleted if isinstance(o, (Event, Task, ContactPerson))}
    touch_events(session, events - deleted_ids)
    touch_tasks(session, tasks - deleted_ids)
    touch_contacts(session, contacts - deleted_ids)


# --- what the translator renders -----------------------------------------------------------


def lead_minutes(session: Session, user_id: int, default: int) -> int:
    row = session.get(ReminderSettings, user_id)
    if row is not None and row.event_lead_minutes is not None:
        return row.event_lead_minutes
    return default


def task_lead_hours(session: Session, user_id: int, default: int) -> int:
    row = session.get(ReminderSettings, user_id)
    if row is not None and row.task_lead_hours is not None:
        return row.task_lead_hours
    return default


def _acknowledged(session: Session, column: Any, ids: list[int]) -> dict[int, dt.datetime]:
    if not ids:
        return {}
    rows = session.execute(
        select(column, Reminder.updated_at).where(column.in_(ids), Reminder.state == "done")
    ).all()
    return {r[0]: r[1] for r in rows}


def event_views(
    session: Session, items: list[Any], owner_id: int, lead_default: int
) -> dict[int, EventView]:
    """item id -> the CRM's view of its event (items whose event is gone are left out)."""
    by_event = {i.event_id: i for i in items if i.event_id is not None}
    if not by_event:
        return {}
    lead = lead_minutes(session, owner_id, lead_default)
    views: dict[int, EventView] = {}
    ids = list(by_event)
    acks = _acknowledged(session, Reminder.event_id, ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Event.id, Event.uid, Event.subject, Event.content, Event.location,
                   Event.start_at, Event.end_at, Event.kind, Event.state, Event.sequence,
                   Event.created_at, Event.updated_at, Counterparty.name, ContactPerson.name)
            .outerjoin(Counterparty, Counterparty.id == Event.counterparty_id)
            .outerjoin(ContactPerson, ContactPerson.id == Event.contact_person_id)
            .where(Event.id.in_(ids[start:start + 500]))
        ).all()
        for (event_id, uid, subject, content, location, start_at, end_at, kind, state, sequence,
             created, updated, company, person) in rows:
            item = by_event[event_id]
            alarm = None
            if state == "planned" and lead >= 0:
                alarm = Alarm(lead, acks.get(event_id), subject or "Событие")
            views[item.id] = EventView(
                uid=item.uid or uid or "", subject=subject, content=content, location=location,
                start_at=start_at, end_at=end_at, kind=kind, state=state, sequence=sequence,
                created_at=created, updated_at=updated, counterparty=company, contact=person,
                alarm=alarm,
            )
    return views


def task_views(
    session: Session, items: list[Any], owner_id: int, lead_default_hours: int
) -> dict[int, TaskView]:
    by_task = {i.task_id: i for i in items if i.task_id is not None}
    if not by_task:
        return {}
    lead = task_lead_hours(session, owner_id, lead_default_hours)
    ids = list(by_task)
    acks = _acknowledged(session, Reminder.task_id, ids)
    views: dict[int, TaskView] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Task, Counterparty.name)
            .outerjoin(Counterparty, Counterparty.id == Task.counterparty_id)
            .where(Task.id.in_(ids[start:start + 500]))
        ).all()
        for task, company in rows:
            item = by_task[task.id]
            alarm = None
            if task.due_at is not None and task.state not in DONE_TASK_STATES and lead >= 0:
                alarm = Alarm(lead * 60, acks.get(task.id), task.subject)
            views[item.id] = TaskView(
                uid=item.uid or task.uid or "", subject=task.subject,
                description=task.description, due_at=task.due_at, state=task.state,
                completed_at=task.completed_at, created_at=task.created_at,
                updated_at=task.updated_at, counterparty=company, alarm=alarm,
            )
    return views


def birthday_views(session: Session, items: list[Any]) -> dict[int, BirthdayView]:
    contact_ids = list({i.contact_id for i in items if i.contact_id is not None})
    if not contact_ids:
        return {}
    people: dict[int, tuple[str, dt.date | None, str | None]] = {}  # name, birthday, company
    phones: dict[int, list[str]] = defaultdict(list)
    dates: dict[int, tuple[str, dt.date]] = {}
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start:start + 500]
        for cid, name, birthday, company in session.execute(
            select(ContactPerson.id, ContactPerson.name, ContactPerson.birthday, Counterparty.name)
            .outerjoin(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
            .where(ContactPerson.id.in_(chunk))
        ).all():
            people[cid] = (name, birthday, company)
        for cid, value in session.execute(
            select(ContactPhone.contact_id, ContactPhone.value)
            .where(ContactPhone.contact_id.in_(chunk)).order_by(ContactPhone.position)
        ).all():
            phones[cid].append(value)
        for aid, title, day in session.execute(
            select(Anniversary.id, Anniversary.label, Anniversary.date)
            .where(Anniversary.contact_id.in_(chunk))
        ).all():
            dates[aid] = (title, day)
    views: dict[int, BirthdayView] = {}
    for item in items:
        if item.contact_id not in people:
            continue
        person, birthday, employer = people[item.contact_id]
        if item.anniversary_id is not None:
            if item.anniversary_id not in dates:
                continue
            label, date = dates[item.anniversary_id]
        elif birthday is not None:
            label, date = "birthday", birthday
        else:
            continue
        views[item.id] = BirthdayView(
            uid=item.uid or "", date=date, person=person, label=label, company=employer,
            updated_at=item.updated_at, phones=tuple(phones.get(item.contact_id, ())),
        )
    return views
