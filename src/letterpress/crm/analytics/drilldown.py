"""The rows behind each figure of the managers report, as SQL subqueries with a ``manager_id``
(and, naming a counterparty, its ``counterparty_id``, which pages link the row to the card by).

:mod:`letterpress.crm.analytics.managers` sums these subqueries per manager; :func:`drilldown`
lists the rows of one manager and one indicator, so every figure can be explained row by row.
Attribution (whose figure it is):

* counterparties and their contact persons: the counterparty's responsible manager (now);
* stage changes, customers at the period's start and those of them lost at its end: the
  manager responsible for the customer in that month, at the start (the register's
  ``manager_id``);
* events: the responsible user; orders: the order's manager;
* revenue and gross profit: the register's manager of the shipment's customer and month;
* payments received: the order's manager, else the counterparty's.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.completeness import contact_rows, counterparty_rows
from letterpress.crm.analytics.expressions import kopecks, month_of
from letterpress.crm.analytics.periods import Period, month_no
from letterpress.crm.analytics.register import LOST, ONE_TIME, POTENTIAL, REGULAR, ensure_fresh
from letterpress.crm.analytics.report import ReportRequest, roubles
from letterpress.crm.model import (
    Counterparty,
    CustomerMonth,
    Event,
    EventKind,
    Order,
    Payment,
    Shipment,
    StageChange,
    User,
)
from letterpress.crm.permissions import can_view_manager_report
from letterpress.errors import NotFound, PermissionDenied, ValidationError

ACTIVE = (ONE_TIME, REGULAR)
EVENT_KINDS = tuple(k.value for k in EventKind)


@dataclass(frozen=True)
class Window:
    """A period as months, days and instants (events are timestamps, the ledger has dates)."""

    period: Period
    today_no: int
    tz: zoneinfo.ZoneInfo

    @property
    def read_no(self) -> int:
        return min(self.period.last, self.today_no)

    @property
    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        return self.period.bounds(self.tz)


def stage_predicates(columns: Any = None) -> dict[str, ColumnElement[bool]]:
    """The stage-change indicators as conditions on ``from_stage`` and ``to_stage`` columns."""
    c = columns if columns is not None else StageChange.__table__.c
    return {
        "new_customers": and_(or_(c.from_stage.is_(None), c.from_stage == POTENTIAL),
                              c.to_stage.in_(ACTIVE)),
        "one_time_to_regular": and_(c.from_stage == ONE_TIME, c.to_stage == REGULAR),
        "became_lost": c.to_stage == LOST,
        "won_back": and_(c.from_stage == LOST, c.to_stage.in_(ACTIVE)),
    }


def change_rows(w: Window, predicate: ColumnElement[bool] | None = None) -> Any:
    sc, cp = StageChange.__table__, Counterparty.__table__
    return (
        select(sc.c.id, cp.c.external_id.label("counterparty"), cp.c.name, sc.c.month,
               sc.c.from_stage, sc.c.to_stage, sc.c.manager_id, sc.c.counterparty_id)
        .select_from(sc.join(cp, cp.c.id == sc.c.counterparty_id))
        .where(sc.c.month_no >= w.period.first, sc.c.month_no <= w.period.last,
               predicate if predicate is not None else true())
        .subquery("changes")
    )


def start_customer_rows(w: Window) -> Any:
    """Customers (one-time or regular) at the end of the month before the period."""
    cm, cp = CustomerMonth.__table__, Counterparty.__table__
    return (
        select(cm.c.counterparty_id.label("id"), cp.c.external_id.label("counterparty"),
               cp.c.name, cm.c.stage, cm.c.manager_id, cm.c.counterparty_id)
        .select_from(cm.join(cp, cp.c.id == cm.c.counterparty_id))
        .where(cm.c.month_no == w.period.first - 1, cm.c.stage.in_(ACTIVE))
        .subquery("start_customers")
    )


def lost_rows(w: Window) -> Any:
    """Customers at the period's start (see :func:`start_customer_rows`) lost at its end, with
    the manager responsible for them at the start: the seed's "clients lost in the period"."""
    start = aliased(CustomerMonth, name="at_start")
    end = aliased(CustomerMonth, name="at_end")
    cp = Counterparty.__table__
    return (
        select(start.counterparty_id.label("id"), cp.c.external_id.label("counterparty"),
               cp.c.name, start.stage.label("stage_at_start"), start.manager_id,
               start.counterparty_id)
        .select_from(start)
        .join(end, and_(end.counterparty_id == start.counterparty_id,
                        end.month_no == w.read_no))
        .join(cp, cp.c.id == start.counterparty_id)
        .where(start.month_no == w.period.first - 1, start.stage.in_(ACTIVE),
               end.stage == LOST)
        .subquery("lost_customers")
    )


def event_rows(w: Window, kind: str | None = None) -> Any:
    ev, cp = Event.__table__, Counterparty.__table__
    start, stop = w.instants
    return (
        select(ev.c.id, ev.c.kind, ev.c.start_at, cp.c.external_id.label("counterparty"),
               ev.c.subject, ev.c.responsible_id.label("manager_id"), ev.c.counterparty_id)
        .select_from(ev.join(cp, cp.c.id == ev.c.counterparty_id))
        .where(ev.c.state == "done", ev.c.start_at >= start, ev.c.start_at < stop,
               ev.c.kind == kind if kind else true())
        .subquery("events")
    )


def order_rows(w: Window, *, closed_only: bool = False) -> Any:
    """Customer orders dated in the period with what was paid and shipped for them by its end."""
    o, cp = Order.__table__, Counterparty.__table__
    in_period = and_(o.c.direction == "customer", o.c.date >= w.period.start,
                     o.c.date < w.period.stop)
    ids = select(o.c.id).where(in_period)
    paid = (select(Payment.order_id, func.sum(kopecks(Payment.amount)).label("paid"))
            .where(Payment.direction == "in", Payment.date < w.period.stop,
                   Payment.order_id.in_(ids))
            .group_by(Payment.order_id).subquery("paid"))
    shipped = (select(Shipment.order_id, func.sum(kopecks(Shipment.revenue)).label("shipped"))
               .where(Shipment.date < w.period.stop, Shipment.order_id.in_(ids))
               .group_by(Shipment.order_id).subquery("shipped"))
    return (
        select(o.c.id, o.c.external_id, o.c.number, o.c.date, o.c.state,
               cp.c.external_id.label("counterparty"), kopecks(o.c.amount).label("amount"),
               func.coalesce(paid.c.paid, 0).label("paid"),
               func.coalesce(shipped.c.shipped, 0).label("shipped"), o.c.manager_id,
               o.c.counterparty_id)
        .select_from(o.join(cp, cp.c.id == o.c.counterparty_id)
                     .outerjoin(paid, paid.c.order_id == o.c.id)
                     .outerjoin(shipped, shipped.c.order_id == o.c.id))
        .where(in_period, o.c.state == "closed" if closed_only else true())
        .subquery("orders_in_period")
    )


def shipment_rows(w: Window) -> Any:
    s, cm, cp = Shipment.__table__, CustomerMonth.__table__, Counterparty.__table__
    return (
        select(s.c.id, s.c.external_id, s.c.date, cp.c.external_id.label("counterparty"),
               kopecks(s.c.revenue).label("revenue"),
               kopecks(func.coalesce(s.c.cost, 0)).label("cost"), cm.c.manager_id,
               s.c.counterparty_id)
        .select_from(s.join(cp, cp.c.id == s.c.counterparty_id)
                     .join(cm, and_(cm.c.counterparty_id == s.c.counterparty_id,
                                    cm.c.month_no == month_of(s.c.date))))
        .where(s.c.date >= w.period.start, s.c.date < w.period.stop)
        .subquery("shipments_in_period")
    )


def payment_rows(w: Window) -> Any:
    p, o, cp = Payment.__table__, Order.__table__, Counterparty.__table__
    return (
        select(p.c.id, p.c.external_id, p.c.date, cp.c.external_id.label("counterparty"),
               kopecks(p.c.amount).label("amount"),
               func.coalesce(o.c.manager_id, cp.c.manager_id).label("manager_id"),
               p.c.counterparty_id)
        .select_from(p.join(cp, cp.c.id == p.c.counterparty_id)
                     .outerjoin(o, o.c.id == p.c.order_id))
        .where(p.c.direction == "in", p.c.date >= w.period.start, p.c.date < w.period.stop)
        .subquery("payments_in_period")
    )


def _source(settings: AnalyticsSettings, w: Window, indicator: str) -> Any:
    """The row subquery behind ``indicator``."""
    stages = stage_predicates()
    if indicator in stages:
        return change_rows(w, stages[indicator])
    if indicator in ("lost", "loss_rate"):
        return lost_rows(w)
    if indicator in ("customers_at_start", "retention"):
        return start_customer_rows(w)
    if indicator.startswith("events"):
        kind = indicator.removeprefix("events").removeprefix("_") or None
        if kind is not None and kind not in EVENT_KINDS:
            raise ValidationError(f"no event kind {kind!r}", field="indicator")
        return event_rows(w, kind)
    if indicator in ("orders", "orders_sum", "orders_paid", "orders_shipped"):
        return order_rows(w)
    if indicator in ("closed_unshipped", "closed_unshipped_sum"):
        return order_rows(w, closed_only=True)
    if indicator in ("revenue", "gross_profit"):
        return shipment_rows(w)
    if indicator == "payments_received":
        return payment_rows(w)
    if indicator.startswith("contacts"):
        return contact_rows(settings)
    if indicator in ("counterparties",) or indicator.startswith("completeness"):
        return counterparty_rows(settings)
    raise ValidationError(f"no indicator {indicator!r}", field="indicator")


_MONEY = {"amount", "paid", "shipped", "revenue", "cost"}


def drilldown(session: Session, settings: AnalyticsSettings, request: ReportRequest,
              manager: str | None, indicator: str, tz: zoneinfo.ZoneInfo) -> list[dict[str, Any]]:
    """The rows behind ``indicator`` of ``manager`` (a login; None: unassigned) in the period."""
    manager_id: int | None = None
    if manager is not None:
        user = session.scalar(select(User).where(User.login == manager))
        if user is None:
            raise NotFound(f"no user with login {manager!r}")
        manager_id = user.id
    if not can_view_manager_report(session, request.viewer, manager_id):
        viewer = request.viewer.login if request.viewer else "?"
        raise PermissionDenied(f"{viewer} may not see the figures of {manager or 'nobody'}")
    ensure_fresh(session, settings, request.today)
    w = Window(request.period, month_no(request.today), tz)
    rows = _source(settings, w, indicator)
    owner = rows.c.manager_id.is_(None) if manager_id is None else rows.c.manager_id == manager_id
    query = select(rows).where(owner).order_by(*[c for c in rows.c if c.name == "id"])
    out = []
    for row in session.execute(query).mappings():
        item = {k: v for k, v in row.items() if k != "manager_id"}
        for key in _MONEY & item.keys():
            item[key] = roubles(item[key])
        for key, value in item.items():
            if isinstance(value, dt.datetime | dt.date):
                item[key] = value.isoformat()
        out.append(item)
    return out
