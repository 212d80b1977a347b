"""Meeting invitations that arrive by mail become planned meetings in the owner's calendar.

The protocol side (``mailsvc.invitation``) turns a text/calendar part into an :class:`Invitation`;
here a REQUEST creates or updates the meeting with the same UID, and a CANCEL cancels it. An older
SEQUENCE never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import ContactEmail, ContactPerson, Event, EventKind, EventState
from letterpress.db.types import utcnow


@dataclass(frozen=True)
class Invitation:
    uid: str
    method: str  # REQUEST | CANCEL | other (ignored)
    summary: str
    start: dt.datetime
    end: dt.datetime | None = None
    description: str = ""
    location: str = ""
    sequence: int = 0
    attendees: tuple[str, ...] = ()
    organizer: str | None = None


def _event_uid(session: Session, uid: str, owner_id: int | None) -> tuple[Event | None, str]:
    event = session.scalar(select(Event).where(Event.uid == uid))
    if event is None or event.responsible_id == owner_id:
        return event, uid
    personal = f"{uid}/{owner_id}"
    return session.scalar(select(Event).where(Event.uid == personal)), personal


def apply_invitation(
    session: Session, invitation: Invitation, *, owner_id: int | None, letter_id: int | None
) -> Event | None:
    """Create, update or cancel the owner's meeting for this invitation; None if ignored."""
    method = invitation.method.upper()
    if method not in ("REQUEST", "CANCEL") or owner_id is None:
        return None
    event, uid = _event_uid(session, invitation.uid, owner_id)
    if event is not None and invitation.sequence < event.sequence:
        return event
    if method == "CANCEL":
        if event is not None:
            event.state = EventState.CANCELLED.value
            event.updated_at = utcnow()
        return event
    people = [e.lower() for e in invitation.attendees + ((invitation.organizer,) if invitation.organizer else ())]
    contact = session.execute(
        select(ContactPerson.id, ContactPerson.counterparty_id)
        .join(ContactEmail, ContactEmail.contact_id == ContactPerson.id)
        .where(ContactEmail.email.in_(people), ContactPerson.counterparty_id.is_not(None))
        .order_by(ContactPerson.id).limit(1)
    ).first() if people else None
    if event is None:
        event = Event(uid=uid, kind=EventKind.MEETING.value, author_id=owner_id,
                      responsible_id=owner_id, letter_id=letter_id)
        session.add(event)
    event.state = EventState.PLANNED.value
    event.subject = invitation.summary[:500]
    event.start_at = invitation.start
    event.end_at = invitation.end
    event.content = invitation.description
    event.location = invitation.location[:500]
    event.sequence = invitation.sequence
    if contact is not None:
        event.contact_person_id, event.counterparty_id = contact
    event.updated_at = utcnow()
    session.flush()
    return event


def apply_invitations(
    session: Session, items: Sequence[tuple[int, int | None, Invitation]]
) -> list[Event]:
    return [e for letter_id, owner_id, inv in items
            if (e := apply_invitation(session, inv, owner_id=owner_id, letter_id=letter_id))]
