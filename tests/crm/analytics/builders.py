"""Small hand-made ledgers for the analytics tests: a customer, its shipments, orders, payments."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.crm.model import (
    Counterparty,
    Event,
    Order,
    Payment,
    Shipment,
    User,
)

UTC = dt.UTC
_ids = itertools.count(1)


def d(text: str) -> dt.date:
    """``'2025-03'`` -> 2025-03-15, ``'2025-03-02'`` -> that day."""
    if len(text) == 7:
        text += "-15"
    return dt.date.fromisoformat(text)


class Ledger:
    """Writes rows with sensible defaults; every amount is in roubles."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.customers: dict[str, Counterparty] = {}

    def user(self, login: str, *, role: str = "manager", supervisor: str | None = None,
             team: str | None = None) -> User:
        return users.add_user(self.session, login, role=role, supervisor=supervisor, team=team)

    def customer(self, external_id: str | None, *, manager: User | None = None,
                 kind: str = "customer", source: str | None = None, created: str = "2020-01-01",
                 name: str | None = None, **fields: object) -> Counterparty:
        """``external_id`` None: a counterparty created in the CRM, known by its ``name``."""
        cp = Counterparty(
            external_id=external_id, name=name or f"Company {external_id}", kind=kind,
            source=source, manager_id=manager.id if manager else None,
            created_at=dt.datetime.combine(d(created), dt.time(12), UTC), **fields,
        )
        self.session.add(cp)
        self.session.flush()
        self.customers[external_id or cp.name] = cp
        return cp

    def ship(self, cp: Counterparty, when: str, revenue: float | str, cost: float | str = 0,
             *, order: Order | None = None) -> Shipment:
        row = Shipment(
            external_id=f"SHP-{next(_ids)}", counterparty_id=cp.id, date=d(when),
            revenue=Decimal(str(revenue)), cost=Decimal(str(cost)), currency="RUB",
            order_id=order.id if order else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def order(self, cp: Counterparty, when: str, amount: float | str, *,
              manager: User | None = None, state: str = "completed", cost: float | str = 0,
              direction: str = "customer", planned_shipment: str | None = None) -> Order:
        n = next(_ids)
        row = Order(
            external_id=f"ORD-{n}", direction=direction, number=f"N-{n}", date=d(when),
            counterparty_id=cp.id, manager_id=manager.id if manager else cp.manager_id,
            amount=Decimal(str(amount)), cost=Decimal(str(cost)), currency="RUB", state=state,
            planned_shipment=d(planned_shipment) if planned_shipment else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def pay(self, cp: Counterparty, when: str, amount: float | str, *,
            order: Order | None = None, direction: str = "in") -> Payment:
        row = Payment(
            external_id=f"PAY-{next(_ids)}", counterparty_id=cp.id, date=d(when),
            amount=Decimal(str(amount)), currency="RUB", direction=direction,
            order_id=order.id if order else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def event(self, kind: str, when: str, *, responsible: User, cp: Counterparty | None = None,
              state: str = "done", hours: float = 1.0, letter_id: int | None = None) -> Event:
        start = dt.datetime.combine(d(when), dt.time(10), UTC)
        row = Event(
            kind=kind, state=state, start_at=start, end_at=start + dt.timedelta(hours=hours),
            counterparty_id=cp.id if cp else None, responsible_id=responsible.id,
            author_id=responsible.id, subject=f"{kind} {when}", uid=f"ev-{next(_ids)}",
            letter_id=letter_id,
        )
        self.session.add(row)
        self.session.flush()
        return row
