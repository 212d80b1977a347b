"""Manager performance for a period (slide 17), per manager or per team.

Every figure is a sum over one of the row sources of :mod:`letterpress.crm.analytics.drilldown`
(which also lists the rows behind it). Indicators:

* ``counterparties``, ``completeness`` (weighted checklist, 0..1, now), ``completeness_start`` /
  ``completeness_end`` (snapshots of the month before the period and of its last month; the
  current state when the period reaches this month), ``completeness_change`` = end - start; the
  same five for contact persons (``contacts...``);
* ``customers_at_start`` (one-time or regular at the end of the month before the period) and
  ``lost`` (those of them lost at the period's end), both for the manager responsible at the
  start; ``loss_rate`` = lost / customers_at_start (the seed's coefficient) and ``retention`` =
  1 - it; stage changes within the period for the manager responsible then: ``new_customers``
  (first purchase), ``one_time_to_regular``, ``became_lost`` (every change to lost, a customer
  lost in spring and won back in autumn included) and ``won_back``;
* ``events`` (done events with a counterparty, by the responsible user) and ``events_<kind>``;
* ``orders``, ``orders_sum``, ``orders_paid``, ``orders_shipped`` (customer orders dated in the
  period; paid and shipped by its end), ``closed_unshipped`` and ``closed_unshipped_sum``
  (of those, closed without shipment);
* ``revenue``, ``gross_profit`` (shipments in the period) and ``payments_received``.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics import drilldown as rows_of
from letterpress.crm.analytics.completeness import per_manager
from letterpress.crm.analytics.expressions import kopecks, tune
from letterpress.crm.analytics.periods import month_no, month_start
from letterpress.crm.analytics.register import ensure_fresh
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_scope,
    ratio,
    roubles,
    settings_used,
)
from letterpress.crm.model import (
    CompletenessSnapshot,
    CustomerMonth,
    Order,
    Payment,
    Role,
    Shipment,
    Team,
    User,
)

COMPLETENESS = ("completeness", "completeness_start", "completeness_end", "completeness_change")
CONTACTS = ("contacts_completeness", "contacts_completeness_start",
            "contacts_completeness_end", "contacts_completeness_change")
STAGE_KEYS = ("customers_at_start", "lost", "loss_rate", "retention", "new_customers",
              "one_time_to_regular", "became_lost", "won_back")
EVENT_KEYS = ("events", *(f"events_{kind}" for kind in rows_of.EVENT_KINDS))
ORDER_KEYS = ("orders", "orders_sum", "orders_paid", "orders_shipped", "closed_unshipped",
              "closed_unshipped_sum")
MONEY_KEYS = ("revenue", "gross_profit", "payments_received")
INDICATORS = ("counterparties", *COMPLETENESS, "contacts", *CONTACTS, *STAGE_KEYS, *EVENT_KEYS,
              *ORDER_KEYS, *MONEY_KEYS)
_SUMMED = ("counterparties", "contacts", "customers_at_start", "new_customers",
           "one_time_to_regular", "lost", "became_lost", "won_back", *EVENT_KEYS, *ORDER_KEYS, *MONEY_KEYS,
           "_cp_score", "_ct_score", "_start_n", "_start_s", "_start_cn", "_start_cs", "_end_n",
           "_end_s", "_end_cn", "_end_cs")

Figures = dict[int | None, dict[str, Any]]


def _add(figures: Figures, rows: Any) -> None:
    for row in rows:
        data = dict(row)
        target = figures[data.pop("manager_id")]
        for key, value in data.items():
            if isinstance(value, Decimal):  # PostgreSQL sums integers as numeric
                value = int(value) if value == value.to_integral_value() else float(value)
            target[key] = target.get(key, 0) + (value or 0)


def _snapshot(session: Session, month: int, prefix: str, figures: Figures) -> bool:
    snap = CompletenessSnapshot.__table__
    rows = session.execute(
        select(snap.c.manager_id, snap.c.counterparties.label(f"{prefix}_n"),
               snap.c.counterparty_score.label(f"{prefix}_s"),
               snap.c.contacts.label(f"{prefix}_cn"), snap.c.contact_score.label(f"{prefix}_cs"))
        .where(snap.c.month == month_start(month))
    ).mappings().all()
    _add(figures, rows)
    return bool(rows)


def collect(session: Session, settings: AnalyticsSettings, request: ReportRequest,
            tz: zoneinfo.ZoneInfo) -> tuple[Figures, bool, bool, list[str]]:
    """Raw sums per manager id (None: unassigned) for every indicator, whether completeness
    snapshots were found for the period's start and end, and notes."""
    tune(session, settings.postgres_work_mem)
    w = rows_of.Window(request.period, month_no(request.today), tz)
    figures: Figures = defaultdict(dict)
    notes: list[str] = []
    pm = per_manager(settings)
    _add(figures, session.execute(select(
        pm.c.manager_id, pm.c.counterparties, pm.c.counterparty_score.label("_cp_score"),
        pm.c.contacts, pm.c.contact_score.label("_ct_score"))).mappings())
    has_start = _snapshot(session, request.period.first - 1, "_start", figures)
    if not has_start:
        notes.append(f"no completeness snapshot for {month_start(request.period.first - 1):%Y-%m}")
    has_end = True
    if request.period.last >= w.today_no:
        for values in figures.values():
            values.update(_end_n=values.get("counterparties", 0),
                          _end_s=values.get("_cp_score", 0), _end_cn=values.get("contacts", 0),
                          _end_cs=values.get("_ct_score", 0))
    elif not (has_end := _snapshot(session, request.period.last, "_end", figures)):
        notes.append(f"no completeness snapshot for {request.period.end:%Y-%m}")

    changes = rows_of.change_rows(w)
    sc = changes.c
    stage_sums = [func.sum(case((predicate, 1), else_=0)).label(key)
                  for key, predicate in rows_of.stage_predicates(sc).items()]
    _add(figures, session.execute(select(sc.manager_id, *stage_sums)
                                  .group_by(sc.manager_id)).mappings())
    start = rows_of.start_customer_rows(w)
    _add(figures, session.execute(
        select(start.c.manager_id, func.count().label("customers_at_start"))
        .group_by(start.c.manager_id)).mappings())
    lost = rows_of.lost_rows(w)
    _add(figures, session.execute(
        select(lost.c.manager_id, func.count().label("lost"))
        .group_by(lost.c.manager_id)).mappings())

    events = rows_of.event_rows(w)
    _add(figures, session.execute(
        select(events.c.manager_id, func.count().label("events"),
               *(func.sum(case((events.c.kind == kind, 1), else_=0)).label(f"events_{kind}")
                 for kind in rows_of.EVENT_KINDS))
        .group_by(events.c.manager_id)).mappings())

    # The same sums as over rows_of.order_rows, in three plain joins (faster than per-order
    # subtotals on a large ledger).
    o = Order.__table__
    in_period = and_(o.c.direction == "customer", o.c.date >= request.period.start,
                     o.c.date < request.period.stop)
    closed = o.c.state == "closed"
    _add(figures, session.execute(
        select(o.c.manager_id, func.count().label("orders"),
               func.sum(kopecks(o.c.amount)).label("orders_sum"),
               func.sum(case((closed, 1), else_=0)).label("closed_unshipped"),
               func.sum(case((closed, kopecks(o.c.amount)), else_=0))
               .label("closed_unshipped_sum"))
        .where(in_period).group_by(o.c.manager_id)).mappings())
    _add(figures, session.execute(
        select(o.c.manager_id, func.sum(kopecks(Payment.amount)).label("orders_paid"))
        .select_from(Payment).join(o, o.c.id == Payment.order_id)
        .where(in_period, Payment.direction == "in", Payment.date < request.period.stop)
        .group_by(o.c.manager_id)).mappings())
    _add(figures, session.execute(
        select(o.c.manager_id, func.sum(kopecks(Shipment.revenue)).label("orders_shipped"))
        .select_from(Shipment).join(o, o.c.id == Shipment.order_id)
        .where(in_period, Shipment.date < request.period.stop)
        .group_by(o.c.manager_id)).mappings())

    cm = CustomerMonth.__table__
    _add(figures, session.execute(
        select(cm.c.manager_id, func.sum(cm.c.revenue).label("revenue"),
               func.sum(cm.c.revenue - cm.c.cost).label("gross_profit"))
        .where(cm.c.month_no >= request.period.first, cm.c.month_no <= w.read_no)
        .group_by(cm.c.manager_id)).mappings())
    payments = rows_of.payment_rows(w)
    _add(figures, session.execute(
        select(payments.c.manager_id, func.sum(payments.c.amount).label("payments_received"))
        .group_by(payments.c.manager_id)).mappings())
    return figures, has_start, has_end, notes


def _share(score: float | None, n: int | None) -> float | None:
    return float(score) / n if n and score is not None else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def finish(values: dict[str, Any], has_start: bool, has_end: bool) -> dict[str, Any]:
    """Ratios and money from the raw sums of one manager or team."""
    out: dict[str, Any] = {}
    for key in INDICATORS:
        out[key] = values.get(key, 0)
    out["completeness"] = _share(values.get("_cp_score"), values.get("counterparties"))
    out["contacts_completeness"] = _share(values.get("_ct_score"), values.get("contacts"))
    for prefix, key in (("_start", "completeness_start"), ("_end", "completeness_end")):
        present = has_start if prefix == "_start" else has_end
        out[key] = _share(values.get(f"{prefix}_s"), values.get(f"{prefix}_n")) if present else None
        out[f"contacts_{key}"] = (_share(values.get(f"{prefix}_cs"), values.get(f"{prefix}_cn"))
                                  if present else None)
    for key in ("completeness", "contacts_completeness"):
        start, end = out[f"{key}_start"], out[f"{key}_end"]
        out[f"{key}_change"] = end - start if start is not None and end is not None else None
    for key in (*COMPLETENESS, *CONTACTS):
        out[key] = _round(out[key])
    at_start = values.get("customers_at_start", 0)
    out["loss_rate"] = ratio(values.get("lost", 0) / at_start, 4) if at_start else None
    out["retention"] = round(1 - out["loss_rate"], 4) if out["loss_rate"] is not None else None
    for key in ("orders_sum", "orders_paid", "orders_shipped", "closed_unshipped_sum",
                *MONEY_KEYS):
        out[key] = roubles(values.get(key, 0))
    for key in ("counterparties", "contacts", "customers_at_start", "new_customers",
                "one_time_to_regular", "lost", "became_lost", "won_back", *EVENT_KEYS, "orders",
                "closed_unshipped"):
        out[key] = int(values.get(key, 0))
    return out


def managers_report(session: Session, settings: AnalyticsSettings, request: ReportRequest,
                    tz: zoneinfo.ZoneInfo) -> Report:
    ensure_fresh(session, settings, request.today)
    figures, has_start, has_end, notes = collect(session, settings, request, tz)
    scope = manager_scope(session, request)
    people = {u.id: u for u in session.scalars(select(User))}
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    staff = {u.id for u in people.values()
             if u.active and u.role in (Role.MANAGER.value, Role.HEAD.value)}
    ids = set(figures) | staff
    visible = [i for i in ids if (scope is None or i in scope)
               and (i is not None or figures.get(None))]
    used = settings_used(settings, "stage_window_months", "lost_after_months", "completeness",
                         "contact_completeness")
    if request.option("by") == "team":
        grouped: dict[str | None, dict[str, Any]] = defaultdict(dict)
        members: dict[str | None, int] = defaultdict(int)
        for i in visible:
            user = people.get(i) if i is not None else None
            team = teams.get(user.team_id) if user and user.team_id else None
            members[team] += 1
            for key in _SUMMED:
                grouped[team][key] = grouped[team].get(key, 0) + figures.get(i, {}).get(key, 0)
        rows = [{"team": team, "managers": members[team],
                 **finish(grouped[team], has_start, has_end)}
                for team in sorted(grouped, key=lambda t: (t is None, t or ""))]
        return Report("managers", request.period, ["team", "managers", *INDICATORS], rows, used,
                      notes)
    rows = []
    for i in sorted(visible, key=lambda i: (i is None, people[i].login if i else "")):
        user = people.get(i) if i is not None else None
        team = teams.get(user.team_id) if user and user.team_id else None
        rows.append({"manager": user.login if user else None, "name": user.name if user else "",
                     "team": team, **finish(figures.get(i, {}), has_start, has_end)})
    return Report("managers", request.period, ["manager", "name", "team", *INDICATORS], rows,
                  used, notes)
