"""Tasks set by a curator: create, complete with a result, list what is due."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Order, Task, TaskState, User
from letterpress.crm.permissions import can_edit_task, can_set_task
from letterpress.db.types import utcnow
from letterpress.errors import NotFound, PermissionDenied, ValidationError


def set_task(
    session: Session,
    *,
    curator: User,
    assignee_id: int,
    subject: str,
    due_at: dt.datetime | None = None,
    description: str = "",
    counterparty_id: int | None = None,
    order_id: int | None = None,
    uid: str | None = None,
) -> Task:
    if not subject.strip():
        raise ValidationError("a task needs a subject", field="subject")
    if due_at is not None and due_at.tzinfo is None:
        raise ValidationError("due_at: a time without a time zone is ambiguous", field="due_at")
    if session.get(User, assignee_id) is None:
        raise NotFound(f"no user #{assignee_id}")
    if not can_set_task(session, curator, assignee_id):
        raise PermissionDenied(f"{curator.login} may not set tasks to user #{assignee_id}")
    if counterparty_id is not None and session.get(Counterparty, counterparty_id) is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if order_id is not None and session.get(Order, order_id) is None:
        raise NotFound(f"no order #{order_id}")
    task = Task(
        subject=subject.strip(), description=description, curator_id=curator.id,
        assignee_id=assignee_id, due_at=due_at, counterparty_id=counterparty_id,
        order_id=order_id, uid=uid or f"{uuid.uuid4()}@letterpress",
    )
    session.add(task)
    session.flush()
    return task


def complete_task(session: Session, user: User, task_id: int, result: str = "") -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task #{task_id}")
    if not can_edit_task(session, user, task):
        raise PermissionDenied(f"{user.login} may not change task #{task_id}")
    task.state = TaskState.DONE.value
    task.result = result
    task.completed_at = utcnow()
    session.flush()
    return task


def open_tasks(session: Session, assignee_id: int, *, due_before: dt.datetime | None = None) -> list[Task]:
    query = select(Task).where(
        Task.assignee_id == assignee_id,
        Task.state.in_([TaskState.OPEN.value, TaskState.IN_PROGRESS.value]),
    )
    if due_before is not None:
        query = query.where(Task.due_at <= due_before)
    return list(session.scalars(query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)))
