"""What the demo's build steps share: the session, the calendar, and the plans made so far.

Each step reads what earlier steps planned (staff, companies, contacts, orders) and adds its own.
The plans are plain dataclasses holding the database ids once their rows are inserted, so later
steps never query back what an earlier step just wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from letterpress.crm.model import CounterpartyKind
from letterpress.demo.timeline import Timeline


@dataclass(frozen=True)
class ManagerProfile:
    """How a demo manager works; the analytics should later tell these apart."""

    team: str  # "north" or "south"
    weight: float  # share of the customers
    completeness: float  # chance that each optional field of a counterparty is filled in
    lost_rate: float  # chance that a small customer is lost
    closed_rate: float  # share of orders closed without shipment
    events_rate: float  # how diligently events are registered
    delay_days: int  # typical lateness of shipments
    joined: int  # month index the manager joined (0 = before the history)
    trait: str  # one line for people reading the summary
    # how the share of their data that is filled in moved a month over the last year (+0.005:
    # half a point better every month); the monthly completeness snapshots follow it
    data_trend: float = 0.0


@dataclass
class Staff:
    login: str
    first_name: str
    surname: str
    female: bool
    role: str
    email: str
    team: str | None = None
    profile: ManagerProfile | None = None
    id: int = 0

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.surname}"


@dataclass
class Company:
    number: int
    kind: str
    tier: str  # big, medium, small, micro, potential, supplier
    name: str
    legal_name: str
    city: str
    industry: str
    domain: str | None
    manager: str
    source: str | None
    category: str | None = None  # supplier category
    start: int = 0  # month index of the first order
    end: int | None = None  # month index from which a lost customer buys nothing
    terms: str = "prepay"  # prepay, half, postpay
    pay_days: int = 0  # how late this customer pays
    created_at: dt.datetime | None = None
    id: int = 0

    @property
    def external_id(self) -> str:
        return f"CP-{self.number:04d}"

    @property
    def is_customer(self) -> bool:
        return self.kind != CounterpartyKind.SUPPLIER.value and self.tier != "potential"

    @property
    def is_supplier(self) -> bool:
        return self.kind in (CounterpartyKind.SUPPLIER.value, CounterpartyKind.BOTH.value)

    @property
    def lost(self) -> bool:
        return self.end is not None


@dataclass
class Contact:
    id: int
    name: str
    female: bool
    position: str | None
    company: Company | None


@dataclass
class PlannedOrder:
    company: Company
    direction: str
    date: dt.date
    amount: Decimal
    cost: Decimal | None
    product: str
    quantity: int
    planned_execution: dt.date
    planned_shipment: dt.date | None
    planned_payment: dt.date
    state: str
    manager: str
    shipments: list[tuple[dt.date, Decimal, Decimal | None]] = field(default_factory=list)
    payments: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    invoice_date: dt.date | None = None
    external_id: str = ""
    number: str = ""
    invoice_number: str = ""
    id: int = 0

    @property
    def paid(self) -> Decimal:
        return sum((amount for _, amount in self.payments), Decimal(0))

    @property
    def shipped(self) -> Decimal:
        return sum((revenue for _, revenue, _ in self.shipments), Decimal(0))


@dataclass
class DemoWorld:
    session: Session
    seed: int
    timeline: Timeline
    scale: float = 1.0
    staff: dict[str, Staff] = field(default_factory=dict)
    companies: list[Company] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    contacts_by_company: dict[int, list[Contact]] = field(default_factory=dict)
    orders: list[PlannedOrder] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def scaled(self, n: int) -> int:
        """``n`` at the demo's size, at least 1."""
        return max(1, round(n * self.scale))

    @property
    def managers(self) -> list[Staff]:
        return [s for s in self.staff.values() if s.profile is not None]

    def add_contact(self, contact: Contact) -> None:
        self.contacts.append(contact)
        if contact.company is not None:
            self.contacts_by_company.setdefault(contact.company.number, []).append(contact)

    def contacts_of(self, company: Company) -> list[Contact]:
        return self.contacts_by_company.get(company.number, [])
