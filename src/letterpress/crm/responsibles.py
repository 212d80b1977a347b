"""Who answers for a contact person: the one rule that birthdays, anniversaries and their calls use.

* a counterparty's contact person: the counterparty's manager;
* a personal contact: its owner;
* any other contact (or a counterparty without a manager): the heads of sales, or, where there
  is none, the administrators.

Only active users count.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import ContactPerson, Counterparty, Role, User


def fallback_users(session: Session) -> list[int]:
    heads = list(session.scalars(
        select(User.id).where(User.role == Role.HEAD.value, User.active.is_(True)).order_by(User.id)
    ))
    if heads:
        return heads
    return list(session.scalars(
        select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).order_by(User.id)
    ))


def responsible_for_contacts(session: Session, contact_ids: Iterable[int]) -> dict[int, list[int]]:
    """contact id -> the user ids responsible for it (first one: who gets the birthday call)."""
    ids = list(set(contact_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ContactPerson.id, ContactPerson.owner_id, Counterparty.manager_id)
        .outerjoin(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
        .where(ContactPerson.id.in_(ids))
    ).all()
    active = set(session.scalars(select(User.id).where(User.active.is_(True))))
    fallback: list[int] | None = None
    result: dict[int, list[int]] = {}
    for contact_id, owner_id, manager_id in rows:
        chosen = owner_id if owner_id is not None else manager_id
        if chosen is not None and chosen in active:
            result[contact_id] = [chosen]
            continue
        if owner_id is not None:  # a personal contact of an inactive user: nobody else's business
            result[contact_id] = []
            continue
        if fallback is None:
            fallback = fallback_users(session)
        result[contact_id] = list(fallback)
    return result


def contacts_of_user(session: Session, user_id: int) -> list[int]:
    """The contact persons ``user_id`` answers for (the inverse of the rule above)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return []
    ids = set(session.scalars(select(ContactPerson.id).where(ContactPerson.owner_id == user_id)))
    ids |= set(session.scalars(
        select(ContactPerson.id)
        .join(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
        .where(ContactPerson.owner_id.is_(None), Counterparty.manager_id == user_id)
    ))
    if user_id in fallback_users(session):
        inactive = select(User.id).where(User.active.is_(False))
        ids |= set(session.scalars(
            select(ContactPerson.id)
            .outerjoin(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
            .where(ContactPerson.owner_id.is_(None))
            .where((Counterparty.manager_id.is_(None)) | Counterparty.manager_id.in_(inactive))
        ))
    return sorted(ids)
