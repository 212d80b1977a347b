"""What the counterparty list and card show, read through the permission function.

The list filters, sorts and pages in SQL; the card (:mod:`.card`) starts from the counterparty
and contact persons found here. Views call these and render; they hold no queries of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    Event,
    EventState,
    User,
)
from letterpress.crm.permissions import (
    can_view_counterparty,
    visible_contacts_clause,
    visible_counterparties_clause,
)
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound, PermissionDenied
from letterpress.web.pagination import Page, paginate

SORT_KEYS: tuple[str, ...] = ("name", "kind", "inn", "city", "manager", "last_event")
NO_MANAGER = "none"

# A kind filter of "customer" also finds those who are customer and supplier at once.
_KIND_MATCHES: dict[str, tuple[str, ...]] = {
    CounterpartyKind.CUSTOMER: (CounterpartyKind.CUSTOMER, CounterpartyKind.BOTH),
    CounterpartyKind.SUPPLIER: (CounterpartyKind.SUPPLIER, CounterpartyKind.BOTH),
}


@dataclass(frozen=True)
class ListQuery:
    """The list's filters, sort and page, as read from the query string."""

    q: str = ""
    kind: str = ""
    manager: str = ""  # a user id, NO_MANAGER, or "" for everyone's
    city: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class ListRow:
    id: int
    name: str
    legal_name: str | None
    kind: str
    inn: str | None
    city: str | None
    manager: str | None
    phone: str | None
    email: str | None
    last_event_at: dt.datetime | None


def _manager_name() -> ColumnElement[Any]:
    return func.coalesce(func.nullif(User.name, ""), User.login)


def _text_filter(q: str) -> ColumnElement[bool]:
    folded = fold(q)
    clauses: list[ColumnElement[bool]] = [
        casefold(Counterparty.name).contains(folded, autoescape=True),
        casefold(Counterparty.legal_name).contains(folded, autoescape=True),
        exists().where(
            CounterpartyEmail.counterparty_id == Counterparty.id,
            CounterpartyEmail.email.contains(q.strip().lower(), autoescape=True),
        ),
    ]
    digits = re.sub(r"\s+", "", q)
    if digits.isdigit():
        clauses.append(Counterparty.inn.contains(digits, autoescape=True))
    return or_(*clauses)


def _list_filters(user: User, query: ListQuery) -> list[ColumnElement[bool]]:
    filters = [visible_counterparties_clause(user)]
    if query.q.strip():
        filters.append(_text_filter(query.q.strip()))
    if query.kind:
        filters.append(Counterparty.kind.in_(_KIND_MATCHES.get(query.kind, (query.kind,))))
    if query.manager == NO_MANAGER:
        filters.append(Counterparty.manager_id.is_(None))
    elif query.manager.isdigit():
        filters.append(Counterparty.manager_id == int(query.manager))
    if query.city:
        filters.append(Counterparty.city == query.city)
    return filters


def list_statement(user: User, query: ListQuery) -> Select[Any]:
    last_event = (
        select(func.max(Event.start_at))
        .where(Event.counterparty_id == Counterparty.id, Event.state == EventState.DONE.value)
        .correlate(Counterparty)
        .scalar_subquery()
    )
    first_phone = (
        select(CounterpartyPhone.value)
        .where(CounterpartyPhone.counterparty_id == Counterparty.id)
        .order_by(CounterpartyPhone.position, CounterpartyPhone.id)
        .limit(1)
        .correlate(Counterparty)
        .scalar_subquery()
    )
    first_email = (
        select(CounterpartyEmail.email)
        .where(CounterpartyEmail.counterparty_id == Counterparty.id)
        .order_by(CounterpartyEmail.position, CounterpartyEmail.id)
        .limit(1)
        .correlate(Counterparty)
        .scalar_subquery()
    )
    manager = _manager_name()
    stmt = (
        select(
            Counterparty.id, Counterparty.name, Counterparty.legal_name, Counterparty.kind,
            Counterparty.inn, Counterparty.city, manager.label("manager"),
            first_phone.label("phone"), first_email.label("email"),
            last_event.label("last_event_at"),
        )
        .outerjoin(User, User.id == Counterparty.manager_id)
        .where(*_list_filters(user, query))
    )
    sort_columns: dict[str, Any] = {
        "name": casefold(Counterparty.name),
        "kind": Counterparty.kind,
        "inn": Counterparty.inn,
        "city": casefold(Counterparty.city),
        "manager": casefold(manager),
        "last_event": last_event,
    }
    sort_column = sort_columns.get(query.sort, sort_columns["name"])
    ordered = sort_column.desc() if query.descending else sort_column.asc()
    # Empty values go last whichever way the column is sorted; the id keeps pages stable.
    return stmt.order_by(ordered.nulls_last(), Counterparty.id)


def list_counterparties(
    session: Session, user: User, query: ListQuery, page_size: int
) -> Page[ListRow]:
    # Counting needs the filters only, not the per-row subqueries of the page itself.
    count = select(func.count(Counterparty.id)).where(*_list_filters(user, query))
    page = paginate(session, list_statement(user, query), query.page, page_size, count=count)
    rows = [ListRow(**row._asdict()) for row in page.items]
    return Page(items=rows, total=page.total, number=page.number, size=page.size)


@dataclass(frozen=True)
class FilterOptions:
    managers: Sequence[tuple[int, str]]
    cities: Sequence[str]


def filter_options(session: Session) -> FilterOptions:
    managers = session.execute(
        select(User.id, _manager_name()).where(User.active.is_(True))
        .order_by(casefold(_manager_name()))
    ).all()
    cities = session.scalars(
        select(Counterparty.city).where(Counterparty.city.is_not(None)).distinct()
    ).all()
    return FilterOptions(
        managers=[(row[0], row[1]) for row in managers],
        cities=sorted((c for c in cities if c), key=fold),
    )


# --- one counterparty: the card, its forms and the merge pages start here ------------------


def visible_counterparty(
    session: Session, user: User, counterparty_id: int, *, options: Sequence[Any] = ()
) -> Counterparty:
    counterparty = session.execute(
        select(Counterparty).where(Counterparty.id == counterparty_id).options(*options)
    ).unique().scalar_one_or_none()
    if counterparty is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if not can_view_counterparty(user, counterparty):
        raise PermissionDenied(f"{user.login} may not see counterparty #{counterparty_id}")
    return counterparty


def visible_contacts(session: Session, user: User, counterparty_id: int) -> list[ContactPerson]:
    return list(session.scalars(
        select(ContactPerson)
        .where(ContactPerson.counterparty_id == counterparty_id, visible_contacts_clause(user))
        # joined: a counterparty's contact persons have a phone or two and an e-mail or two
        .options(joinedload(ContactPerson.phones), joinedload(ContactPerson.emails))
        .order_by(casefold(ContactPerson.name), ContactPerson.id)
    ).unique())
