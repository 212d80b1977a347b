"""What the counterparty card shows (полная информация о клиенте), read through the permission
function in a dozen statements whatever the counterparty's size.

The card gathers the counterparty with its channels, its contact persons, the soonest planned
events and one page of the event history, the unfulfilled orders, the newest documents of each
kind and the counts of these and of its letters. Each of those is one statement (the counts
with the counterparty, the channels with the contact persons and theirs, the planned events with
the history page, the unfulfilled orders with the four kinds of documents and the numbers of
their orders), and which of the events' letters the viewer may read is asked once; its classes
and stage, now and per stored period, are one more
(:func:`~letterpress.crm.analytics.history.class_history`). The newest
threads of the correspondence, the one part whose cost grows with the counterparty's mail (an
aggregate over all its letters), are a panel of their own that the card loads after itself
(``routes.recent_threads``, :func:`~letterpress.web.counterparties.correspondence.recent_letters`).

Events and documents are read as rows (:class:`EventRow`, :class:`Document`), not ORM objects:
the card only shows them, and building, tracking and expiring forty events and eighty
documents as ORM objects cost more than asking for them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import True_

from letterpress.config import AnalyticsSettings
from letterpress.crm import ledger
from letterpress.crm.analytics.history import ClassHistory, class_history
from letterpress.crm.counterparties import completeness
from letterpress.crm.model import (
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyPhone,
    Event,
    EventState,
    Invoice,
    Order,
    Payment,
    Shipment,
    User,
)
from letterpress.crm.permissions import (
    MailPolicy,
    can_view_contact,
    event_editor,
    history_events_clause,
    readable_letter_ids,
)
from letterpress.db.casefold import casefold
from letterpress.db.types import Money
from letterpress.web.counterparties import correspondence
from letterpress.web.counterparties.queries import visible_counterparty_row
from letterpress.web.pagination import Page

RECENT_DOCUMENTS = 10
HISTORY_PAGE = 20  # events of the history on one page of the card
PLANNED_SHOWN = 20  # planned events on the card, soonest first


# What the card shows of an event: the columns of EventRow.
_EVENT_COLUMNS: tuple[Any, ...] = (
    Event.id, Event.kind, Event.state, Event.start_at, Event.end_at, Event.counterparty_id,
    Event.contact_person_id, Event.author_id, Event.responsible_id, Event.subject,
    Event.content, Event.letter_id,
)
# An event's row: the attributes of Event named in _EVENT_COLUMNS (a Row of them).
EventRow = Row[Any]


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as the viewer may see it."""

    event: EventRow
    responsible_name: str | None
    contact_name: str | None  # None also when the contact is someone else's personal one
    redacted: bool  # a letter the viewer has no right to read: subject and content hidden
    can_edit: bool


@dataclass(frozen=True, slots=True)
class Channel:
    """A phone, e-mail, address or mail domain of the counterparty or of a contact person:
    ``value`` the number, address or domain, ``label`` its note ("mobile", "warehouse")."""

    value: str
    label: str | None = None

    @property
    def email(self) -> str:
        return self.value

    @property
    def domain(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CardContact:
    """A contact person of the card (one the viewer may see), with the phones and e-mails."""

    id: int
    name: str
    position: str | None
    birthday: dt.date | None
    owner_id: int | None  # a personal contact's owner; None: shared
    phones: list[Channel] = field(default_factory=list)
    emails: list[Channel] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Document:
    """A row of the card's documents: an order, shipment, payment or invoice, with the number
    of the order it belongs to, or an unfulfilled order with its planned dates and its
    ``place`` among them (fields a kind lacks are None)."""

    kind: str  # orders | shipments | payments | invoices | open_orders
    id: int
    number: str | None
    date: dt.date
    direction: str | None
    state: str | None
    amount: Decimal
    paid: Decimal | None
    currency: str
    due: dt.date | None
    order_id: int | None
    order_number: str | None
    planned_shipment: dt.date | None
    planned_payment: dt.date | None
    place: int | None


@dataclass
class Card:
    counterparty: Counterparty
    phones: list[Channel]  # the counterparty's, in their order
    emails: list[Channel]
    addresses: list[Channel]
    domains: list[Channel]
    contacts: list[CardContact]  # by name, whatever the case
    planned: list[EventView]  # the soonest PLANNED_SHOWN
    planned_total: int
    history: Page[EventView]  # one page, newest first
    open_orders: list[Document]  # customers' first, then by planned execution (ledger's order)
    documents: dict[str, list[Document]]  # orders, shipments, payments, invoices: newest first
    order_numbers: dict[int, str]  # of the orders the documents refer to
    completeness: float
    letters: int  # letters filed to the counterparty that the viewer is shown
    classes: ClassHistory  # ABC, XYZ and stage: now and per stored period
    users: dict[int, User]  # the people the card names: the managers of the stage changes
    missing: list[str] = field(default_factory=list)


def _count(*where: ColumnElement[bool]) -> Any:
    # count(*), not count(id): the index on (counterparty, start, state) answers alone.
    return select(func.count()).select_from(Event).where(*where).scalar_subquery()


@dataclass(frozen=True)
class _EventStatements:
    """The card's statements on a counterparty's events for a history filter, by the bound
    parameter ``counterparty_id`` (and ``size`` and ``offset``, the history page's)."""

    planned: ColumnElement[bool]  # the counterparty's planned events
    history: ColumnElement[bool]  # and those of its history
    counterparty: Select[Any]  # the counterparty and the counts of both and of its letters
    events: Select[Any]  # the soonest planned events and one page of the history


def _event_statements(visible: ColumnElement[bool], letters: Select[Any]) -> _EventStatements:
    """``visible``: :func:`~letterpress.crm.permissions.history_events_clause`; ``letters``:
    the count of the letters (:func:`.correspondence.letter_count_query`)."""
    counterparty = bindparam("counterparty_id", type_=Integer)
    events_of = and_(Event.counterparty_id == counterparty, visible)
    planned = and_(events_of, Event.state == EventState.PLANNED.value)
    history = and_(events_of, Event.state != EventState.PLANNED.value)
    # The ids of each part (each by its index), then the events of both; each part as a
    # derived table: SQLite allows no LIMIT inside a compound's members.
    ids = union_all(*(select(part.subquery().c.id) for part in (
        select(Event.id).where(planned).order_by(Event.start_at, Event.id).limit(PLANNED_SHOWN),
        select(Event.id).where(history).order_by(Event.start_at.desc(), Event.id.desc())
        .limit(bindparam("size")).offset(bindparam("offset")),
    )))
    return _EventStatements(
        planned=planned, history=history,
        counterparty=select(Counterparty, _count(planned), _count(history),
                            letters.scalar_subquery()).where(Counterparty.id == counterparty),
        events=select(*_EVENT_COLUMNS).where(Event.id.in_(ids)),
    )


@functools.lru_cache(maxsize=4)
def _shared_event_statements(policy: MailPolicy) -> _EventStatements:
    """:func:`_event_statements` when the whole history is everyone's (the policy keeps the
    events of letters one may not read, :data:`MailPolicy.history_visible_without_rights`
    "exists"): then neither filter depends on the viewer, and the statements are built once
    (building them costs more than running them, as :func:`_documents_statement`)."""
    # The history filter is then true() (_statements_for has seen it), and the count of the
    # letters reads neither the viewer nor the database.
    return _event_statements(true(), correspondence.letter_count_query(
        cast(Session, None), cast(User, None), bindparam("counterparty_id"), policy))


def _statements_for(session: Session, user: User, policy: MailPolicy,
                    mailbox_ids: set[int] | None) -> _EventStatements:
    visible = history_events_clause(session, user, policy)
    if policy.history_visible_without_rights == "exists" and isinstance(visible, True_):
        return _shared_event_statements(policy)
    return _event_statements(visible, correspondence.letter_count_query(
        session, user, bindparam("counterparty_id"), policy, mailbox_ids=mailbox_ids))


def _page_of_event(session: Session, history: ColumnElement[bool], event_id: int,
                   size: int, params: dict[str, Any]) -> int:
    """The history page that shows ``event_id`` (1 when it is not in this history)."""
    event = session.get(Event, event_id)
    if event is None:
        return 1
    newer = session.scalar(select(func.count()).select_from(Event).where(
        history, or_(Event.start_at > event.start_at,
                     and_(Event.start_at == event.start_at, Event.id > event.id))),
        params) or 0
    return newer // size + 1


def _events(session: Session, statement: Select[Any], counterparty_id: int, *,
            planned_total: int, history_total: int, size: int,
            offset: int) -> tuple[list[EventRow], list[EventRow]]:
    """The soonest planned events and one page of the history (``statement``:
    :attr:`_EventStatements.events`), each in its order."""
    if not planned_total and offset >= history_total:
        return [], []
    events = session.execute(statement, {"counterparty_id": counterparty_id, "size": size,
                                         "offset": offset}).all()
    soonest = sorted((e for e in events if e.state == EventState.PLANNED.value),
                     key=lambda e: (e.start_at, e.id))
    newest = sorted((e for e in events if e.state != EventState.PLANNED.value),
                    key=lambda e: (e.start_at, e.id), reverse=True)
    return soonest, newest


def _typed(column: Any, type_: Any) -> Any:
    """``column``, or a NULL of ``type_`` for a kind without it (typed: PostgreSQL makes an
    untyped NULL of a derived table text, which a UNION with numbers refuses)."""
    return column if column is not None else sql_cast(null(), type_)


def _documents_part(kind: str, model: Any, *, amount: Any, number: Any = None,
                    direction: Any = None, state: Any = None, paid: Any = None, due: Any = None,
                    order_id: Any = None) -> Select[Any]:
    """One kind of document in the card's common columns, the newest ``:limit`` of counterparty
    ``:counterparty_id``."""
    stmt = select(
        literal(kind).label("kind"), model.id.label("id"),
        _typed(number, String).label("number"), model.date.label("date"),
        _typed(direction, String).label("direction"), _typed(state, String).label("state"),
        amount.label("amount"), _typed(paid, Money()).label("paid"),
        model.currency.label("currency"), _typed(due, Date).label("due"),
        _typed(order_id, Integer).label("order_id"),
        (Order.number if order_id is not None else _typed(None, String)).label("order_number"),
        _typed(None, Date).label("planned_shipment"), _typed(None, Date).label("planned_payment"),
        _typed(None, Integer).label("place"),
    ).select_from(model)
    if order_id is not None:
        stmt = stmt.outerjoin(Order, Order.id == order_id)
    return (stmt.where(model.counterparty_id == bindparam("counterparty_id"))
            .order_by(model.date.desc(), model.id.desc()).limit(bindparam("limit")))


def _open_orders_part() -> Select[Any]:
    """The unfulfilled orders of counterparty ``:counterparty_id`` in the card's common columns:
    :func:`letterpress.crm.ledger.unfulfilled_orders` of both directions (open orders,
    customers' first, then by planned execution, date and id), that order numbered in
    ``place``."""
    order = (ledger.CUSTOMERS_FIRST, *ledger.UNFULFILLED_ORDER)
    return select(
        literal("open_orders").label("kind"), Order.id.label("id"), Order.number.label("number"),
        Order.date.label("date"), Order.direction.label("direction"),
        Order.state.label("state"), Order.amount.label("amount"),
        _typed(None, Money()).label("paid"), Order.currency.label("currency"),
        _typed(None, Date).label("due"), _typed(None, Integer).label("order_id"),
        _typed(None, String).label("order_number"),
        Order.planned_shipment.label("planned_shipment"),
        Order.planned_payment.label("planned_payment"),
        func.row_number().over(order_by=order).label("place"),
    ).where(Order.counterparty_id == bindparam("counterparty_id"), ledger.UNFULFILLED)


@functools.cache
def _documents_statement() -> CompoundSelect[Any]:
    """Built once: putting the statement together costs more than running it."""
    parts = [
        _documents_part("orders", Order, amount=Order.amount, number=Order.number,
                        direction=Order.direction, state=Order.state),
        _documents_part("shipments", Shipment, amount=Shipment.revenue,
                        order_id=Shipment.order_id),
        _documents_part("payments", Payment, amount=Payment.amount, direction=Payment.direction,
                        order_id=Payment.order_id),
        _documents_part("invoices", Invoice, amount=Invoice.amount, number=Invoice.number,
                        direction=Invoice.direction, paid=Invoice.paid, due=Invoice.due,
                        order_id=Invoice.order_id),
        _open_orders_part(),
    ]
    # Each part as a derived table: SQLite allows no LIMIT inside a compound's members.
    statement = union_all(*(select(part.subquery()) for part in parts))
    # recent_documents makes a Document of each row by position (by name costs four times more)
    assert list(statement.selected_columns.keys()) == [f.name for f in fields(Document)]
    return statement


def recent_documents(session: Session, counterparty_id: int,
                     limit: int = RECENT_DOCUMENTS) -> dict[str, list[Document]]:
    """:func:`letterpress.crm.ledger.documents` for the card, in one statement: the newest
    ``limit`` orders, shipments, payments and invoices, each with its order's number; and, under
    ``open_orders``, every unfulfilled order (:func:`_open_orders_part`)."""
    rows = session.execute(_documents_statement(),
                           {"counterparty_id": counterparty_id, "limit": limit}).all()
    found: dict[str, list[Document]] = {"orders": [], "shipments": [], "payments": [],
                                        "invoices": [], "open_orders": []}
    for row in rows:
        found[row.kind].append(Document(*row))
    for kind, documents in found.items():
        if kind == "open_orders":
            documents.sort(key=lambda d: d.place or 0)
        else:
            documents.sort(key=lambda d: (d.date, d.id), reverse=True)
    return found


def _event_views(
    session: Session, user: User, events: Sequence[EventRow], readable: set[int],
    people: dict[int, User], contacts: Sequence[CardContact],
) -> list[EventView]:
    """Views of ``events`` with the names of their responsible users (from ``people``) and
    contact persons (those the card lists, and any other asked here: the viewer's to see);
    ``readable``: the letters the viewer may read
    (:func:`~letterpress.crm.permissions.readable_letter_ids`)."""
    names = {person.id: person.name for person in contacts}
    # An event's contact person is one of the card's but for an odd one (of another
    # counterparty, or someone else's personal one): those asked together.
    others = {e.contact_person_id for e in events} - {None} - names.keys()
    if others:
        names.update((person.id, person.name) for person in session.scalars(
            select(ContactPerson).where(ContactPerson.id.in_(others)))
            if can_view_contact(user, person))
    can_edit = event_editor(session, user)
    views = []
    for event in events:
        responsible = people.get(event.responsible_id)
        views.append(EventView(
            event=event,
            responsible_name=responsible.display_name if responsible is not None else None,
            contact_name=names.get(event.contact_person_id),
            redacted=event.letter_id is not None and event.letter_id not in readable,
            # The card offers closing a planned event only. The permission reads the author
            # and the responsible user, which the row has as the event would.
            can_edit=(event.state == EventState.PLANNED.value
                      and can_edit(cast(Event, event))),
        ))
    return views


def _channel(kind: str, model: Any, parent: Any, value: Any, of: Any, *, label: Any = None,
             position: Any = None) -> Select[Any]:
    """One kind of channel in :func:`_people_statement`'s columns: those whose ``parent``
    column is ``of`` (an id or a subquery of ids)."""
    return select(
        literal(kind).label("kind"), model.id.label("id"), parent.label("parent_id"),
        value.label("value"), _typed(label, String).label("label"),
        (position if position is not None else model.id).label("place"),
        _typed(None, Date).label("birthday"), _typed(None, Integer).label("owner_id"),
    ).where(parent.in_(of) if isinstance(of, Select) else parent == of)


@functools.cache
def _people_statement() -> CompoundSelect[Any]:
    """The counterparty ``:counterparty_id``'s phones, e-mails, addresses and mail domains, its
    contact persons (all: which the viewer may see is :func:`can_view_contact`'s) and their
    phones and e-mails, in one statement of common columns: ``parent_id`` is the counterparty
    or contact person a channel belongs to and ``place`` its position; a contact person's
    ``value`` is the name, ``label`` the position in the company, ``place`` the card's order
    (by name whatever the case, then id). Built once, like :func:`_documents_statement`; as
    joined eager loads these cost three times as much."""
    counterparty = bindparam("counterparty_id", type_=Integer)
    contact_ids = select(ContactPerson.id).where(ContactPerson.counterparty_id == counterparty)
    return union_all(
        _channel("phone", CounterpartyPhone, CounterpartyPhone.counterparty_id,
                 CounterpartyPhone.value, counterparty, label=CounterpartyPhone.label,
                 position=CounterpartyPhone.position),
        _channel("email", CounterpartyEmail, CounterpartyEmail.counterparty_id,
                 CounterpartyEmail.email, counterparty, position=CounterpartyEmail.position),
        _channel("address", CounterpartyAddress, CounterpartyAddress.counterparty_id,
                 CounterpartyAddress.value, counterparty, label=CounterpartyAddress.label,
                 position=CounterpartyAddress.position),
        _channel("domain", CounterpartyDomain, CounterpartyDomain.counterparty_id,
                 CounterpartyDomain.domain, counterparty),
        _channel("contact_phone", ContactPhone, ContactPhone.contact_id, ContactPhone.value,
                 contact_ids, label=ContactPhone.label, position=ContactPhone.position),
        _channel("contact_email", ContactEmail, ContactEmail.contact_id, ContactEmail.email,
                 contact_ids, position=ContactEmail.position),
        select(
            literal("contact").label("kind"), ContactPerson.id.label("id"),
            _typed(None, Integer).label("parent_id"), ContactPerson.name.label("value"),
            ContactPerson.position.label("label"),
            func.row_number().over(order_by=(casefold(ContactPerson.name), ContactPerson.id))
            .label("place"),
            ContactPerson.birthday.label("birthday"), ContactPerson.owner_id.label("owner_id"),
        ).where(ContactPerson.counterparty_id == counterparty),
    )


@dataclass(frozen=True, slots=True)
class _People:
    phones: list[Channel]
    emails: list[Channel]
    addresses: list[Channel]
    domains: list[Channel]
    contacts: list[CardContact]


def _people(session: Session, user: User, counterparty_id: int) -> _People:
    """The counterparty's channels and the contact persons ``user`` may see, with theirs: each
    list in its order (contact persons by ``place``, channels by position, then id)."""
    rows = sorted(session.execute(_people_statement(), {"counterparty_id": counterparty_id}),
                  key=lambda row: (row.place, row.id))
    own: dict[str, list[Channel]] = {"phone": [], "email": [], "address": [], "domain": []}
    contacts: dict[int, CardContact] = {}
    for row in rows:
        if row.kind == "contact":
            contact = CardContact(id=row.id, name=row.value, position=row.label,
                                  birthday=row.birthday, owner_id=row.owner_id)
            if can_view_contact(user, cast(ContactPerson, contact)):
                contacts[row.id] = contact
    for row in rows:
        if row.kind in own:
            own[row.kind].append(Channel(row.value, row.label))
        elif row.kind != "contact" and row.parent_id in contacts:
            person = contacts[row.parent_id]
            channels = person.phones if row.kind == "contact_phone" else person.emails
            channels.append(Channel(row.value, row.label))
    return _People(phones=own["phone"], emails=own["email"], addresses=own["address"],
                   domains=own["domain"], contacts=list(contacts.values()))


class _Checklist:
    """What :func:`~letterpress.crm.counterparties.completeness` reads of a counterparty, with
    the channels the card has read as rows (a counterparty's own would be loaded again)."""

    def __init__(self, counterparty: Counterparty, people: _People) -> None:
        self.inn, self.legal_name = counterparty.inn, counterparty.legal_name
        self.manager_id = counterparty.manager_id
        self.phones, self.emails, self.addresses = people.phones, people.emails, people.addresses


def load_card(
    session: Session,
    user: User,
    counterparty_id: int,
    *,
    policy: MailPolicy,
    analytics: AnalyticsSettings,
    history_page: int = 1,
    history_event: int | None = None,
    history_all: bool = False,
    mailbox_ids: set[int] | None = None,
) -> Card:
    """The card with one page of the event history (:data:`HISTORY_PAGE` events, newest first):
    page ``history_page``, or the page holding event ``history_event``; every event with
    ``history_all``. Planned events: the :data:`PLANNED_SHOWN` soonest. ``analytics``: the
    settings that say which stored classes are the counterparty's. ``mailbox_ids``:
    :func:`~letterpress.crm.permissions.readable_mailbox_ids`, when the caller has asked."""
    statements = _statements_for(session, user, policy, mailbox_ids)
    # The counts with the counterparty; its channels and contact persons come after.
    row = visible_counterparty_row(session, user, counterparty_id, statements.counterparty)
    counterparty: Counterparty = row[0]
    counts: tuple[Any, ...] = tuple(row[1:])
    planned_total, history_total, letters = (int(count or 0) for count in counts)
    size = max(history_total, 1) if history_all else HISTORY_PAGE
    if history_event is not None:
        history_page = _page_of_event(session, statements.history, history_event, size,
                                      {"counterparty_id": counterparty_id})
    number = min(max(1, history_page), max(1, math.ceil(history_total / size)))
    planned, history = _events(session, statements.events, counterparty_id,
                               planned_total=planned_total, history_total=history_total,
                               size=size, offset=(number - 1) * size)

    documents = recent_documents(session, counterparty_id)
    open_orders = documents.pop("open_orders")
    order_numbers = {doc.order_id: doc.order_number for kind in documents.values()
                     for doc in kind if doc.order_id is not None and doc.order_number}
    channels = _people(session, user, counterparty_id)
    share, missing = completeness(cast(Counterparty, _Checklist(counterparty, channels)))
    events = [*planned, *history]
    readable = readable_letter_ids(
        session, user, {e.letter_id for e in events if e.letter_id is not None}, policy,
        mailbox_ids=mailbox_ids)
    classes = class_history(session, analytics, counterparty_id)
    # The responsible manager, the events' people and those of the stage changes: one query
    # for the users, none for the contact persons the card lists anyway.
    user_ids = {counterparty.manager_id, *(e.responsible_id for e in events),
                *(step.manager_id for step in classes.stages)} - {None}
    people = {person.id: person for person in session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    manager_id = counterparty.manager_id
    set_committed_value(counterparty, "manager",
                        people.get(manager_id) if manager_id is not None else None)
    views = _event_views(session, user, events, readable, people, channels.contacts)
    return Card(
        counterparty=counterparty,
        phones=channels.phones,
        emails=channels.emails,
        addresses=channels.addresses,
        domains=channels.domains,
        contacts=channels.contacts,
        planned=views[:len(planned)],
        planned_total=planned_total,
        history=Page(items=views[len(planned):], total=history_total, number=number, size=size),
        open_orders=open_orders,
        documents=documents,
        order_numbers=order_numbers,
        completeness=share,
        letters=letters,
        classes=classes,
        users=people,
        missing=missing,
    )
