"""The workload of a head's team for one week (загрузка сотрудников): per person and day, how
many events and tasks are on the calendar and how many of them are overdue, plus each person's
overdue total of any date.

Counted in SQL: the day of an item is a ``CASE`` over the week's eight local midnights (as UTC
instants), so the buckets are exact in any time zone and across daylight-saving changes, on
SQLite and PostgreSQL alike. Four grouped queries whatever the size of the team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import Event, Task, User
from letterpress.web.calendar.queries import (
    Person,
    calendar_events_clause,
    calendar_tasks_clause,
    overdue_events_clause,
    overdue_tasks_clause,
)


@dataclass
class Cell:
    events: int = 0
    tasks: int = 0
    overdue: int = 0

    @property
    def empty(self) -> bool:
        return not (self.events or self.tasks)


@dataclass
class Row:
    user: Person
    days: list[Cell]
    overdue_total: int = 0
    week: Cell = field(default_factory=Cell)


def _day_index(column: Any, bounds: list[dt.datetime]) -> ColumnElement[int]:
    """0..n-1: which of the days bounded by ``bounds`` the instant in ``column`` falls on."""
    return case(*((column < bounds[i + 1], i) for i in range(len(bounds) - 2)),
                else_=len(bounds) - 2)


def workload(
    session: Session, viewer: User, people: list[Person], bounds: list[dt.datetime],
    now: dt.datetime,
) -> list[Row]:
    """One row per person in ``people`` (whom the caller has chosen through the permission
    function) for the days ``bounds`` delimits (see :func:`periods.day_bounds`)."""
    ids = [p.id for p in people]
    rows = {p.id: Row(p, [Cell() for _ in range(len(bounds) - 1)]) for p in people}
    if not ids:
        return []
    start, end = bounds[0], bounds[-1]

    events = select(
        Event.responsible_id.label("uid"), _day_index(Event.start_at, bounds).label("day"),
        case((overdue_events_clause(now), 1), else_=0).label("late"),
    ).where(Event.responsible_id.in_(ids), Event.start_at >= start, Event.start_at < end,
            calendar_events_clause(viewer)).subquery()
    for uid, day, count, late in session.execute(
        select(events.c.uid, events.c.day, func.count(), func.sum(events.c.late))
        .group_by(events.c.uid, events.c.day)
    ).all():
        cell = rows[uid].days[day]
        cell.events += count
        cell.overdue += int(late or 0)

    tasks = select(
        Task.assignee_id.label("uid"), _day_index(Task.due_at, bounds).label("day"),
        case((overdue_tasks_clause(now), 1), else_=0).label("late"),
    ).where(Task.assignee_id.in_(ids), Task.due_at >= start, Task.due_at < end,
            calendar_tasks_clause()).subquery()
    for uid, day, count, late in session.execute(
        select(tasks.c.uid, tasks.c.day, func.count(), func.sum(tasks.c.late))
        .group_by(tasks.c.uid, tasks.c.day)
    ).all():
        cell = rows[uid].days[day]
        cell.tasks += count
        cell.overdue += int(late or 0)

    for uid, count in session.execute(
        select(Event.responsible_id, func.count())
        .where(Event.responsible_id.in_(ids), overdue_events_clause(now),
               calendar_events_clause(viewer))
        .group_by(Event.responsible_id)
    ).all():
        if uid is not None:  # always: the query asks for these ids
            rows[uid].overdue_total += count
    for uid, count in session.execute(
        select(Task.assignee_id, func.count())
        .where(Task.assignee_id.in_(ids), overdue_tasks_clause(now), calendar_tasks_clause())
        .group_by(Task.assignee_id)
    ).all():
        rows[uid].overdue_total += count

    for row in rows.values():
        row.week = Cell(sum(c.events for c in row.days), sum(c.tasks for c in row.days),
                        sum(c.overdue for c in row.days))
    return [rows[p.id] for p in people]
