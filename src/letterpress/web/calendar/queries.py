"""What a calendar page reads: whose calendar it is, the people the viewer may switch to, and the
owner's events and tasks in a span — one SQL query for events, one for tasks.

Who may see whose calendar is decided by :func:`letterpress.crm.permissions.calendar_access`
(the same answer the CalDAV collections get); the people offered in the switcher and on the
workload page are those of :func:`letterpress.crm.permissions.report_manager_ids`. The events on
a calendar are the owner's as the responsible user, of the kinds that belong in a calendar
(:data:`letterpress.crm.calendar_data.CALENDAR_EVENT_KINDS`: letters are history, not
appointments), planned or done; the tasks are the owner's as assignee, with a due time, open or
done. Cancelled ones are left out.

Overdue, as in the analytics' workload report: a planned event that started before now, an
open (or in-progress) task due before now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    select,
    true,
)
from sqlalchemy.orm import Session

from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import Counterparty, Event, EventState, Task, TaskState, User
from letterpress.crm.permissions import (
    calendar_access,
    report_manager_ids,
    visible_counterparties_clause,
    visible_events_clause,
)
from letterpress.crm.supervision import members
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound, PermissionDenied

EVENT_STATES = (EventState.PLANNED.value, EventState.DONE.value)
TASK_STATES = (TaskState.OPEN.value, TaskState.IN_PROGRESS.value, TaskState.DONE.value)
OPEN_TASK_STATES = (TaskState.OPEN.value, TaskState.IN_PROGRESS.value)


@dataclass(frozen=True)
class Owner:
    """Whose calendar a page shows and what the viewer may do there (``"write"``/``"read"``)."""

    user: User
    access: str

    @property
    def writable(self) -> bool:
        return self.access == "write"


def calendar_owner(session: Session, viewer: User, user_id: int | None) -> Owner:
    """The calendar of ``user_id`` (default: the viewer's own), if the viewer may see it."""
    if user_id is None or user_id == viewer.id:
        owner = viewer
    else:
        found = session.get(User, user_id)
        if found is None:
            raise NotFound(f"no user #{user_id}")
        owner = found
    access = calendar_access(session, viewer, owner.id)
    if access == "none":
        raise PermissionDenied(f"{viewer.login} may not see the calendar of user #{owner.id}")
    return Owner(owner, access)


@dataclass(frozen=True)
class Person:
    """Someone in the switcher or on the workload page (a light row, not a ``User``)."""

    id: int
    login: str
    name: str

    @property
    def display_name(self) -> str:
        return self.name or self.login

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.login, user.name)


def viewable_people(session: Session, viewer: User) -> list[Person]:
    """The active users whose calendars and workload the viewer may see: the viewer first, then
    the others by name (everyone for an administrator, the team for a head), read from the
    users the permission check has read already (:func:`~letterpress.crm.supervision.members`)."""
    scope = report_manager_ids(session, viewer)
    people = [Person(m.id, m.login, m.name) for m in members(session).values()
              if m.active and m.id != viewer.id and (scope is None or m.id in scope)]
    people.sort(key=lambda p: (fold(p.display_name), p.login))
    return [Person.of(viewer), *people]


@dataclass(frozen=True)
class Item:
    """One event or task on a calendar page, with times in the company's time zone."""

    kind: str                     # "event" or "task"
    id: int
    subject: str
    details: str                  # the event's content or the task's description
    state: str
    start: dt.datetime            # local: the event's start or the task's due time
    end: dt.datetime | None       # local, events only
    event_kind: str | None
    counterparty_id: int | None
    counterparty_name: str | None
    overdue: bool

    @property
    def day(self) -> dt.date:
        return self.start.date()

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.id}"

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def clock(self) -> str:
        """The local start as «09:30»."""
        return self.start.strftime("%H:%M")

    @property
    def is_open(self) -> bool:
        return self.state in (EventState.PLANNED.value, *OPEN_TASK_STATES)


def overdue_events_clause(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Event.state == EventState.PLANNED.value, Event.start_at < now)


def overdue_tasks_clause(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Task.state.in_(OPEN_TASK_STATES), Task.due_at < now)


def calendar_events_clause(viewer: User) -> ColumnElement[bool]:
    return _calendar_events(visible_events_clause(viewer))


def _calendar_events(visible: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(Event.kind.in_(CALENDAR_EVENT_KINDS), Event.state.in_(EVENT_STATES), visible)


def calendar_tasks_clause() -> ColumnElement[bool]:
    # A task on a calendar is its assignee's; calendar_access has decided that the viewer may
    # see that calendar (task_watcher_ids gives the same people, one query dearer).
    return Task.state.in_(TASK_STATES)


_Rows = Select[*tuple[Any, ...]]
_ItemStatements = tuple[_Rows, _Rows]
# Built once per pair of permission clauses that are constants (true() or false(): what
# visible_*_clause give today); a clause made for one viewer is built into a fresh pair.
_STATEMENTS: dict[tuple[int, int], _ItemStatements] = {}
_CONSTANTS = (true(), false())


def _item_statements(viewer: User) -> _ItemStatements:
    """The events' and the tasks' statements of :func:`items`, with the parameters ``owner_id``,
    ``start`` and ``end``. Building them took longer than running them, so they are kept."""
    counterparties = visible_counterparties_clause(viewer)
    events = visible_events_clause(viewer)
    constant = all(any(c is k for k in _CONSTANTS) for c in (counterparties, events))
    key = (id(counterparties), id(events))
    found = _STATEMENTS.get(key) if constant else None
    if found is None:
        found = _build_item_statements(counterparties, events)
        if constant:
            _STATEMENTS[key] = found
    return found


def _build_item_statements(visible_counterparties: ColumnElement[bool],
                           visible_events: ColumnElement[bool]) -> _ItemStatements:
    owner: BindParameter[int] = bindparam("owner_id")
    start: BindParameter[dt.datetime] = bindparam("start")
    end: BindParameter[dt.datetime] = bindparam("end")
    event_rows = (
        select(Event.id, Event.subject, Event.content, Event.state, Event.start_at, Event.end_at,
               Event.kind, Event.counterparty_id, Counterparty.name)
        .outerjoin(Counterparty, and_(Counterparty.id == Event.counterparty_id,
                                      visible_counterparties))
        .where(Event.responsible_id == owner, Event.start_at >= start, Event.start_at < end,
               _calendar_events(visible_events))
    )
    task_rows = (
        select(Task.id, Task.subject, Task.description, Task.state, Task.due_at,
               Task.counterparty_id, Counterparty.name)
        .outerjoin(Counterparty, and_(Counterparty.id == Task.counterparty_id,
                                      visible_counterparties))
        .where(Task.assignee_id == owner, Task.due_at >= start, Task.due_at < end,
               calendar_tasks_clause())
    )
    return event_rows, task_rows


def items(
    session: Session, viewer: User, owner_id: int, start: dt.datetime, end: dt.datetime,
    tz: ZoneInfo, now: dt.datetime,
) -> list[Item]:
    """The owner's events and tasks in [start, end), by local time; the caller has asked
    :func:`calendar_owner`."""
    events, tasks = _item_statements(viewer)
    params = {"owner_id": owner_id, "start": start, "end": end}
    conn = session.connection()  # plain rows: the ORM's execution layer has nothing to add
    event_rows = conn.execute(events, params).all()
    task_rows = conn.execute(tasks, params).all()
    found: list[Item] = []
    planned = EventState.PLANNED.value
    for eid, subject, content, state, start_at, end_at, kind, cp_id, cp_name in event_rows:
        found.append(Item(
            "event", eid, subject, content, state, start_at.astimezone(tz),
            end_at.astimezone(tz) if end_at is not None else None, kind,
            cp_id if cp_name is not None else None, cp_name,
            state == planned and start_at < now,
        ))
    for tid, subject, description, state, due_at, cp_id, cp_name in task_rows:
        if due_at is None:  # not in the range; for the type checker
            continue
        found.append(Item(
            "task", tid, subject, description, state, due_at.astimezone(tz), None, None,
            cp_id if cp_name is not None else None, cp_name,
            state in OPEN_TASK_STATES and due_at < now,
        ))
    found.sort(key=lambda i: (i.start, i.kind != "event", i.id))
    return found


def by_day(found: list[Item]) -> dict[dt.date, list[Item]]:
    days: dict[dt.date, list[Item]] = {}
    for item in found:
        days.setdefault(item.day, []).append(item)
    return days


# --- picking a counterparty by name ------------------------------------------------------------

SUGGESTIONS = 10


def suggest_counterparties(session: Session, viewer: User, text: str) -> list[str]:
    """Names of visible counterparties containing ``text`` (for the form's datalist)."""
    folded = fold(text.strip())
    if len(folded) < 2:
        return []
    names = session.scalars(
        select(Counterparty.name)
        .where(visible_counterparties_clause(viewer),
               casefold(Counterparty.name).contains(folded, autoescape=True))
        .order_by(casefold(Counterparty.name)).limit(SUGGESTIONS)
    )
    return list(dict.fromkeys(names))


def find_counterparty(session: Session, viewer: User, text: str) -> list[int]:
    """Ids of the visible counterparties ``text`` names: an exact name (case and ё folded), else
    an INN, else a unique part of a name. One id is a match; none or several, the form says so."""
    text = text.strip()
    folded = fold(text)
    visible = visible_counterparties_clause(viewer)

    def ids(condition: ColumnElement[bool]) -> list[int]:
        return list(session.scalars(
            select(Counterparty.id).where(visible, condition).order_by(Counterparty.id).limit(2)
        ))

    found = ids(casefold(Counterparty.name) == folded)
    if not found and text.isdigit():
        found = ids(Counterparty.inn == text)
    if not found:
        found = ids(casefold(Counterparty.name).contains(folded, autoescape=True))
    return found
