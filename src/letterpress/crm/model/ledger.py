"""The deal ledger imported from the ERP: orders, shipments, payments and invoices.

Analytics reads these tables in SQL. Money is ``Numeric(18, 2)`` with an ISO 4217 currency.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.crm.model.counterparties import Counterparty
from letterpress.crm.model.enums import OrderState
from letterpress.crm.model.users import User
from letterpress.db.base import Base
from letterpress.db.types import Money


class Order(Base):
    """A customer order (direction customer) or an order placed with a supplier."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_counterparty_date", "counterparty_id", "date"),
        Index("ix_orders_manager_date", "manager_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(64), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    cost: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    planned_execution: Mapped[dt.date | None] = mapped_column(Date)
    planned_shipment: Mapped[dt.date | None] = mapped_column(Date)
    planned_payment: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default=OrderState.OPEN.value)

    counterparty: Mapped[Counterparty] = relationship()
    manager: Mapped[User | None] = relationship()


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_counterparty_date", "counterparty_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    revenue: Mapped[Decimal] = mapped_column(Money())
    cost: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_counterparty_date", "counterparty_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    direction: Mapped[str] = mapped_column(String(3))


class Invoice(Base):
    """An invoice issued to a customer (direction customer) or received from a supplier."""

    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_counterparty_date", "counterparty_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(64), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
