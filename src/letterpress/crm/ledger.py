"""Read-side rules of the deal ledger: unfulfilled orders, a counterparty's documents."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from letterpress.crm.model import Direction, Invoice, Order, OrderState, Payment, Shipment

#: What makes an order unfulfilled (Список неисполненных заказов)...
UNFULFILLED = Order.state == OrderState.OPEN.value
#: ...and the order such orders are listed in: oldest planned date first...
UNFULFILLED_ORDER = (Order.planned_execution, Order.date, Order.id)
#: ...after this key when both directions are listed together: customers' orders first.
CUSTOMERS_FIRST = case((Order.direction == Direction.CUSTOMER.value, 0), else_=1)


def unfulfilled_orders(
    session: Session, counterparty_id: int | None = None, *,
    direction: Direction | None = Direction.CUSTOMER,
) -> list[Order]:
    """Open orders (Список неисполненных заказов), oldest planned date first; with ``direction``
    None both directions in one query, customers' orders first. The card asks the same in its
    documents' statement (``web.counterparties.card``), from the expressions above."""
    query = select(Order).where(UNFULFILLED)
    if direction is None:
        query = query.order_by(CUSTOMERS_FIRST)
    else:
        query = query.where(Order.direction == direction.value)
    if counterparty_id is not None:
        query = query.where(Order.counterparty_id == counterparty_id)
    return list(session.scalars(query.order_by(*UNFULFILLED_ORDER)))


def documents(session: Session, counterparty_id: int, *, limit: int = 50) -> dict[str, list[object]]:
    """The counterparty's latest orders, shipments, payments and invoices, newest first."""
    out: dict[str, list[object]] = {}
    for key, model in (("orders", Order), ("shipments", Shipment), ("payments", Payment),
                       ("invoices", Invoice)):
        out[key] = list(session.scalars(
            select(model).where(model.counterparty_id == counterparty_id)
            .order_by(model.date.desc(), model.id.desc()).limit(limit)
        ))
    return out
