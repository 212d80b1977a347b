"""What the counterparty list and card show, read through the permission function.

The list filters, sorts and pages in SQL; the card gathers one counterparty's channels, contact
persons, events, open orders and recent documents. Views call these and render; they hold no
queries of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from letterpress.crm import ledger
from letterpress.crm.counterparties import completeness
from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    Direction,
    Event,
    EventState,
    Order,
    User,
)
from letterpress.crm.permissions import (
    MailPolicy,
    can_edit_event,
    can_view_contact,
    can_view_counterparty,
    history_events_clause,
    readable_letter_ids,
    visible_contacts_clause,
    visible_counterparties_clause,
)
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound, PermissionDenied
from letterpress.web.pagination import Page, paginate

SORT_KEYS: tuple[str, ...] = ("name", "kind", "inn", "city", "manager", "last_event")
NO_MANAGER = "none"
RECENT_DOCUMENTS = 10
HISTORY_PAGE = 50

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


# --- the card ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    """An event as the viewer may see it."""

    event: Event
    contact_name: str | None  # None also when the contact is someone else's personal one
    redacted: bool  # a letter the viewer has no right to read: subject and content hidden
    can_edit: bool


@dataclass
class Card:
    counterparty: Counterparty
    contacts: list[ContactPerson]
    planned: list[EventView]
    history: list[EventView]
    history_total: int
    open_orders: list[Order]
    documents: dict[str, list[Any]]  # orders, shipments, payments, invoices: newest first
    order_numbers: dict[int, str]  # of the orders the documents refer to
    completeness: float
    missing: list[str] = field(default_factory=list)


def visible_counterparty(
    session: Session, user: User, counterparty_id: int, *, options: Sequence[Any] = ()
) -> Counterparty:
    counterparty = session.scalar(
        select(Counterparty).where(Counterparty.id == counterparty_id).options(*options)
    )
    if counterparty is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if not can_view_counterparty(user, counterparty):
        raise PermissionDenied(f"{user.login} may not see counterparty #{counterparty_id}")
    return counterparty


def visible_contacts(session: Session, user: User, counterparty_id: int) -> list[ContactPerson]:
    return list(session.scalars(
        select(ContactPerson)
        .where(ContactPerson.counterparty_id == counterparty_id, visible_contacts_clause(user))
        .options(selectinload(ContactPerson.phones), selectinload(ContactPerson.emails))
        .order_by(casefold(ContactPerson.name), ContactPerson.id)
    ))


def _event_views(
    session: Session, user: User, events: Sequence[Event], policy: MailPolicy
) -> list[EventView]:
    letter_ids = {e.letter_id for e in events if e.letter_id is not None}
    readable = readable_letter_ids(session, user, letter_ids, policy)
    views = []
    for event in events:
        person = event.contact_person
        views.append(EventView(
            event=event,
            contact_name=person.name if person and can_view_contact(user, person) else None,
            redacted=event.letter_id is not None and event.letter_id not in readable,
            can_edit=can_edit_event(session, user, event),
        ))
    return views


def load_card(
    session: Session,
    user: User,
    counterparty_id: int,
    *,
    policy: MailPolicy,
    history_limit: int | None = HISTORY_PAGE,
) -> Card:
    counterparty = visible_counterparty(session, user, counterparty_id, options=(
        selectinload(Counterparty.phones), selectinload(Counterparty.emails),
        selectinload(Counterparty.addresses), selectinload(Counterparty.domains),
        selectinload(Counterparty.manager),
    ))

    events_of = and_(
        Event.counterparty_id == counterparty_id, history_events_clause(session, user, policy)
    )
    loaders = (selectinload(Event.contact_person), selectinload(Event.responsible),
               selectinload(Event.author))
    planned = session.scalars(
        select(Event).where(events_of, Event.state == EventState.PLANNED.value)
        .options(*loaders).order_by(Event.start_at, Event.id)
    ).all()
    history_stmt = select(Event).where(events_of, Event.state != EventState.PLANNED.value)
    history_total = session.scalar(
        select(func.count()).select_from(history_stmt.subquery())
    ) or 0
    history = session.scalars(
        history_stmt.options(*loaders)
        .order_by(Event.start_at.desc(), Event.id.desc()).limit(history_limit)
    ).all()

    open_orders = [
        order for direction in (Direction.CUSTOMER, Direction.SUPPLIER)
        for order in ledger.unfulfilled_orders(session, counterparty_id, direction=direction)
    ]
    documents = ledger.documents(session, counterparty_id, limit=RECENT_DOCUMENTS)
    order_ids = {doc.order_id for key in ("shipments", "payments", "invoices")
                 for doc in cast(list[Any], documents[key]) if doc.order_id is not None}
    order_numbers = dict(session.execute(
        select(Order.id, Order.number).where(Order.id.in_(order_ids))
    ).all()) if order_ids else {}
    share, missing = completeness(counterparty)
    return Card(
        counterparty=counterparty,
        contacts=visible_contacts(session, user, counterparty_id),
        planned=_event_views(session, user, planned, policy),
        history=_event_views(session, user, history, policy),
        history_total=history_total,
        open_orders=open_orders,
        documents=documents,
        order_numbers=order_numbers,
        completeness=share,
        missing=missing,
    )
