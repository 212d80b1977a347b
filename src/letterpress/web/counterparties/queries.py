"""What the counterparty list and card show, read through the permission function.

The list filters, sorts and pages in SQL; the card gathers one counterparty's channels, contact
persons, events, open orders and recent documents. Views call these and render; they hold no
queries of their own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

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
    can_view_contact,
    can_view_counterparty,
    event_editor,
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
HISTORY_PAGE = 20  # events of the history on one page of the card
PLANNED_SHOWN = 20  # planned events on the card, soonest first

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
    planned: list[EventView]  # the soonest PLANNED_SHOWN
    planned_total: int
    history: Page[EventView]  # one page, newest first
    open_orders: list[Order]
    documents: dict[str, list[Any]]  # orders, shipments, payments, invoices: newest first
    order_numbers: dict[int, str]  # of the orders the documents refer to
    completeness: float
    missing: list[str] = field(default_factory=list)


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
        .options(selectinload(ContactPerson.phones), selectinload(ContactPerson.emails))
        .order_by(casefold(ContactPerson.name), ContactPerson.id)
    ))


def _event_views(
    session: Session, user: User, events: Sequence[Event], policy: MailPolicy,
    mailbox_ids: set[int] | None, known: Sequence[ContactPerson | User] = (),
) -> list[EventView]:
    """Views of ``events`` with their responsible users and contact persons attached (those in
    ``known`` without asking the database again)."""
    letter_ids = {e.letter_id for e in events if e.letter_id is not None}
    readable = readable_letter_ids(session, user, letter_ids, policy, mailbox_ids=mailbox_ids)
    _attach(session, events, "responsible", User, "responsible_id", known)
    _attach(session, events, "contact_person", ContactPerson, "contact_person_id", known)
    can_edit = event_editor(session, user)
    views = []
    for event in events:
        person = event.contact_person
        views.append(EventView(
            event=event,
            contact_name=person.name if person and can_view_contact(user, person) else None,
            redacted=event.letter_id is not None and event.letter_id not in readable,
            can_edit=can_edit(event),
        ))
    return views


def _attach(session: Session, objects: Sequence[Any], attribute: str,
            model: type[User | ContactPerson], key: str,
            known: Sequence[ContactPerson | User] = ()) -> None:
    """Set ``<object>.<attribute>`` (a many-to-one to ``model`` by ``<object>.<key>``) on all
    ``objects`` with at most one query for the rows not in ``known``: ``selectinload`` would
    ask once per list, and the card has several."""
    found: dict[int, Any] = {row.id: row for row in known if isinstance(row, model)}
    missing = {getattr(o, key) for o in objects} - {None} - found.keys()
    if missing:
        rows = session.scalars(select(model).where(model.id.in_(missing))).all()
        found.update((row.id, row) for row in cast("Sequence[User | ContactPerson]", rows))
    for event in objects:
        set_committed_value(event, attribute, found.get(getattr(event, key)))


def _page_of_event(session: Session, history: ColumnElement[bool], event_id: int,
                   size: int) -> int:
    """The history page that shows ``event_id`` (1 when it is not in this history)."""
    event = session.get(Event, event_id)
    if event is None:
        return 1
    newer = session.scalar(select(func.count()).select_from(Event).where(
        history, or_(Event.start_at > event.start_at,
                     and_(Event.start_at == event.start_at, Event.id > event.id)))) or 0
    return newer // size + 1


def load_card(
    session: Session,
    user: User,
    counterparty_id: int,
    *,
    policy: MailPolicy,
    history_page: int = 1,
    history_event: int | None = None,
    history_all: bool = False,
    mailbox_ids: set[int] | None = None,
) -> Card:
    """The card with one page of the event history (:data:`HISTORY_PAGE` events, newest first):
    page ``history_page``, or the page holding event ``history_event``; every event with
    ``history_all``. Planned events: the :data:`PLANNED_SHOWN` soonest. ``mailbox_ids``:
    :func:`~letterpress.crm.permissions.readable_mailbox_ids`, when the caller has asked."""
    # The channels in one query: a counterparty has a few of each, so the joined rows are few.
    counterparty = visible_counterparty(session, user, counterparty_id, options=(
        joinedload(Counterparty.phones), joinedload(Counterparty.emails),
        joinedload(Counterparty.addresses), joinedload(Counterparty.domains),
    ))

    events_of = and_(
        Event.counterparty_id == counterparty_id, history_events_clause(session, user, policy)
    )
    planned_filter = and_(events_of, Event.state == EventState.PLANNED.value)
    planned = session.scalars(
        select(Event).where(planned_filter)
        .order_by(Event.start_at, Event.id).limit(PLANNED_SHOWN)
    ).all()
    # count(*), not count(id): the index on (counterparty, start, state) answers alone.
    planned_total = len(planned) if len(planned) < PLANNED_SHOWN else session.scalar(
        select(func.count()).select_from(Event).where(planned_filter)) or 0
    history_filter = and_(events_of, Event.state != EventState.PLANNED.value)
    history_total = session.scalar(
        select(func.count()).select_from(Event).where(history_filter)) or 0
    size = max(history_total, 1) if history_all else HISTORY_PAGE
    if history_event is not None:
        history_page = _page_of_event(session, history_filter, history_event, size)
    number = min(max(1, history_page), max(1, math.ceil(history_total / size)))
    history = session.scalars(
        select(Event).where(history_filter)
        .order_by(Event.start_at.desc(), Event.id.desc())
        .limit(size).offset((number - 1) * size)
    ).all()

    open_orders = [
        order for direction in (Direction.CUSTOMER, Direction.SUPPLIER)
        for order in ledger.unfulfilled_orders(session, counterparty_id, direction=direction)
    ]
    documents = ledger.documents(session, counterparty_id, limit=RECENT_DOCUMENTS)
    order_ids = {doc.order_id for key in ("shipments", "payments", "invoices")
                 for doc in cast(list[Any], documents[key]) if doc.order_id is not None}
    loaded = [*open_orders, *cast(list[Order], documents["orders"])]
    order_numbers = {o.id: o.number for o in loaded if o.id in order_ids}
    if order_ids - order_numbers.keys():
        order_numbers.update(session.execute(select(Order.id, Order.number).where(
            Order.id.in_(order_ids - order_numbers.keys()))).all())
    share, missing = completeness(counterparty)
    contacts = visible_contacts(session, user, counterparty_id)
    events = [*planned, *history]
    # The responsible manager and the events' people: one query for the users, none for the
    # contact persons the card lists anyway.
    user_ids = {counterparty.manager_id, *(e.responsible_id for e in events)} - {None}
    people = list(session.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else []
    _attach(session, [counterparty], "manager", User, "manager_id", people)
    views = _event_views(session, user, events, policy, mailbox_ids, known=[*contacts, *people])
    return Card(
        counterparty=counterparty,
        contacts=contacts,
        planned=views[:len(planned)],
        planned_total=planned_total,
        history=Page(items=views[len(planned):], total=history_total, number=number, size=size),
        open_orders=open_orders,
        documents=documents,
        order_numbers=order_numbers,
        completeness=share,
        missing=missing,
    )
