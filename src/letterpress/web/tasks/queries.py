"""What the task pages read: a page of tasks, one task, whom a user may set tasks to.

Every read goes through :func:`~letterpress.crm.permissions.visible_tasks_clause` (tasks are
not shared: one's own, and for a head their team's) and shows a task's counterparty only where
:func:`~letterpress.crm.permissions.can_view_counterparty` allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from letterpress.crm.model import Counterparty, Task, TaskState, User
from letterpress.crm.permissions import (
    can_edit_task,
    can_view_counterparty,
    task_watcher_ids,
    visible_counterparties_clause,
    visible_tasks_clause,
)
from letterpress.db.casefold import casefold, fold
from letterpress.web.pagination import Page, paginate

TABS = ("mine", "set", "team")
FILTERS = ("open", "overdue", "done", "all")
OPEN_STATES = (TaskState.OPEN.value, TaskState.IN_PROGRESS.value)
CLOSED_STATES = (TaskState.DONE.value, TaskState.CANCELLED.value)
MATCHES_SHOWN = 5


@dataclass(frozen=True)
class TaskQuery:
    tab: str = "mine"
    show: str = "open"
    page: int = 1


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    counterparty: Counterparty | None  # None also when the viewer may not see it


@dataclass(frozen=True)
class TaskTabs:
    """Which tabs the viewer gets, and the counts on the filter links of the current tab."""

    tabs: tuple[str, ...]
    open: int
    overdue: int


def _open() -> ColumnElement[bool]:
    return Task.state.in_(OPEN_STATES)


def _overdue(now: dt.datetime) -> ColumnElement[bool]:
    return and_(_open(), Task.due_at.is_not(None), Task.due_at < now)


def _tab_clause(user: User, tab: str) -> ColumnElement[bool] | None:
    if tab == "mine":
        return Task.assignee_id == user.id
    if tab == "set":
        return Task.curator_id == user.id
    return None  # the team: everything the permission function lets the viewer see


def _filter_clause(show: str, now: dt.datetime) -> ColumnElement[bool] | None:
    if show == "open":
        return _open()
    if show == "overdue":
        return _overdue(now)
    if show == "done":
        return Task.state.in_(CLOSED_STATES)
    return None


def _base(session: Session, user: User, tab: str) -> Select[Any]:
    stmt = select(Task).where(visible_tasks_clause(session, user))
    clause = _tab_clause(user, tab)
    return stmt if clause is None else stmt.where(clause)


def available_tabs(session: Session, user: User) -> tuple[str, ...]:
    """"Assigned to me" always; "set by me" for whoever may set tasks or has set some; "team"
    for whoever sees more tasks than their own (a head, an administrator)."""
    tabs = ["mine"]
    watched = task_watcher_ids(session, user)
    curates = session.scalar(select(Task.id).where(Task.curator_id == user.id).limit(1))
    if watched is None or len(watched) > 1 or curates is not None:
        tabs.append("set")
    if watched is None or len(watched) > 1:
        tabs.append("team")
    return tuple(tabs)


def tab_counts(session: Session, user: User, tab: str, now: dt.datetime,
               tabs: tuple[str, ...]) -> TaskTabs:
    inner = _base(session, user, tab).with_only_columns(Task.state, Task.due_at).subquery()
    open_ = inner.c.state.in_(OPEN_STATES)
    row = session.execute(select(
        func.coalesce(func.sum(case((open_, 1), else_=0)), 0),
        func.coalesce(func.sum(case(
            (and_(open_, inner.c.due_at.is_not(None), inner.c.due_at < now), 1), else_=0)), 0),
    )).one()
    return TaskTabs(tabs=tabs, open=int(row[0]), overdue=int(row[1]))


def list_tasks(session: Session, user: User, query: TaskQuery, now: dt.datetime,
               size: int) -> Page[TaskRow]:
    """A page of the tab's tasks under the filter, by due date (undated last); closed tasks
    newest due date first, since that is what one looks for among them."""
    stmt = _base(session, user, query.tab)
    clause = _filter_clause(query.show, now)
    if clause is not None:
        stmt = stmt.where(clause)
    count = select(func.count()).select_from(stmt.subquery())
    due = Task.due_at.desc() if query.show == "done" else Task.due_at.asc()
    stmt = stmt.order_by(Task.due_at.is_(None), due, Task.id).options(
        selectinload(Task.assignee), selectinload(Task.curator), selectinload(Task.counterparty))
    page = paginate(session, stmt, query.page, size, count=count)
    rows = [_row(user, r[0], now) for r in page.items]
    return Page(items=rows, total=page.total, number=page.number, size=page.size)


def _row(user: User, task: Task, now: dt.datetime) -> TaskRow:
    counterparty = task.counterparty
    if counterparty is not None and not can_view_counterparty(user, counterparty):
        counterparty = None
    overdue = task.state in OPEN_STATES and task.due_at is not None and task.due_at < now
    return TaskRow(task=task, overdue=overdue, counterparty=counterparty)


@dataclass(frozen=True)
class TaskView:
    row: TaskRow
    can_complete: bool


def load_task(session: Session, user: User, task_id: int, now: dt.datetime) -> TaskView | None:
    """The task if the viewer may see it, else None (the page answers 404 either way)."""
    task = session.scalar(
        select(Task).where(Task.id == task_id, visible_tasks_clause(session, user))
        .options(selectinload(Task.assignee), selectinload(Task.curator),
                 selectinload(Task.counterparty)))
    if task is None:
        return None
    return TaskView(row=_row(user, task, now),
                    can_complete=task.state in OPEN_STATES and can_edit_task(session, user, task))


# --- setting a task ---------------------------------------------------------------------------


def assignable_users(session: Session, user: User) -> list[User]:
    """Whom ``user`` may set a task to other than themselves (:func:`can_set_task`: a head their
    subordinates, an administrator every active user); a manager without subordinates gets
    nobody."""
    if not user.active:
        return []
    watched = task_watcher_ids(session, user)
    stmt = select(User).where(User.active.is_(True))
    if watched is not None:
        others = watched - {user.id}
        if not others:
            return []
        stmt = stmt.where(User.id.in_(others))
    return list(session.scalars(stmt.order_by(casefold(func.coalesce(
        func.nullif(User.name, ""), User.login)), User.id)))


@dataclass(frozen=True)
class CounterpartyMatch:
    found: Counterparty | None
    candidates: Sequence[str]  # names, when the text fits several (at most MATCHES_SHOWN)


def find_counterparty(session: Session, user: User, text: str) -> CounterpartyMatch:
    """The visible counterparty ``text`` names: by INN, by the whole name, or by the only name
    that contains it."""
    text = text.strip()
    visible = visible_counterparties_clause(user)
    if text.isdigit():
        by_inn = session.scalars(select(Counterparty).where(visible, Counterparty.inn == text)
                                 .limit(2)).all()
        if len(by_inn) == 1:
            return CounterpartyMatch(by_inn[0], ())
    folded = fold(text)
    exact = session.scalars(select(Counterparty).where(
        visible, or_(casefold(Counterparty.name) == folded,
                     casefold(Counterparty.legal_name) == folded)).limit(2)).all()
    if len(exact) == 1:
        return CounterpartyMatch(exact[0], ())
    near = session.scalars(select(Counterparty).where(
        visible, or_(casefold(Counterparty.name).contains(folded, autoescape=True),
                     casefold(Counterparty.legal_name).contains(folded, autoescape=True)))
        .order_by(casefold(Counterparty.name), Counterparty.id).limit(MATCHES_SHOWN + 1)).all()
    if len(near) == 1:
        return CounterpartyMatch(near[0], ())
    return CounterpartyMatch(None, [c.name for c in near])


def visible_counterparty(session: Session, user: User, counterparty_id: int) -> Counterparty | None:
    counterparty = session.get(Counterparty, counterparty_id)
    if counterparty is None or not can_view_counterparty(user, counterparty):
        return None
    return counterparty
