"""What the counterparty card shows (полная информация о клиенте), read through the permission
function in a dozen statements whatever the counterparty's size.

The card gathers the counterparty with its channels, its contact persons, the soonest planned
events and one page of the event history, the unfulfilled orders, the newest documents of each
kind and the counts of these and of its letters. Each of those is one statement (the counts
together, the planned events with the history page, the four kinds of documents with the numbers
of their orders), and which of the events' letters the viewer may read is asked once; its
classes and stage, now and per stored period, are one more
(:func:`~letterpress.crm.analytics.history.class_history`). The newest
threads of the correspondence, the one part whose cost grows with the counterparty's mail (an
aggregate over all its letters), are a panel of their own that the card loads after itself
(``routes.recent_threads``, :func:`~letterpress.web.counterparties.correspondence.recent_letters`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from letterpress.config import AnalyticsSettings
from letterpress.crm import ledger
from letterpress.crm.analytics.history import ClassHistory, class_history
from letterpress.crm.counterparties import completeness
from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
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
from letterpress.db.types import Money
from letterpress.web.counterparties import correspondence
from letterpress.web.counterparties.queries import visible_contacts, visible_counterparty
from letterpress.web.pagination import Page

RECENT_DOCUMENTS = 10
HISTORY_PAGE = 20  # events of the history on one page of the card
PLANNED_SHOWN = 20  # planned events on the card, soonest first


@dataclass(frozen=True)
class EventView:
    """An event as the viewer may see it."""

    event: Event
    contact_name: str | None  # None also when the contact is someone else's personal one
    redacted: bool  # a letter the viewer has no right to read: subject and content hidden
    can_edit: bool


@dataclass(frozen=True, slots=True)
class Document:
    """A row of the card's documents: an order, shipment, payment or invoice, with the number
    of the order it belongs to (fields a kind lacks are None)."""

    kind: str  # orders | shipments | payments | invoices
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

    @property
    def revenue(self) -> Decimal:
        """A shipment's amount, by the name the ledger gives it."""
        return self.amount


@dataclass
class Card:
    counterparty: Counterparty
    contacts: list[ContactPerson]
    planned: list[EventView]  # the soonest PLANNED_SHOWN
    planned_total: int
    history: Page[EventView]  # one page, newest first
    open_orders: list[Order]
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


def _events(session: Session, planned: ColumnElement[bool], history: ColumnElement[bool],
            *, planned_total: int, history_total: int, size: int,
            offset: int) -> tuple[list[Event], list[Event]]:
    """The soonest planned events and one page of the history, in one statement: the ids of
    each part (each by its index), then the events of both."""
    if not planned_total and offset >= history_total:
        return [], []
    parts: list[Select[Any]] = []
    if planned_total:
        parts.append(select(Event.id).where(planned).order_by(Event.start_at, Event.id)
                     .limit(PLANNED_SHOWN))
    parts.append(select(Event.id).where(history)
                 .order_by(Event.start_at.desc(), Event.id.desc()).limit(size).offset(offset))
    # Each part as a derived table: SQLite allows no LIMIT inside a compound's members.
    ids = union_all(*(select(part.subquery().c.id) for part in parts))
    events = session.scalars(select(Event).where(Event.id.in_(ids))).all()
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
    ).select_from(model)
    if order_id is not None:
        stmt = stmt.outerjoin(Order, Order.id == order_id)
    return (stmt.where(model.counterparty_id == bindparam("counterparty_id"))
            .order_by(model.date.desc(), model.id.desc()).limit(bindparam("limit")))


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
    ]
    # Each part as a derived table: SQLite allows no LIMIT inside a compound's members.
    return union_all(*(select(part.subquery()) for part in parts))


def recent_documents(session: Session, counterparty_id: int,
                     limit: int = RECENT_DOCUMENTS) -> dict[str, list[Document]]:
    """:func:`letterpress.crm.ledger.documents` for the card, in one statement: the newest
    ``limit`` orders, shipments, payments and invoices, each with its order's number."""
    rows = session.execute(_documents_statement(),
                           {"counterparty_id": counterparty_id, "limit": limit}).all()
    found: dict[str, list[Document]] = {"orders": [], "shipments": [], "payments": [],
                                        "invoices": []}
    for row in rows:
        found[row.kind].append(Document(**row._mapping))
    for documents in found.values():
        documents.sort(key=lambda d: (d.date, d.id), reverse=True)
    return found


def _event_views(
    session: Session, user: User, events: Sequence[Event], readable: set[int],
    known: Sequence[ContactPerson | User] = (),
) -> list[EventView]:
    """Views of ``events`` with their responsible users and contact persons attached (those in
    ``known`` without asking the database again); ``readable``: the letters the viewer may
    read (:func:`~letterpress.crm.permissions.readable_letter_ids`)."""
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
            # The card offers closing a planned event only.
            can_edit=event.state == EventState.PLANNED.value and can_edit(event),
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
    # The channels in one query: a counterparty has a few of each, so the joined rows are few.
    counterparty = visible_counterparty(session, user, counterparty_id, options=(
        joinedload(Counterparty.phones), joinedload(Counterparty.emails),
        joinedload(Counterparty.addresses), joinedload(Counterparty.domains),
    ))

    events_of = and_(
        Event.counterparty_id == counterparty_id, history_events_clause(session, user, policy)
    )
    planned_filter = and_(events_of, Event.state == EventState.PLANNED.value)
    history_filter = and_(events_of, Event.state != EventState.PLANNED.value)
    counts = session.execute(select(
        _count(planned_filter), _count(history_filter),
        correspondence.letter_count_query(session, user, counterparty_id, policy,
                                          mailbox_ids=mailbox_ids).scalar_subquery(),
    )).one()
    planned_total, history_total, letters = (int(value or 0) for value in counts)
    size = max(history_total, 1) if history_all else HISTORY_PAGE
    if history_event is not None:
        history_page = _page_of_event(session, history_filter, history_event, size)
    number = min(max(1, history_page), max(1, math.ceil(history_total / size)))
    planned, history = _events(session, planned_filter, history_filter,
                               planned_total=planned_total, history_total=history_total,
                               size=size, offset=(number - 1) * size)

    open_orders = ledger.unfulfilled_orders(session, counterparty_id, direction=None)
    documents = recent_documents(session, counterparty_id)
    order_numbers = {doc.order_id: doc.order_number for kind in documents.values()
                     for doc in kind if doc.order_id is not None and doc.order_number}
    share, missing = completeness(counterparty)
    contacts = visible_contacts(session, user, counterparty_id)
    events = [*planned, *history]
    readable = readable_letter_ids(
        session, user, {e.letter_id for e in events if e.letter_id is not None}, policy,
        mailbox_ids=mailbox_ids)
    classes = class_history(session, analytics, counterparty_id)
    # The responsible manager, the events' people and those of the stage changes: one query
    # for the users, none for the contact persons the card lists anyway.
    user_ids = {counterparty.manager_id, *(e.responsible_id for e in events),
                *(step.manager_id for step in classes.stages)} - {None}
    people = list(session.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else []
    _attach(session, [counterparty], "manager", User, "manager_id", people)
    views = _event_views(session, user, events, readable, known=[*contacts, *people])
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
        letters=letters,
        classes=classes,
        users={person.id: person for person in people},
        missing=missing,
    )
