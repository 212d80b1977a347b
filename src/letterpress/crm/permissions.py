"""The permission function: one place that decides who may see and change what.

Every view, search, DAV collection, export and report asks here. Rules (see DESIGN, "Access
rights"): counterparties, their contact persons, orders and the event history are shared by all
active users; personal contacts belong to their owner; changing a counterparty is for its
responsible manager, that manager's heads, and administrators; letters are decided by the mail
layer's grants (added with mail ingestion) and exposed here as SQL filters so that searches and
lists page correctly.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from letterpress.crm.model import ContactPerson, Counterparty, Event, Role, Task, User


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value


def is_head_of(session: Session, head: User, user_id: int | None) -> bool:
    """True when ``head`` is somewhere above ``user_id`` in the supervision chain."""
    seen: set[int] = set()
    current = user_id
    while current is not None and current not in seen:
        seen.add(current)
        current = session.scalar(select(User.supervisor_id).where(User.id == current))
        if current == head.id:
            return True
    return False


def can_view_counterparty(user: User, counterparty: Counterparty) -> bool:
    return user.active


def can_edit_counterparty(session: Session, user: User, counterparty: Counterparty) -> bool:
    if not user.active:
        return False
    if is_admin(user) or counterparty.manager_id in (None, user.id):
        return True
    return is_head_of(session, user, counterparty.manager_id)


def visible_contacts_clause(user: User) -> ColumnElement[bool]:
    """SQL filter: contact persons ``user`` may see (shared ones and their own personal ones)."""
    if not user.active:
        return false()
    return or_(ContactPerson.owner_id.is_(None), ContactPerson.owner_id == user.id)


def can_view_contact(user: User, contact: ContactPerson) -> bool:
    return user.active and (contact.owner_id is None or contact.owner_id == user.id)


def visible_events_clause(user: User) -> ColumnElement[bool]:
    """Events are part of the shared history; letters' content is guarded by the mail rules."""
    return true() if user.active else false()


def can_edit_event(session: Session, user: User, event: Event) -> bool:
    if not user.active:
        return False
    if is_admin(user) or user.id in (event.author_id, event.responsible_id):
        return True
    return is_head_of(session, user, event.responsible_id)


def can_view_calendar_of(session: Session, user: User, owner_id: int) -> bool:
    """A user sees their own calendar; a head sees their subordinates' (read-only)."""
    if not user.active:
        return False
    return user.id == owner_id or is_admin(user) or is_head_of(session, user, owner_id)


def can_edit_task(session: Session, user: User, task: Task) -> bool:
    if not user.active:
        return False
    if is_admin(user) or user.id in (task.assignee_id, task.curator_id):
        return True
    return is_head_of(session, user, task.assignee_id)
