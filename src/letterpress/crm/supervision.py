"""Who supervises whom: the users' supervisor links (with their logins, names and whether they
are active, for the pickers of people), read once per transaction.

A page asks the chain several times (may the viewer edit this event, merge this counterparty,
see that calendar, whose figures may the reports show); walking it with a statement per link,
each time, cost a card five statements. The links of all users are one small statement (a
company has tens of users, not thousands), kept in the session's ``info`` until the session
flushes, commits or rolls back: a change made in the transaction, or committed by another,
is seen by the next question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from letterpress.crm.model import User

_KEY = "letterpress.supervisors"


@dataclass(frozen=True, slots=True)
class Member:
    """A user as the chain and the people pickers need them: not an ORM object."""

    id: int
    supervisor_id: int | None
    login: str
    name: str
    active: bool


def members(session: Session) -> dict[int, Member]:
    """Every user by id, with their supervisor's id, read once per transaction (above)."""
    found: dict[int, Member] | None = session.info.get(_KEY)
    if found is None:
        found = {row[0]: Member(*row) for row in session.execute(
            select(User.id, User.supervisor_id, User.login, User.name, User.active))}
        session.info[_KEY] = found
    return found


def is_below(session: Session, head_id: int, user_id: int | None) -> bool:
    """``head_id`` is somewhere above ``user_id`` in the chain of supervisors."""
    links = members(session)
    seen: set[int] = set()
    current = user_id
    while current is not None and current not in seen:
        seen.add(current)
        member = links.get(current)
        current = member.supervisor_id if member is not None else None
        if current == head_id:
            return True
    return False


def subordinate_ids(session: Session, head_id: int) -> frozenset[int]:
    """Everyone whose chain of supervisors reaches ``head_id`` (not ``head_id`` itself)."""
    below: dict[int, list[int]] = {}
    for member in members(session).values():
        if member.supervisor_id is not None:
            below.setdefault(member.supervisor_id, []).append(member.id)
    found: set[int] = set()
    frontier = [head_id]
    while frontier:
        frontier = [u for s in frontier for u in below.get(s, ()) if u not in found and u != head_id]
        found.update(frontier)
    return frozenset(found)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_KEY, None)


for _moment in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _moment, _forget)
