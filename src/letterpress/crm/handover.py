"""Hand-over: when a manager leaves, one action passes their work to a successor.

Counterparties, open tasks and planned events move to the successor; the leaving manager's
personal mailboxes get a read grant for the successor, so the correspondence stays filed and
visible; the leaver is deactivated (their history keeps their name).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    Counterparty,
    Event,
    EventState,
    Mailbox,
    MailboxGrant,
    Task,
    TaskState,
    User,
)
from letterpress.crm.permissions import is_admin, is_head_of
from letterpress.crm.users import get_user
from letterpress.errors import PermissionDenied, ValidationError


@dataclass(frozen=True)
class HandoverResult:
    counterparties: int
    tasks: int
    events: int
    mailboxes: int


def hand_over(session: Session, actor: User, leaver_login: str, successor_login: str,
              *, deactivate: bool = True) -> HandoverResult:
    leaver = get_user(session, leaver_login)
    successor = get_user(session, successor_login)
    if leaver.id == successor.id:
        raise ValidationError("the successor must be someone else")
    if not successor.active:
        raise ValidationError(f"{successor.login} is not active")
    if not (is_admin(actor) or is_head_of(session, actor, leaver.id)):
        raise PermissionDenied(f"{actor.login} may not hand over the work of {leaver.login}")

    def count(result: object) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    cps = count(session.execute(
        update(Counterparty).where(Counterparty.manager_id == leaver.id)
        .values(manager_id=successor.id)))
    tasks = count(session.execute(
        update(Task).where(Task.assignee_id == leaver.id,
                           Task.state.in_([TaskState.OPEN.value, TaskState.IN_PROGRESS.value]))
        .values(assignee_id=successor.id)))
    events = count(session.execute(
        update(Event).where(Event.responsible_id == leaver.id,
                            Event.state == EventState.PLANNED.value)
        .values(responsible_id=successor.id)))
    boxes = list(session.scalars(select(Mailbox.id).where(Mailbox.owner_id == leaver.id)))
    for box_id in boxes:
        already = session.scalar(select(MailboxGrant.id).where(
            MailboxGrant.mailbox_id == box_id, MailboxGrant.user_id == successor.id,
            MailboxGrant.can_read.is_(True)))
        if already is None:
            session.add(MailboxGrant(mailbox_id=box_id, user_id=successor.id, can_read=True,
                                     source="handover"))
    if deactivate:
        leaver.active = False
    session.flush()
    return HandoverResult(counterparties=cps, tasks=tasks, events=events, mailboxes=len(boxes))
