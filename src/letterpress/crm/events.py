"""Events (события): registering done ones, planning, moving, completing and cancelling them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from letterpress.crm.model import ContactPerson, Counterparty, Event, EventKind, EventState, User
from letterpress.crm.permissions import can_edit_event
from letterpress.errors import NotFound, PermissionDenied, ValidationError


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{field}: a time without a time zone is ambiguous", field=field)
    return value


def register_event(
    session: Session,
    *,
    author: User,
    kind: EventKind | str,
    start_at: dt.datetime,
    state: EventState | str = EventState.DONE,
    end_at: dt.datetime | None = None,
    counterparty_id: int | None = None,
    contact_person_id: int | None = None,
    responsible_id: int | None = None,
    subject: str = "",
    content: str = "",
    letter_id: int | None = None,
    uid: str | None = None,
) -> Event:
    """Create an event; the responsible user defaults to the author."""
    try:
        kind = EventKind(kind)
    except ValueError:
        raise ValidationError(f"event kind {kind!r} is unknown", field="kind") from None
    try:
        state = EventState(state)
    except ValueError:
        raise ValidationError(f"event state {state!r} is unknown", field="state") from None
    _aware(start_at, "start_at")
    if end_at is not None and _aware(end_at, "end_at") < start_at:
        raise ValidationError("the event ends before it starts", field="end_at")
    if counterparty_id is not None and session.get(Counterparty, counterparty_id) is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if contact_person_id is not None:
        person = session.get(ContactPerson, contact_person_id)
        if person is None:
            raise NotFound(f"no contact person #{contact_person_id}")
        if counterparty_id is None:
            counterparty_id = person.counterparty_id
    if responsible_id is not None and session.get(User, responsible_id) is None:
        raise NotFound(f"no user #{responsible_id}")
    event = Event(
        kind=kind.value, state=state.value, start_at=start_at, end_at=end_at,
        counterparty_id=counterparty_id, contact_person_id=contact_person_id,
        author_id=author.id, responsible_id=responsible_id or author.id,
        subject=subject.strip(), content=content, letter_id=letter_id,
        uid=uid or f"{uuid.uuid4()}@letterpress",
    )
    session.add(event)
    session.flush()
    return event


def _editable(session: Session, user: User, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event #{event_id}")
    if not can_edit_event(session, user, event):
        raise PermissionDenied(f"{user.login} may not change event #{event_id}")
    return event


def move_event(
    session: Session, user: User, event_id: int, start_at: dt.datetime, end_at: dt.datetime | None
) -> Event:
    event = _editable(session, user, event_id)
    _aware(start_at, "start_at")
    if end_at is not None and _aware(end_at, "end_at") < start_at:
        raise ValidationError("the event ends before it starts", field="end_at")
    event.start_at, event.end_at = start_at, end_at
    session.flush()
    return event


def set_state(
    session: Session, user: User, event_id: int, state: EventState | str, *, content: str | None = None
) -> Event:
    """Mark a planned event done (with what came of it) or cancelled."""
    event = _editable(session, user, event_id)
    try:
        event.state = EventState(state).value
    except ValueError:
        raise ValidationError(f"event state {state!r} is unknown", field="state") from None
    if content is not None:
        event.content = content
    session.flush()
    return event
