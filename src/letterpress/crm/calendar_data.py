"""What crosses the line between the CRM and the iCalendar translator, as plain dataclasses.

``*Fields`` say what a client's calendar object means for the CRM (parsed by
:mod:`letterpress.calendar.ical`, applied by :mod:`letterpress.crm.calendar_edits`); ``*View``
say what the CRM holds, for the translator to render. A view's :meth:`fingerprint` covers exactly
the fields that a client's stored text is merged with: while it is unchanged the client gets its
own text back byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

# Event kinds that belong in a calendar (letters are history, not appointments).
CALENDAR_EVENT_KINDS = ("outgoing_call", "incoming_call", "meeting", "other")


def _stamp(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class EventFields:
    """The CRM-modelled parts of a client's VEVENT (its master component)."""

    uid: str
    subject: str = ""
    content: str = ""
    location: str = ""
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    all_day: bool = False
    kind: str | None = None          # X-LETTERPRESS-KIND, if the client kept it
    state: str | None = None         # from X-LETTERPRESS-STATE or STATUS:CANCELLED
    cancelled: bool = False          # STATUS:CANCELLED
    attendees: tuple[str, ...] = ()  # e-mail addresses, lower case
    organizer: str | None = None


@dataclass(frozen=True)
class TaskFields:
    uid: str
    subject: str = ""
    description: str = ""
    due_at: dt.datetime | None = None
    state: str | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Alarm:
    """Letterpress's own reminder, carried as a VALARM on items made in the CRM."""

    minutes_before: int
    acknowledged_at: dt.datetime | None = None
    description: str = ""


@dataclass(frozen=True)
class EventView:
    uid: str
    subject: str
    content: str
    location: str
    start_at: dt.datetime
    end_at: dt.datetime | None
    kind: str
    state: str
    sequence: int = 0
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    counterparty: str | None = None
    contact: str | None = None
    alarm: Alarm | None = None

    def fingerprint(self) -> str:
        return _digest("event", self.subject, self.content, self.location, _stamp(self.start_at),
                       _stamp(self.end_at), self.kind, self.state)


@dataclass(frozen=True)
class TaskView:
    uid: str
    subject: str
    description: str
    due_at: dt.datetime | None
    state: str
    completed_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    counterparty: str | None = None
    alarm: Alarm | None = None

    def fingerprint(self) -> str:
        return _digest("task", self.subject, self.description, _stamp(self.due_at), self.state,
                       _stamp(self.completed_at))


@dataclass(frozen=True)
class BirthdayView:
    """A yearly date of a contact person: the birthday or an anniversary."""

    uid: str
    date: dt.date
    person: str
    label: str                       # "birthday" or the anniversary's label
    company: str | None = None
    updated_at: dt.datetime | None = None
    phones: tuple[str, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        return _digest("birthday", self.date.isoformat(), self.person, self.label, self.company,
                       "|".join(self.phones))


@dataclass(frozen=True)
class ItemWrite:
    """A calendar object a client PUT, as the translator understood it."""

    uid: str
    component: str                   # VEVENT, VTODO or VJOURNAL
    body: str                        # the client's text, kept as sent
    range_start: dt.datetime | None  # for time-range queries; None = unbounded
    range_end: dt.datetime | None
    recurring: bool = False
    event: EventFields | None = None
    task: TaskFields | None = None
