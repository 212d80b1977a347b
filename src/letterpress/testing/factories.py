"""Small factories for tests: users, counterparties with channels, contacts, events, the ledger.

Each adds its row to the session and flushes; committing is the caller's call. Defaults make a
valid row with unique external ids, so a test names only what it checks. Passwords are hashed
once per process and password (argon2 is slow on purpose), so many users cost one hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from letterpress.crm.inn import make_inn
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
    Invoice,
    Order,
    Payment,
    Shipment,
    User,
)
from letterpress.crm.passwords import hash_password
from letterpress.crm.users import get_team

DEFAULT_PASSWORD = "secret-pw"
_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


@functools.lru_cache(maxsize=16)
def password_hash(password: str) -> str:
    """The argon2 hash of ``password``, computed once per process."""
    return hash_password(password)


def make_user(
    session: Session,
    login: str | None = None,
    *,
    role: str = "manager",
    name: str = "",
    email: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    active: bool = True,
    team: str | None = None,
    supervisor: User | None = None,
    language: str | None = None,
) -> User:
    login = login or f"user{_next()}"
    user = User(
        login=login, role=role, name=name, email=email, active=active, language=language,
        password_hash=password_hash(password) if password is not None else None,
        team=get_team(session, team, create=True) if team else None,
        supervisor=supervisor,
    )
    session.add(user)
    session.flush()
    return user


def make_counterparty(
    session: Session,
    name: str | None = None,
    *,
    kind: str = "customer",
    legal_name: str | None = None,
    inn: str | None = None,
    kpp: str | None = None,
    city: str | None = None,
    source: str | None = None,
    manager: User | None = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    addresses: Sequence[str] = (),
    domains: Sequence[str] = (),
    external_id: str | None = None,
    notes: str | None = None,
) -> Counterparty:
    n = _next()
    counterparty = Counterparty(
        external_id=external_id or f"cp-{n}", kind=kind, name=name or f"Counterparty {n}",
        legal_name=legal_name, inn=inn, kpp=kpp, city=city, source=source,
        manager_id=manager.id if manager else None, notes=notes,
        phones=[CounterpartyPhone(value=p, position=i) for i, p in enumerate(phones)],
        emails=[CounterpartyEmail(email=e.lower(), position=i) for i, e in enumerate(emails)],
        addresses=[CounterpartyAddress(value=a, position=i) for i, a in enumerate(addresses)],
        domains=[CounterpartyDomain(domain=d.lower()) for d in domains],
    )
    session.add(counterparty)
    session.flush()
    return counterparty


def valid_inn(seed: int) -> str:
    """A 10-digit INN with a correct check digit, distinct per ``seed``."""
    return make_inn(f"{770000000 + seed:09d}")


def make_contact(
    session: Session,
    counterparty: Counterparty | None = None,
    name: str | None = None,
    *,
    owner: User | None = None,
    position: str | None = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    birthday: dt.date | None = None,
) -> ContactPerson:
    n = _next()
    contact = ContactPerson(
        external_id=f"cn-{n}", counterparty_id=counterparty.id if counterparty else None,
        owner_id=owner.id if owner else None, name=name or f"Contact {n}", position=position,
        birthday=birthday,
        phones=[ContactPhone(value=p, position=i) for i, p in enumerate(phones)],
        emails=[ContactEmail(email=e.lower(), position=i) for i, e in enumerate(emails)],
    )
    session.add(contact)
    session.flush()
    return contact


def make_event(
    session: Session,
    counterparty: Counterparty | None,
    *,
    author: User | None = None,
    kind: str = "outgoing_call",
    state: str = "done",
    start_at: dt.datetime | None = None,
    end_at: dt.datetime | None = None,
    subject: str = "",
    content: str = "",
    contact: ContactPerson | None = None,
    responsible: User | None = None,
    letter_id: int | None = None,
) -> Event:
    n = _next()
    responsible = responsible or author
    event = Event(
        kind=kind, state=state,
        start_at=start_at or dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC),
        end_at=end_at, counterparty_id=counterparty.id if counterparty else None,
        contact_person_id=contact.id if contact else None,
        author_id=author.id if author else None,
        responsible_id=responsible.id if responsible else None,
        subject=subject or f"Event {n}", content=content, letter_id=letter_id,
        uid=f"factory-{n}@letterpress.test",
    )
    session.add(event)
    session.flush()
    return event


def make_order(
    session: Session,
    counterparty: Counterparty,
    *,
    number: str | None = None,
    date: dt.date = dt.date(2025, 2, 1),
    amount: Decimal | str = "10000.00",
    cost: Decimal | str | None = None,
    currency: str = "RUB",
    state: str = "open",
    direction: str = "customer",
    manager: User | None = None,
    planned_execution: dt.date | None = None,
    planned_shipment: dt.date | None = None,
    planned_payment: dt.date | None = None,
) -> Order:
    n = _next()
    order = Order(
        external_id=f"ord-{n}", direction=direction, number=number or f"З-{n:05d}", date=date,
        counterparty_id=counterparty.id, manager_id=manager.id if manager else None,
        amount=Decimal(amount), cost=Decimal(cost) if cost is not None else None,
        currency=currency, state=state, planned_execution=planned_execution,
        planned_shipment=planned_shipment, planned_payment=planned_payment,
    )
    session.add(order)
    session.flush()
    return order


def make_shipment(
    session: Session,
    counterparty: Counterparty,
    *,
    order: Order | None = None,
    date: dt.date = dt.date(2025, 2, 10),
    revenue: Decimal | str = "10000.00",
    cost: Decimal | str | None = None,
    currency: str = "RUB",
) -> Shipment:
    shipment = Shipment(
        external_id=f"shp-{_next()}", order_id=order.id if order else None,
        counterparty_id=counterparty.id, date=date, revenue=Decimal(revenue),
        cost=Decimal(cost) if cost is not None else None, currency=currency,
    )
    session.add(shipment)
    session.flush()
    return shipment


def make_payment(
    session: Session,
    counterparty: Counterparty,
    *,
    order: Order | None = None,
    date: dt.date = dt.date(2025, 2, 12),
    amount: Decimal | str = "10000.00",
    currency: str = "RUB",
    direction: str = "in",
) -> Payment:
    payment = Payment(
        external_id=f"pay-{_next()}", order_id=order.id if order else None,
        counterparty_id=counterparty.id, date=date, amount=Decimal(amount), currency=currency,
        direction=direction,
    )
    session.add(payment)
    session.flush()
    return payment


def make_invoice(
    session: Session,
    counterparty: Counterparty,
    *,
    order: Order | None = None,
    number: str | None = None,
    date: dt.date = dt.date(2025, 2, 5),
    amount: Decimal | str = "10000.00",
    paid: Decimal | str = "0",
    currency: str = "RUB",
    direction: str = "customer",
    due: dt.date | None = None,
) -> Invoice:
    n = _next()
    invoice = Invoice(
        external_id=f"inv-{n}", direction=direction, number=number or f"С-{n:05d}", date=date,
        counterparty_id=counterparty.id, order_id=order.id if order else None,
        amount=Decimal(amount), paid=Decimal(paid), currency=currency, due=due,
    )
    session.add(invoice)
    session.flush()
    return invoice
