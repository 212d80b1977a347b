"""Event reports (slides 5-12): events by kind and client, unfulfilled orders, plans and workload.

Views (``view`` option):

* ``kinds`` (default): events starting in the period grouped by client and kind (``group``
  ``kind`` or ``client`` for one of the two), with how many are done, planned and cancelled;
* ``unfulfilled``: open customer orders dated up to the period's end (Список неисполненных
  заказов) with what was shipped and paid, and days overdue against the planned shipment;
* ``planned``: planned events in the period of the users the viewer may see (a head: the team);
* ``workload``: per user, planned events in the period by kind, planned hours, planned events
  already in the past (overdue) and open tasks.

Events and tasks belong to their responsible user (assignee), orders to their manager.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.expressions import kopecks, seconds_between
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_scope,
    ratio,
    roubles,
    scope_clause,
)
from letterpress.crm.model import Counterparty, Event, Order, Payment, Shipment, Task, User
from letterpress.errors import ValidationError

VIEWS = ("kinds", "unfulfilled", "planned", "workload")


def events_report(session: Session, settings: AnalyticsSettings, request: ReportRequest,
                  tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None) -> Report:
    view = request.option("view") or "kinds"
    now = now or dt.datetime.now(dt.UTC)
    if view == "kinds":
        return _kinds(session, request, tz)
    if view == "unfulfilled":
        return _unfulfilled(session, request, now.astimezone(tz).date())
    if view == "planned":
        return _planned(session, request, tz)
    if view == "workload":
        return _workload(session, request, tz, now)
    raise ValidationError(f"view {view!r}: expected one of {', '.join(VIEWS)}", field="view")


def _kinds(session: Session, request: ReportRequest, tz: zoneinfo.ZoneInfo) -> Report:
    group = request.option("group") or "both"
    if group not in ("both", "kind", "client"):
        raise ValidationError(f"group {group!r}: expected both, kind or client", field="group")
    start, stop = request.period.bounds(tz)
    ev, cp = Event.__table__, Counterparty.__table__
    keys: list[Any] = []
    hidden: list[Any] = []
    if group in ("both", "client"):
        keys += [cp.c.external_id.label("counterparty"), cp.c.name]
        # Grouped by the counterparty itself: two created in the CRM (no external id) with one
        # name are two clients.
        hidden.append(cp.c.id.label("counterparty_id"))
    if group in ("both", "kind"):
        keys.append(ev.c.kind)
    grouping = [*keys[:2], *hidden, *keys[2:]] if hidden else keys
    query = (
        select(*grouping, func.count().label("events"),
               *(func.sum(case((ev.c.state == state, 1), else_=0)).label(state)
                 for state in ("done", "planned", "cancelled")))
        .select_from(ev.outerjoin(cp, cp.c.id == ev.c.counterparty_id))
        .where(ev.c.start_at >= start, ev.c.start_at < stop,
               scope_clause(ev.c.responsible_id, manager_scope(session, request)))
        .group_by(*grouping)
        .order_by(*(k.nulls_last() for k in grouping))
    )
    columns = [k.name for k in keys] + ["events", "done", "planned", "cancelled"]
    carried = columns + [k.name for k in hidden]
    rows = [{c: (int(r[c]) if c in ("events", "done", "planned", "cancelled") else r[c])
             for c in carried} for r in session.execute(query).mappings()]
    return Report("events", request.period, columns, rows, {}, [f"grouped by {group}"])


def _unfulfilled(session: Session, request: ReportRequest, today: dt.date) -> Report:
    o, cp, manager = Order.__table__, Counterparty.__table__, User.__table__
    open_orders = and_(o.c.direction == "customer", o.c.state == "open",
                       o.c.date < request.period.stop)
    ids = select(o.c.id).where(open_orders)
    shipped = (select(Shipment.order_id, func.sum(kopecks(Shipment.revenue)).label("v"))
               .where(Shipment.order_id.in_(ids)).group_by(Shipment.order_id).subquery("s"))
    paid = (select(Payment.order_id, func.sum(kopecks(Payment.amount)).label("v"))
            .where(Payment.order_id.in_(ids), Payment.direction == "in")
            .group_by(Payment.order_id).subquery("p"))
    query = (
        select(o.c.external_id.label("order"), o.c.number, o.c.date,
               cp.c.external_id.label("counterparty"), cp.c.name,
               manager.c.login.label("manager"), kopecks(o.c.amount).label("amount"),
               func.coalesce(shipped.c.v, 0).label("shipped"),
               func.coalesce(paid.c.v, 0).label("paid"), o.c.planned_shipment,
               o.c.planned_payment, cp.c.id.label("counterparty_id"))
        .select_from(o.join(cp, cp.c.id == o.c.counterparty_id)
                     .outerjoin(manager, manager.c.id == o.c.manager_id)
                     .outerjoin(shipped, shipped.c.order_id == o.c.id)
                     .outerjoin(paid, paid.c.order_id == o.c.id))
        .where(open_orders, scope_clause(o.c.manager_id, manager_scope(session, request)))
        .order_by(o.c.planned_shipment, o.c.date, o.c.external_id)
    )
    rows = []
    for r in session.execute(query).mappings():
        planned = r["planned_shipment"]
        rows.append({
            "order": r["order"], "number": r["number"], "date": r["date"].isoformat(),
            "counterparty": r["counterparty"], "name": r["name"], "manager": r["manager"],
            "amount": roubles(r["amount"]), "shipped": roubles(r["shipped"]),
            "paid": roubles(r["paid"]),
            "planned_shipment": planned.isoformat() if planned else None,
            "overdue_days": (today - planned).days if planned and planned < today else 0,
            "counterparty_id": r["counterparty_id"],
        })
    columns = ["order", "number", "date", "counterparty", "name", "manager", "amount", "shipped",
               "paid", "planned_shipment", "overdue_days"]
    return Report("events", request.period, columns, rows, {},
                  [(f"open customer orders dated up to {request.period.last_day}; overdue "
                    f"as of {today}")])


def _planned(session: Session, request: ReportRequest, tz: zoneinfo.ZoneInfo) -> Report:
    start, stop = request.period.bounds(tz)
    ev, cp, user = Event.__table__, Counterparty.__table__, User.__table__
    query = (
        select(ev.c.id, ev.c.start_at, ev.c.end_at, user.c.login.label("responsible"),
               ev.c.kind, cp.c.external_id.label("counterparty"), cp.c.name, ev.c.subject,
               cp.c.id.label("counterparty_id"))
        .select_from(ev.join(user, user.c.id == ev.c.responsible_id)
                     .outerjoin(cp, cp.c.id == ev.c.counterparty_id))
        .where(ev.c.state == "planned", ev.c.start_at >= start, ev.c.start_at < stop,
               scope_clause(ev.c.responsible_id, manager_scope(session, request)))
        .order_by(ev.c.start_at, user.c.login, ev.c.id)
    )
    rows = [{**dict(r), "start_at": r["start_at"].astimezone(tz).isoformat(),
             "end_at": r["end_at"].astimezone(tz).isoformat() if r["end_at"] else None}
            for r in session.execute(query).mappings()]
    columns = ["id", "start_at", "end_at", "responsible", "kind", "counterparty", "name",
               "subject"]
    return Report("events", request.period, columns, rows, {})


def _workload(session: Session, request: ReportRequest, tz: zoneinfo.ZoneInfo,
              now: dt.datetime) -> Report:
    start, stop = request.period.bounds(tz)
    ev, user, task = Event.__table__, User.__table__, Task.__table__
    scope = manager_scope(session, request)
    planned = and_(ev.c.state == "planned", ev.c.start_at >= start, ev.c.start_at < stop)
    calls = ev.c.kind.in_(("outgoing_call", "incoming_call"))
    hours = func.coalesce(seconds_between(ev.c.start_at, ev.c.end_at), 0.0) / 3600.0
    events = (
        select(ev.c.responsible_id.label("uid"), func.count().label("planned_events"),
               func.sum(case((ev.c.kind == "meeting", 1), else_=0)).label("meetings"),
               func.sum(case((calls, 1), else_=0)).label("calls"),
               func.sum(hours).label("planned_hours"),
               func.sum(case((ev.c.start_at < now, 1), else_=0)).label("overdue_events"))
        .where(planned, scope_clause(ev.c.responsible_id, scope))
        .group_by(ev.c.responsible_id).subquery("planned")
    )
    tasks = (
        select(task.c.assignee_id.label("uid"), func.count().label("open_tasks"),
               func.sum(case((task.c.due_at < now, 1), else_=0)).label("overdue_tasks"))
        .where(task.c.state.in_(("open", "in_progress")), scope_clause(task.c.assignee_id, scope))
        .group_by(task.c.assignee_id).subquery("tasks")
    )
    query = (
        select(user.c.login.label("responsible"), user.c.name, events.c.planned_events,
               events.c.meetings, events.c.calls, events.c.planned_hours,
               events.c.overdue_events, tasks.c.open_tasks, tasks.c.overdue_tasks)
        .select_from(user.outerjoin(events, events.c.uid == user.c.id)
                     .outerjoin(tasks, tasks.c.uid == user.c.id))
        .where(user.c.active.is_(True), scope_clause(user.c.id, scope),
               (events.c.uid.is_not(None)) | (tasks.c.uid.is_not(None))
               | user.c.role.in_(("manager", "head")))
        .order_by(user.c.login)
    )
    columns = ["responsible", "name", "planned_events", "meetings", "calls", "planned_hours",
               "overdue_events", "open_tasks", "overdue_tasks"]
    rows = [{c: (r[c] if c in ("responsible", "name") else
                 ratio(r[c] or 0.0, 2) if c == "planned_hours" else int(r[c] or 0))
             for c in columns} for r in session.execute(query).mappings()]
    return Report("events", request.period, columns, rows, {},
                  [f"planned in the period; overdue as of {now:%Y-%m-%d %H:%M} UTC"])
