"""Client edits -> CRM changes: what a PUT or DELETE on a calendar item means for the CRM.

In a user's events calendar a VEVENT is a CRM event (kind, state, time, subject, description,
location; counterparty and contact person inferred from the attendees' addresses); in the tasks
calendar a VTODO is a task. Calendars the user made with MKCALENDAR just store what they get.
The client's text is kept with the item, so nothing Letterpress does not model is lost.

Deleting an item from a client never deletes CRM history: a planned event is cancelled, an open
task is cancelled, and the item leaves the calendar for good (it is *dismissed*).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.calendar_data import (
    CALENDAR_EVENT_KINDS,
    EventFields,
    EventView,
    ItemWrite,
    TaskFields,
    TaskView,
)
from letterpress.crm.calendar_feed import clear_dav_flag, from_dav
from letterpress.crm.calendars import store_item, tombstone_item
from letterpress.crm.channels import domain_of
from letterpress.crm.model import (
    ContactEmail,
    ContactPerson,
    CounterpartyDomain,
    CounterpartyEmail,
    DavCollection,
    DavItem,
    Event,
    Task,
    User,
)
from letterpress.crm.permissions import calendar_access, can_edit_event, can_edit_task
from letterpress.db.types import utcnow
from letterpress.errors import PermissionDenied, ValidationError

_CALL = re.compile(r"^\s*(звонок|звонить|позвонить|созвон|перезвонить|call\b|phone\b)", re.IGNORECASE)
EVENT_STATES = ("planned", "done", "cancelled")
TASK_STATES = ("open", "in_progress", "done", "cancelled")


@dataclass(frozen=True)
class EditPolicy:
    """Which mail domains never identify a counterparty (public mail, the company's own)."""

    public_domains: frozenset[str] = frozenset()
    internal_domains: frozenset[str] = frozenset()


def _writable(session: Session, user: User, collection: DavCollection) -> None:
    if calendar_access(session, user, collection.owner_id) != "write":
        raise PermissionDenied(f"{user.login} may not change this calendar")
    if collection.kind == "birthdays":
        raise PermissionDenied("the birthdays calendar is generated from contacts; it is read-only")


def write_item(
    session: Session,
    user: User,
    collection: DavCollection,
    href: str,
    data: ItemWrite,
    item: DavItem | None,
    policy: EditPolicy = EditPolicy(),
) -> DavItem:
    """Create or replace the item ``href`` (``item``: its current row, tombstones included)."""
    _writable(session, user, collection)
    if data.component not in collection.components.split(","):
        raise ValidationError(
            f"this calendar holds {collection.components}, not {data.component}",
            field="supported-calendar-component",
        )
    if collection.kind == "events":
        if data.event is None:
            raise ValidationError("not an event", field="valid-calendar-data")
        event = _apply_event(session, user, collection, item, data.event, policy)
        return store_item(
            session, collection, href, uid=data.uid, component=data.component, body=data.body,
            range_start=data.range_start, range_end=data.range_end, recurring=data.recurring,
            item=item, fingerprint=event_fingerprint(event), event_id=event.id,
        )
    if collection.kind == "tasks":
        if data.task is None:
            raise ValidationError("not a task", field="valid-calendar-data")
        task = _apply_task(session, user, collection, item, data.task)
        return store_item(
            session, collection, href, uid=data.uid, component=data.component, body=data.body,
            range_start=data.range_start, range_end=data.range_end, recurring=data.recurring,
            item=item, fingerprint=task_fingerprint(task), task_id=task.id,
        )
    return store_item(
        session, collection, href, uid=data.uid, component=data.component, body=data.body,
        range_start=data.range_start, range_end=data.range_end, recurring=data.recurring,
        item=item,
    )


def delete_item(session: Session, user: User, collection: DavCollection, item: DavItem) -> None:
    _writable(session, user, collection)
    if collection.kind == "events" and item.event_id is not None:
        event = session.get(Event, item.event_id)
        if event is not None and event.state == "planned" and can_edit_event(session, user, event):
            event.state = "cancelled"
            from_dav(event)
            session.flush()
            clear_dav_flag(event)
        tombstone_item(session, item, dismissed=True)
        return
    if collection.kind == "tasks" and item.task_id is not None:
        task = session.get(Task, item.task_id)
        if task is not None and task.state in ("open", "in_progress") \
                and can_edit_task(session, user, task):
            task.state = "cancelled"
            from_dav(task)
            session.flush()
            clear_dav_flag(task)
        tombstone_item(session, item, dismissed=True)
        return
    tombstone_item(session, item)


def event_fingerprint(event: Event) -> str:
    return EventView(
        uid="", subject=event.subject, content=event.content, location=event.location,
        start_at=event.start_at, end_at=event.end_at, kind=event.kind, state=event.state,
    ).fingerprint()


def task_fingerprint(task: Task) -> str:
    return TaskView(
        uid="", subject=task.subject, description=task.description, due_at=task.due_at,
        state=task.state, completed_at=task.completed_at,
    ).fingerprint()


# --- events ----------------------------------------------------------------------------------


def _kind(fields: EventFields, current: str | None) -> str:
    if fields.kind in CALENDAR_EVENT_KINDS:
        return fields.kind
    if current is not None:
        return current
    return "outgoing_call" if _CALL.match(fields.subject or "") else "meeting"


def _state(fields: EventFields, current: str | None) -> str:
    if fields.state in EVENT_STATES:
        return fields.state
    if fields.cancelled:
        return "cancelled"
    if current is None or current == "cancelled":
        return "planned"
    return current


def _apply_event(
    session: Session, user: User, collection: DavCollection, item: DavItem | None,
    fields: EventFields, policy: EditPolicy,
) -> Event:
    if fields.start_at is None:
        raise ValidationError("an event needs a start (DTSTART)", field="valid-calendar-data")
    end_at = fields.end_at if fields.end_at is None or fields.end_at >= fields.start_at else None
    event = session.get(Event, item.event_id) if item is not None and item.event_id else None
    if event is not None and not can_edit_event(session, user, event):
        raise PermissionDenied(f"{user.login} may not change event #{event.id}")
    if event is None:
        taken = session.scalar(select(Event.id).where(Event.uid == fields.uid))
        event = Event(
            author_id=user.id, responsible_id=collection.owner_id,
            uid=fields.uid if taken is None and len(fields.uid) <= 255
            else f"{uuid.uuid4()}@letterpress",
            sequence=0,
        )
        session.add(event)
        current_kind = current_state = None
    else:
        current_kind, current_state = event.kind, event.state
    from_dav(event)  # before any query: an autoflush must not hand it to the hooks
    event.kind = _kind(fields, current_kind)
    event.state = _state(fields, current_state)
    event.start_at, event.end_at = fields.start_at, end_at
    event.subject = fields.subject[:500]
    event.content = fields.content
    event.location = fields.location[:500]
    if event.counterparty_id is None:
        found = infer_counterparty(session, collection.owner_id, fields, policy)
        if found is not None:
            event.counterparty_id, event.contact_person_id = found
    session.flush()
    clear_dav_flag(event)
    return event


def infer_counterparty(
    session: Session, owner_id: int, fields: EventFields, policy: EditPolicy
) -> tuple[int | None, int | None] | None:
    """(counterparty, contact person) of the first attendee the CRM knows, else None.

    Contact persons' addresses first, then counterparties' addresses, then company mail domains
    claimed by exactly one counterparty; public and internal domains never identify anyone.
    """
    own = {e for e in session.scalars(select(User.email).where(User.email.is_not(None))) if e}
    addresses = [a for a in (*fields.attendees, fields.organizer or "") if a and a not in own]
    addresses = [a for a in dict.fromkeys(addresses)
                 if domain_of(a) not in policy.internal_domains]
    for address in addresses:
        row = session.execute(
            select(ContactPerson.id, ContactPerson.counterparty_id)
            .join(ContactEmail, ContactEmail.contact_id == ContactPerson.id)
            .where(ContactEmail.email == address)
            .where((ContactPerson.owner_id.is_(None)) | (ContactPerson.owner_id == owner_id))
            .order_by(ContactPerson.counterparty_id.is_(None), ContactPerson.id)
        ).first()
        if row is not None:
            return row[1], row[0]
    for address in addresses:
        counterparty_id = session.scalar(
            select(CounterpartyEmail.counterparty_id).where(CounterpartyEmail.email == address)
        )
        if counterparty_id is not None:
            return counterparty_id, None
    for address in addresses:
        domain = domain_of(address)
        if not domain or domain in policy.public_domains:
            continue
        claims = list(session.scalars(
            select(CounterpartyDomain.counterparty_id).where(CounterpartyDomain.domain == domain)
        ))
        if len(set(claims)) == 1:
            return claims[0], None
    return None


# --- tasks -----------------------------------------------------------------------------------


def _apply_task(
    session: Session, user: User, collection: DavCollection, item: DavItem | None,
    fields: TaskFields,
) -> Task:
    task = session.get(Task, item.task_id) if item is not None and item.task_id else None
    if task is not None and not can_edit_task(session, user, task):
        raise PermissionDenied(f"{user.login} may not change task #{task.id}")
    if task is None:
        taken = session.scalar(select(Task.id).where(Task.uid == fields.uid))
        task = Task(
            curator_id=user.id, assignee_id=collection.owner_id,
            uid=fields.uid if taken is None and len(fields.uid) <= 255
            else f"{uuid.uuid4()}@letterpress",
        )
        session.add(task)
        current = None
    else:
        current = task.state
    from_dav(task)
    task.subject = (fields.subject.strip() or "(без темы)")[:500]
    task.description = fields.description
    task.due_at = fields.due_at
    state = fields.state if fields.state in TASK_STATES else (current or "open")
    task.state = state
    if state == "done":
        task.completed_at = fields.completed_at or task.completed_at or utcnow()
    else:
        task.completed_at = None
    session.flush()
    clear_dav_flag(task)
    return task


