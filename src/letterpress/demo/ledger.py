"""Two years of the deal ledger: customer and supplier orders, shipments, payments, invoices.

Customer orders follow each customer's lifecycle (start month, loss month) and the season:
calendars, diaries and New Year cards make September-December the busy months. An order is
completed when its shipment date has passed, closed without shipment at its manager's rate,
open otherwise (with planned dates ahead). Payments follow the customer's terms (prepayment,
half and half, payment after shipment) and habits (late payers); what falls after the anchor has
not happened yet. Supplier orders buy paper, plates, ink and finishing in proportion to each
month's production cost. Numbering (``ORD-000001``, ``SHP-``, ``PAY-``, ``INV-``) follows the
date, as an ERP export would.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from letterpress.crm.model import (
    Direction,
    Invoice,
    Order,
    OrderState,
    Payment,
    PaymentDirection,
    Shipment,
)
from letterpress.demo import names
from letterpress.demo.bulk import insert_all, insert_returning_ids
from letterpress.demo.timeline import HISTORY_MONTHS, SEASON, SEASONAL_MONTHS, next_workday, workday
from letterpress.demo.world import Company, DemoWorld, PlannedOrder

CURRENCY = "RUB"
TIER_RATE = {"big": 4.0, "medium": 1.1, "small": 0.3}  # customer orders a month in an average month
TIER_AMOUNT = {"big": 260_000, "medium": 110_000, "small": 42_000, "micro": 22_000}
SUPPLY_SHARES = {"paper": 0.42, "plates": 0.08, "ink": 0.06, "postpress": 0.1,
                 "logistics": 0.03, "service": 0.03}
PIPELINE_PER_MANAGER = (2, 4)
RECENT_MONTHS = 6  # a customer who is not lost has bought within this many months
CENT = Decimal("0.01")


def money(value: float, step: int = 10) -> Decimal:
    """``value`` rounded to ``step`` roubles, as a two-place Decimal."""
    return Decimal(round(value / step) * step).quantize(CENT)


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _days(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


class _CustomerLedger:
    def __init__(self, world: DemoWorld, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.anchor = world.timeline.anchor

    def order_days(self, company: Company) -> list[dt.date]:
        rng, timeline = self.rng, self.world.timeline
        months: list[int] = []
        if company.tier == "micro":
            months = [company.start] + [
                rng.randint(company.start, HISTORY_MONTHS - 1)
                for _ in range(0 if rng.random() < 0.65 else rng.randint(1, 2))
            ]
        else:
            appetite = rng.uniform(0.5, 1.8) if company.tier == "small" else rng.uniform(0.8, 1.2)
            if company.lost:
                appetite *= 1.5  # a customer worth missing: it bought regularly before it left
            last = company.end or HISTORY_MONTHS
            for m in range(company.start, last):
                ramp = 1.0 if company.start == 0 else min(1.0, 0.5 + 0.1 * (m - company.start))
                lam = TIER_RATE[company.tier] * appetite * ramp * SEASON[timeline.named_month(m).month]
                months += [m] * _poisson(rng, lam)
            # A new customer starts with an order; a kept one has bought within half a year.
            if company.start > 0 and company.start not in months:
                months.append(company.start)
            recent = HISTORY_MONTHS - RECENT_MONTHS
            if company.end is None and not any(m >= recent for m in months):
                months.append(rng.randint(max(recent, company.start), HISTORY_MONTHS - 1))
            while len(months) < (3 if company.lost else 1):
                months.append(rng.randint(company.start, last - 1))
        return sorted(
            workday(_days(timeline.month(m), rng.randrange(timeline.days_in(m)))) for m in months
        )

    def order(self, company: Company, day: dt.date, *, lead: int | None = None) -> PlannedOrder:
        rng = self.rng
        profile = self.world.staff[company.manager].profile
        assert profile is not None
        seasonal = day.month in SEASONAL_MONTHS and rng.random() < 0.55
        product = rng.choice(names.SEASONAL_PRODUCTS if seasonal else names.PRODUCTS)
        base = TIER_AMOUNT.get(company.tier, TIER_AMOUNT["small"]) * product.weight
        amount = money(max(3000.0, base * rng.lognormvariate(0, 0.45)))
        cost = money(float(amount) * product.cost_share * rng.uniform(0.9, 1.1))
        if lead is None:
            lead = rng.randint(4, 12) + (8 if amount > 150_000 else 0) + (7 if seasonal else 0)
        execution = next_workday(_days(day, lead))
        shipment = next_workday(_days(execution, rng.randint(0, 2)))
        if company.terms == "prepay":
            planned_payment = next_workday(_days(day, 2))
        elif company.terms == "half":
            planned_payment = next_workday(_days(shipment, 5))
        else:
            planned_payment = next_workday(_days(shipment, rng.choice((10, 14, 30))))
        quantity = min(names.QUANTITIES, key=lambda q: abs(q - float(amount) / rng.uniform(8, 60)))
        order = PlannedOrder(
            company=company, direction=Direction.CUSTOMER.value, date=day, amount=amount,
            cost=cost, product=product.name, quantity=quantity, planned_execution=execution,
            planned_shipment=shipment, planned_payment=planned_payment,
            state=OrderState.OPEN.value, manager=company.manager,
        )
        actual = next_workday(_days(shipment, rng.randint(-1, profile.delay_days + 2)))
        if shipment < self.anchor and rng.random() < profile.closed_rate:
            order.state = OrderState.CLOSED.value
            return order
        if actual < self.anchor:
            order.state = OrderState.COMPLETED.value
            self.ship(order, actual)
        elif amount > 150_000 and rng.random() < 0.3 and _days(day, 7) < self.anchor:
            part = (amount * Decimal("0.4")).quantize(CENT)
            first = max(_days(day, 3), _days(self.anchor, -rng.randint(1, 4)))
            if first < self.anchor:
                order.shipments.append((first, part, (cost * Decimal("0.4")).quantize(CENT)))
        self.pay(order, actual)
        if _days(day, 1) < self.anchor:
            order.invoice_date = _days(day, rng.randint(0, 1))
        return order

    def ship(self, order: PlannedOrder, actual: dt.date) -> None:
        assert order.cost is not None
        if order.amount > 200_000 and self.rng.random() < 0.25:
            first = max(_days(order.date, 1), _days(actual, -5))
            part, part_cost = (order.amount * Decimal("0.6")).quantize(CENT), (
                order.cost * Decimal("0.6")).quantize(CENT)
            order.shipments.append((first, part, part_cost))
            order.shipments.append((actual, order.amount - part, order.cost - part_cost))
        else:
            order.shipments.append((actual, order.amount, order.cost))

    def pay(self, order: PlannedOrder, actual_shipment: dt.date) -> None:
        rng, company = self.rng, order.company
        late = company.pay_days
        if company.terms == "prepay":
            plan = [(_days(order.date, rng.randint(0, 3) + late // 4), order.amount)]
        elif company.terms == "half":
            half = (order.amount / 2).quantize(CENT)
            plan = [(_days(order.date, rng.randint(1, 4)), half),
                    (_days(actual_shipment, 3 + late), order.amount - half)]
        else:
            plan = [(_days(order.planned_payment, late - rng.randint(0, 3)), order.amount)]
        for day, amount in plan:
            day = next_workday(max(day, order.date))
            if day < self.anchor:
                order.payments.append((day, amount))

    def build(self) -> list[PlannedOrder]:
        orders = []
        customers = [c for c in self.world.companies if c.is_customer]
        for company in customers:
            orders += [self.order(company, day) for day in self.order_days(company)]
        # Every manager has a few big jobs in progress, due in the coming weeks.
        for manager in self.world.managers:
            mine = [c for c in customers if c.manager == manager.login and not c.lost
                    and c.tier in ("big", "medium", "small")]
            count = min(len(mine), self.rng.randint(*PIPELINE_PER_MANAGER))
            for company in self.rng.sample(mine, count):
                day = workday(_days(self.anchor, -self.rng.randint(2, 20)))
                orders.append(self.order(company, day, lead=(self.anchor - day).days
                                         + self.rng.randint(20, 60)))
        return orders


def _supplier_orders(
    world: DemoWorld, rng: random.Random, customer_orders: list[PlannedOrder]
) -> list[PlannedOrder]:
    timeline, anchor = world.timeline, world.timeline.anchor
    monthly_cost = [Decimal(0)] * HISTORY_MONTHS
    for order in customer_orders:
        index = timeline.index_of(order.date)
        if 0 <= index < HISTORY_MONTHS and order.cost is not None:
            monthly_cost[index] += order.cost
    by_category: dict[str, list[Company]] = {}
    for company in world.companies:
        if company.is_supplier and company.category:
            by_category.setdefault(company.category, []).append(company)
    orders = []
    for m in range(HISTORY_MONTHS):
        for category, share in SUPPLY_SHARES.items():
            suppliers = by_category.get(category)
            if not suppliers:
                continue
            count = rng.randint(3, 6) if category == "paper" else rng.randint(1, 2)
            total = float(monthly_cost[m]) * share * rng.uniform(0.85, 1.15)
            for _ in range(count):
                supplier = suppliers[0] if rng.random() < 0.6 else rng.choice(suppliers)
                day = workday(_days(timeline.month(m), rng.randrange(timeline.days_in(m))))
                amount = money(max(1500.0, total / count * rng.uniform(0.7, 1.3)), 100)
                execution = next_workday(_days(day, rng.randint(2, 10)))
                due = next_workday(_days(day, rng.choice((0, 7, 14, 30))))
                order = PlannedOrder(
                    company=supplier, direction=Direction.SUPPLIER.value, date=day, amount=amount,
                    cost=None, product=names.SUPPLIER_CATEGORIES[category], quantity=0,
                    planned_execution=execution, planned_shipment=None, planned_payment=due,
                    state=(OrderState.COMPLETED.value if execution < anchor
                           else OrderState.OPEN.value),
                    manager=supplier.manager,
                )
                paid_on = next_workday(_days(due, rng.randint(-2, 3)))
                if paid_on < anchor:
                    order.payments.append((max(paid_on, day), amount))
                invoice_day = _days(day, rng.randint(0, min(2, (due - day).days)))
                if invoice_day < anchor:
                    order.invoice_date = invoice_day
                    order.invoice_number = str(rng.randint(100, 9999))
                orders.append(order)
    # Paper for the jobs in progress is ordered as soon as the customer's order comes in.
    paper = by_category.get("paper", [])
    for job in customer_orders:
        materials_day = next_workday(_days(job.date, rng.randint(1, 3)))
        if (not paper or job.state != OrderState.OPEN.value or job.cost is None
                or job.planned_execution < anchor or materials_day >= anchor or rng.random() < 0.4):
            continue
        supplier = paper[0] if rng.random() < 0.6 else rng.choice(paper)
        order = PlannedOrder(
            company=supplier, direction=Direction.SUPPLIER.value, date=materials_day,
            amount=money(float(job.cost) * SUPPLY_SHARES["paper"] * rng.uniform(0.9, 1.2), 100),
            cost=None, product=names.SUPPLIER_CATEGORIES["paper"], quantity=0,
            planned_execution=next_workday(max(_days(anchor, 1), _days(job.planned_execution, -5))),
            planned_shipment=None, planned_payment=next_workday(_days(materials_day, 14)),
            state=OrderState.OPEN.value, manager=supplier.manager,
        )
        if order.planned_payment < anchor:
            order.payments.append((order.planned_payment, order.amount))
        order.invoice_date = materials_day
        order.invoice_number = str(rng.randint(100, 9999))
        orders.append(order)
    return orders


def _number(orders: list[PlannedOrder]) -> None:
    orders.sort(key=lambda o: (o.date, o.direction, o.company.number, o.amount))
    counters = {Direction.CUSTOMER.value: 0, Direction.SUPPLIER.value: 0}
    prefixes = {Direction.CUSTOMER.value: "ЗП", Direction.SUPPLIER.value: "ЗПС"}
    invoices = 0
    for n, order in enumerate(orders, 1):
        counters[order.direction] += 1
        order.external_id = f"ORD-{n:06d}"
        order.number = f"{prefixes[order.direction]}-{counters[order.direction]:05d}"
        if order.direction == Direction.CUSTOMER.value and order.invoice_date is not None:
            invoices += 1
            order.invoice_number = f"СЧ-{invoices:05d}"


def _retail(world: DemoWorld, rng: random.Random) -> list[tuple[dt.date, Company, Decimal]]:
    """Counter sales to private persons and sole traders: a shipment and a payment, no order."""
    buyers = [c for c in world.companies if c.is_customer and c.tier == "micro"]
    sales = []
    for _ in range(world.scaled(18)):
        company = rng.choice(buyers)
        m = rng.randint(company.start, HISTORY_MONTHS - 1)
        day = workday(_days(world.timeline.month(m), rng.randrange(world.timeline.days_in(m))))
        sales.append((day, company, money(rng.uniform(1500, 15000))))
    return sorted(sales, key=lambda s: (s[0], s[1].number))


def build_ledger(world: DemoWorld, rng: random.Random) -> None:
    customer_orders = _CustomerLedger(world, rng).build()
    orders = customer_orders + _supplier_orders(world, rng, customer_orders)
    _number(orders)
    world.orders = orders
    ids = insert_returning_ids(world.session, Order, [{
        "external_id": o.external_id, "direction": o.direction, "number": o.number, "date": o.date,
        "counterparty_id": o.company.id, "manager_id": world.staff[o.manager].id,
        "amount": o.amount, "cost": o.cost, "currency": CURRENCY,
        "planned_execution": o.planned_execution, "planned_shipment": o.planned_shipment,
        "planned_payment": o.planned_payment, "state": o.state,
    } for o in orders])
    for order, order_id in zip(orders, ids, strict=True):
        order.id = order_id
    retail = _retail(world, rng)
    shipments: list[tuple[Any, ...]] = [
        (day, o.external_id, o.id, o.company.id, revenue, cost)
        for o in orders for day, revenue, cost in o.shipments
    ] + [(day, "", None, c.id, amount, money(float(amount) * 0.6)) for day, c, amount in retail]
    shipments.sort(key=lambda s: (s[0], s[1], s[3]))
    insert_all(world.session, Shipment, [
        {"external_id": f"SHP-{n:06d}", "order_id": order_id, "counterparty_id": cp_id,
         "date": day, "revenue": revenue, "cost": cost, "currency": CURRENCY}
        for n, (day, _, order_id, cp_id, revenue, cost) in enumerate(shipments, 1)
    ])
    payments: list[tuple[Any, ...]] = [
        (day, o.external_id, o.id, o.company.id, amount,
         PaymentDirection.IN.value if o.direction == Direction.CUSTOMER.value
         else PaymentDirection.OUT.value)
        for o in orders for day, amount in o.payments
    ] + [(day, "", None, c.id, amount, PaymentDirection.IN.value) for day, c, amount in retail]
    payments.sort(key=lambda p: (p[0], p[1], p[3]))
    insert_all(world.session, Payment, [
        {"external_id": f"PAY-{n:06d}", "order_id": order_id, "counterparty_id": cp_id,
         "date": day, "amount": amount, "currency": CURRENCY, "direction": direction}
        for n, (day, _, order_id, cp_id, amount, direction) in enumerate(payments, 1)
    ])
    invoiced = sorted((o for o in orders if o.invoice_date is not None),
                      key=lambda o: (o.invoice_date, o.external_id))
    insert_all(world.session, Invoice, [
        {"external_id": f"INV-{n:06d}", "direction": o.direction, "number": o.invoice_number,
         "date": o.invoice_date, "counterparty_id": o.company.id, "order_id": o.id,
         "amount": o.amount, "currency": CURRENCY, "due": o.planned_payment,
         "paid": min(o.paid, o.amount)}
        for n, o in enumerate(invoiced, 1)
    ])
