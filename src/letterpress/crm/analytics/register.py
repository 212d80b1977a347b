"""The monthly customer register: built from the ledger in SQL, read by every report.

One row per customer and month (:class:`~letterpress.crm.model.CustomerMonth`), from the
customer's first month to the current one, holding the month's sums, running totals and the
relationship stage at the month's end. A customer is a counterparty of kind customer, both or
person, or any counterparty with a shipment or a customer order; its first month is that of its
first shipment or order, or else the month it was created (never before the ledger's first month).

Stages at the end of month *m* (``W`` = ``stage_window_months``, ``L`` = ``lost_after_months``):

* ``potential`` - no shipment up to *m*;
* ``lost`` - shipments before, none in the last ``L`` months (*m-L+1* .. *m*);
* ``regular`` - shipments in two or more of the months *m-W+1* .. *m*;
* ``one_time`` - shipments in exactly one of them.

A purchase is a shipment (its revenue is what ABC and XYZ measure); an order that was never
shipped does not make a customer. The responsible manager of a customer-month is the manager of
the customer's latest customer order up to that month, else the counterparty's manager: stage
changes and revenue stay with whoever handled the customer then, even after a hand-over.

:func:`refresh` rebuilds the register and the stage changes in one transaction (a rebuild of the
same ledger gives the same rows). :func:`ensure_fresh` rebuilds only when the ledger's
fingerprint (the highest ids of shipments, orders and counterparties, the stage settings and the
current month) moved since the last build: new rows are seen at once, corrections of existing
rows by the nightly run or ``letterpress analytics run``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    union_all,
    values,
)
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.expressions import kopecks, month_of, month_of_utc, table_of, tune
from letterpress.crm.analytics.periods import month_no, month_start
from letterpress.crm.model import (
    AnalyticsRun,
    Counterparty,
    CustomerMonth,
    Order,
    Shipment,
    StageChange,
)
from letterpress.db.types import utcnow

log = logging.getLogger(__name__)

POTENTIAL, ONE_TIME, REGULAR, LOST = "potential", "one_time", "regular", "lost"
STAGES = (POTENTIAL, ONE_TIME, REGULAR, LOST)
CUSTOMER_KINDS = ("customer", "both", "person")
_LOCK_KEY = 0x4C50_414E  # "LPAN": one register rebuild at a time (PostgreSQL advisory lock)


def fingerprint(session: Session, settings: AnalyticsSettings, today: dt.date) -> str:
    """What the register was built from, cheaply: each part is one index look-up, all three in
    one statement (every report asks)."""
    row = session.execute(select(*(
        select(func.max(model.id)).scalar_subquery() for model in (Shipment, Order, Counterparty)
    ))).one()
    parts = [value or 0 for value in row]
    return (f"s{parts[0]}:o{parts[1]}:c{parts[2]}:w{settings.stage_window_months}"
            f":l{settings.lost_after_months}:m{month_no(today)}")


def last_build(session: Session) -> AnalyticsRun | None:
    return session.scalar(
        select(AnalyticsRun).where(AnalyticsRun.kind == "totals")
        .order_by(AnalyticsRun.finished_at.desc(), AnalyticsRun.id.desc()).limit(1)
    )


def ensure_fresh(session: Session, settings: AnalyticsSettings, today: dt.date) -> AnalyticsRun:
    """The register's build for this ledger and ``today``, rebuilding it first when stale."""
    run = last_build(session)
    if run is not None and run.fingerprint == fingerprint(session, settings, today):
        return run
    return refresh(session, settings, today)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _ledger_first_month(session: Session, stop: dt.date) -> int | None:
    firsts = [
        session.scalar(select(func.min(Shipment.date)).where(Shipment.date < stop)),
        session.scalar(select(func.min(Order.date)).where(Order.direction == "customer",
                                                          Order.date < stop)),
    ]
    known = [d for d in firsts if d is not None]
    return min(month_no(d) for d in known) if known else None


def _first_created_month(session: Session) -> int | None:
    value = session.scalar(
        select(func.min(month_of_utc(Counterparty.created_at)))
        .where(Counterparty.kind.in_(CUSTOMER_KINDS))
    )
    return int(value) if value is not None else None


def _sparse_sales(stop: dt.date) -> Any:
    s = Shipment.__table__
    m = month_of(s.c.date)
    return (
        select(s.c.counterparty_id.label("cp"), m.label("m"),
               func.sum(kopecks(s.c.revenue)).label("revenue"),
               func.sum(kopecks(func.coalesce(s.c.cost, 0))).label("cost"),
               func.count().label("n"))
        .where(s.c.date < stop)
        .group_by(s.c.counterparty_id, m)
        .cte("sales").prefix_with("MATERIALIZED")
    )


def _sparse_orders(stop: dt.date) -> Any:
    o = Order.__table__
    m = month_of(o.c.date)
    ranked = (
        select(o.c.counterparty_id.label("cp"), m.label("m"), o.c.manager_id, o.c.state,
               func.row_number().over(
                   partition_by=(o.c.counterparty_id, m),
                   order_by=(case((o.c.manager_id.is_(None), 1), else_=0), o.c.date.desc(),
                             o.c.id.desc()),
               ).label("rn"))
        .where(o.c.direction == "customer", o.c.date < stop)
        .subquery("ranked_orders")
    )
    return (
        select(ranked.c.cp, ranked.c.m,
               func.sum(case((ranked.c.state != "closed", 1), else_=0)).label("n"),
               func.max(case((ranked.c.rn == 1, ranked.c.manager_id))).label("mgr"))
        .group_by(ranked.c.cp, ranked.c.m)
        .cte("customer_orders").prefix_with("MATERIALIZED")
    )


def register_select(settings: AnalyticsSettings, first: int, last: int) -> Select[Any]:
    """The register's rows for months ``first``..``last``, in SQL (what :func:`refresh` inserts)."""
    stop = month_start(last + 1)
    sales, orders = _sparse_sales(stop), _sparse_orders(stop)
    c = Counterparty.__table__
    created = month_of_utc(c.c.created_at)
    starts = union_all(
        select(sales.c.cp, sales.c.m),
        select(orders.c.cp, orders.c.m),
        select(c.c.id, case((created < first, first), else_=created))
        .where(c.c.kind.in_(CUSTOMER_KINDS)),
    ).subquery("starts")
    universe = (
        select(starts.c.cp, func.min(starts.c.m).label("first_m"))
        .group_by(starts.c.cp).subquery("universe")
    )
    months = values(column("m", Integer), column("month", Date), name="months").data(
        [(no, month_start(no)) for no in range(first, last + 1)]
    ).cte("months")
    sold = case((sales.c.n > 0, 1), else_=0)
    grid = (
        select(universe.c.cp, months.c.m, months.c.month,
               func.coalesce(sales.c.revenue, 0).label("revenue"),
               func.coalesce(sales.c.cost, 0).label("cost"),
               func.coalesce(sales.c.n, 0).label("shipments"),
               func.coalesce(orders.c.n, 0).label("orders"),
               orders.c.mgr, sold.label("sold"))
        .select_from(
            universe.join(months, and_(months.c.m >= universe.c.first_m,
                                       months.c.m <= last))
            .outerjoin(sales, and_(sales.c.cp == universe.c.cp, sales.c.m == months.c.m))
            .outerjoin(orders, and_(orders.c.cp == universe.c.cp, orders.c.m == months.c.m))
        )
        .subquery("grid")
    )

    def running(value: Any, type_: Any = BigInteger) -> Any:
        return cast(func.sum(value).over(partition_by=grid.c.cp, order_by=grid.c.m,
                                         rows=(None, 0)), type_)

    first_pass = select(
        grid,
        running(grid.c.sold, Integer).label("cum_sold"),
        running(grid.c.revenue).label("cum_revenue"),
        running(grid.c.revenue - grid.c.cost).label("cum_profit"),
        running(grid.c.shipments).label("cum_shipments"),
        running(grid.c.orders).label("cum_orders"),
        cast(func.count(grid.c.mgr).over(partition_by=grid.c.cp, order_by=grid.c.m,
                                         rows=(None, 0)), Integer).label("mgr_group"),
    ).subquery("first_pass")
    f = first_pass.c

    def lagged(months_back: int) -> Any:
        return func.lag(f.cum_sold, literal_column(str(int(months_back))),
                        cast(literal_column("0"), Integer)).over(partition_by=f.cp,
                                                                 order_by=f.m)

    second_pass = select(
        first_pass,
        (f.cum_sold - lagged(settings.stage_window_months)).label("window_sold"),
        (f.cum_sold - lagged(settings.lost_after_months)).label("recent_sold"),
        func.max(f.mgr).over(partition_by=(f.cp, f.mgr_group)).label("carried_mgr"),
    ).subquery("second_pass")
    p = second_pass.c
    stage = case(
        (p.cum_sold == 0, POTENTIAL),
        (p.recent_sold == 0, LOST),
        (p.window_sold >= 2, REGULAR),
        else_=ONE_TIME,
    )
    manager = case((p.mgr_group > 0, p.carried_mgr), else_=c.c.manager_id)
    return (
        select(p.cp, p.m, p.month, p.revenue, p.cost, p.shipments, p.orders, p.cum_revenue,
               p.cum_profit, p.cum_shipments, p.cum_orders, p.cum_sold, p.window_sold, stage,
               manager)
        .select_from(second_pass.join(c, c.c.id == p.cp))
        .order_by(p.m, p.cp)
    )


REGISTER_COLUMNS = (
    "counterparty_id", "month_no", "month", "revenue", "cost", "shipments", "orders",
    "cum_revenue", "cum_profit", "cum_shipments", "cum_orders", "cum_sale_months",
    "window_sale_months", "stage", "manager_id",
)


def changes_select() -> Select[Any]:
    """Every month whose stage differs from the month before (the first month included)."""
    cm = CustomerMonth.__table__
    lagged = select(
        cm.c.counterparty_id, cm.c.month_no, cm.c.month, cm.c.stage, cm.c.manager_id,
        func.lag(cm.c.stage).over(partition_by=cm.c.counterparty_id,
                                  order_by=cm.c.month_no).label("previous"),
    ).subquery("lagged")
    return (
        select(lagged.c.counterparty_id, lagged.c.month_no, lagged.c.month, lagged.c.previous,
               lagged.c.stage, lagged.c.manager_id)
        .where(or_(lagged.c.previous.is_(None), lagged.c.previous != lagged.c.stage))
        .order_by(lagged.c.month_no, lagged.c.counterparty_id)
    )


def register_settings(settings: AnalyticsSettings) -> dict[str, Any]:
    return {"stage_window_months": settings.stage_window_months,
            "lost_after_months": settings.lost_after_months}


def refresh(session: Session, settings: AnalyticsSettings, today: dt.date) -> AnalyticsRun:
    """Rebuild the register and the stage changes up to the month of ``today`` (caller commits)."""
    started = utcnow()
    clock = time.perf_counter()
    _lock(session)
    tune(session, settings.postgres_work_mem)
    print_ = fingerprint(session, settings, today)
    session.execute(delete(StageChange))
    session.execute(delete(CustomerMonth))
    last = month_no(today)
    ledger_first = _ledger_first_month(session, month_start(last + 1))
    created_first = _first_created_month(session)
    first = ledger_first if ledger_first is not None else created_first
    rows = 0
    if first is not None and first <= last:
        session.execute(
            insert(table_of(CustomerMonth)).from_select(REGISTER_COLUMNS,
                                              register_select(settings, first, last))
        )
        rows = session.scalar(select(func.count()).select_from(CustomerMonth)) or 0
        if session.get_bind().dialect.name == "postgresql":
            # Fresh statistics, or the planner takes the rebuilt tables for empty ones.
            session.execute(text("ANALYZE analytics_customer_months"))
            session.execute(text("ANALYZE analytics_stage_changes"))
        session.execute(
            insert(table_of(StageChange)).from_select(
                ("counterparty_id", "month_no", "month", "from_stage", "to_stage", "manager_id"),
                changes_select(),
            )
        )
    run = AnalyticsRun(
        kind="totals", period_start=month_start(first) if first is not None else None,
        period_end=month_start(last), settings=json.dumps(register_settings(settings)),
        fingerprint=print_, rows=rows, started_at=started, finished_at=utcnow(),
    )
    session.add(run)
    session.flush()
    log.info("analytics register rebuilt: %d customer-months in %.2f s", rows,
             time.perf_counter() - clock)
    return run
