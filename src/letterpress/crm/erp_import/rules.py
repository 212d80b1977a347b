"""Rules that span several columns of a row, applied after every cell converted.

* :class:`OrderLink`: a shipment, payment or invoice may name only its order; the order's
  counterparty is then taken, and a counterparty that is named must be the order's.
* :class:`DirectionFromOrder`: a payment without a direction gets its order's (a customer
  order's payments come in, a supplier order's go out).
* :class:`PaidWithinAmount`: an invoice's ``paid`` is an amount up to the invoice's, or yes/no.
* :class:`EndsAfterStart`: a campaign cannot end before it starts.

A rule is a frozen value; :meth:`Rule.finisher` binds it to a kind's field positions. Rules run
in the order the kind lists them and raise :class:`~.values.CellError` naming the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from letterpress.crm.erp_import import values as v
from letterpress.crm.model import Direction, PaymentDirection

if TYPE_CHECKING:
    from letterpress.crm.erp_import.schema import Finisher, Kind

PAYMENT_FOR_ORDER = {Direction.CUSTOMER.value: PaymentDirection.IN.value,
                     Direction.SUPPLIER.value: PaymentDirection.OUT.value}
MISMATCH = "differs from the counterparty of the order"
NEEDS_ORDER = v.REQUIRED + " (or an order)"


class Rule:
    def finisher(self, kind: Kind) -> Finisher:
        raise NotImplementedError


@dataclass(frozen=True)
class OrderLink(Rule):
    def finisher(self, kind: Kind) -> Finisher:
        o, c = kind.index("order"), kind.index("counterparty")

        def finish(values: list[Any]) -> None:
            order = values[o]
            if order is None:
                if values[c] is None:
                    raise v.CellError(NEEDS_ORDER, column="counterparty")
                return
            values[o] = order.id
            if values[c] is None:
                values[c] = order.counterparty_id
            elif values[c] != order.counterparty_id:
                raise v.CellError(MISMATCH, column="counterparty")

        return finish


@dataclass(frozen=True)
class DirectionFromOrder(Rule):
    """Runs before :class:`OrderLink`, while the order column still holds the order's record."""

    def finisher(self, kind: Kind) -> Finisher:
        o, d = kind.index("order"), kind.index("direction")

        def finish(values: list[Any]) -> None:
            if values[d] is None:
                if values[o] is None:
                    raise v.CellError(NEEDS_ORDER, column="direction")
                values[d] = PAYMENT_FOR_ORDER[values[o].direction]

        return finish


@dataclass(frozen=True)
class PaidWithinAmount(Rule):
    def finisher(self, kind: Kind) -> Finisher:
        a, p = kind.index("amount"), kind.index("paid")

        def finish(values: list[Any]) -> None:
            paid = values[p]
            if paid is None or paid is False:
                values[p] = "0"
            elif paid is True:
                values[p] = values[a]
            elif Decimal(paid) > Decimal(values[a]):
                raise v.CellError(f"paid {paid} is more than the amount {values[a]}",
                                  column="paid")

        return finish


@dataclass(frozen=True)
class EndsAfterStart(Rule):
    def finisher(self, kind: Kind) -> Finisher:
        s, e = kind.index("start"), kind.index("end")

        def finish(values: list[Any]) -> None:
            if values[e] is not None and values[e] < values[s]:  # ISO dates sort as text
                raise v.CellError("the campaign ends before it starts", column="end")

        return finish
