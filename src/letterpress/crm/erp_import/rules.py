"""Rules that span several columns of a row, applied after every cell converted.

* :class:`OrderLink`: a shipment, payment or invoice may name only its order; the order's
  counterparty is then taken, and a counterparty that is named must be the order's.
* :class:`DirectionFromOrder`: a payment without a direction gets its order's (a customer
  order's payments come in, a supplier order's go out).
* :class:`PaidWithinAmount`: an invoice's ``paid`` is an amount up to the invoice's, or yes/no.
* :class:`EndsAfterStart`: a campaign cannot end before it starts.

A rule is a frozen value; :meth:`Rule.finisher` binds it to a kind's field positions. The
finisher works on a chunk's columns (see :class:`~.schema.Finisher`): it skips the rows already
in ``problems``, fills or checks the others, and notes a row that breaks the rule there with the
column to blame. Rules run in the order the kind lists them, so a row is blamed for the first
rule it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from letterpress.crm.erp_import import values as v
from letterpress.crm.model import Direction, PaymentDirection

if TYPE_CHECKING:
    from letterpress.crm.erp_import.schema import Finisher, Kind, Problems

_NO_ORDER = ("", None, None, "")
_ID, _OWNER = itemgetter(1), itemgetter(2)  # of an OrderRef
PAYMENT_FOR_ORDER = {Direction.CUSTOMER.value: PaymentDirection.IN.value,
                     Direction.SUPPLIER.value: PaymentDirection.OUT.value}
MISMATCH = "differs from the counterparty of the order"
NEEDS_ORDER = v.REQUIRED + " (or an order)"


class Rule:
    def finisher(self, kind: Kind) -> Finisher:
        raise NotImplementedError


@dataclass(frozen=True)
class OrderLink(Rule):
    """Column by column: the orders' ids and counterparties picked out of their records in C,
    and one comparison of the counterparty column with the orders'; rows are looked at one by
    one only where an order is missing or a counterparty differs."""

    def finisher(self, kind: Kind) -> Finisher:
        o, c = kind.index("order"), kind.index("counterparty")

        def finish(columns: list[list[Any]], problems: Problems) -> None:
            orders, named = columns[o], columns[c]
            missing = [i for i, order in enumerate(orders) if order is None] \
                if None in orders else []
            present = [order or _NO_ORDER for order in orders] if missing else orders
            ids, owners = list(map(_ID, present)), list(map(_OWNER, present))
            for i in missing:
                ids[i], owners[i] = None, named[i]  # without an order, the counterparty stands
                if named[i] is None and i not in problems:
                    problems[i] = (c, NEEDS_ORDER)
            if None in named:
                named = [given if given is not None else owner
                         for given, owner in zip(named, owners, strict=True)]
            if named != owners:
                for i, (given, owner) in enumerate(zip(named, owners, strict=True)):
                    if given != owner and i not in problems:
                        problems[i] = (c, MISMATCH)
            columns[o], columns[c] = ids, named

        return finish


@dataclass(frozen=True)
class DirectionFromOrder(Rule):
    """Runs before :class:`OrderLink`, while the order column still holds the order's record
    (an :data:`~.lookups.OrderRef`)."""

    def finisher(self, kind: Kind) -> Finisher:
        o, d = kind.index("order"), kind.index("direction")

        def finish(columns: list[list[Any]], problems: Problems) -> None:
            orders, directions = columns[o], columns[d]
            if None not in directions:
                return
            for i, direction in enumerate(directions):
                if direction is None and i not in problems:
                    order = orders[i]
                    if order is None:
                        problems[i] = (d, NEEDS_ORDER)
                    else:
                        directions[i] = PAYMENT_FOR_ORDER[order[3]]

        return finish


@dataclass(frozen=True)
class PaidWithinAmount(Rule):
    def finisher(self, kind: Kind) -> Finisher:
        a, p = kind.index("amount"), kind.index("paid")

        def finish(columns: list[list[Any]], problems: Problems) -> None:
            amounts, paid_column = columns[a], columns[p]
            for i, paid in enumerate(paid_column):
                if i in problems:
                    continue
                if paid is None or paid is False:
                    paid_column[i] = "0"
                elif paid is True:
                    paid_column[i] = amounts[i]
                elif Decimal(paid) > Decimal(amounts[i]):
                    problems[i] = (p, f"paid {paid} is more than the amount {amounts[i]}")

        return finish


@dataclass(frozen=True)
class EndsAfterStart(Rule):
    def finisher(self, kind: Kind) -> Finisher:
        s, e = kind.index("start"), kind.index("end")

        def finish(columns: list[list[Any]], problems: Problems) -> None:
            starts, ends = columns[s], columns[e]
            for i, end in enumerate(ends):
                # ISO dates sort as text
                if end is not None and i not in problems and end < starts[i]:
                    problems[i] = (e, "the campaign ends before it starts")

        return finish
