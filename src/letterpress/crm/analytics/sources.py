"""Information sources and marketing campaigns: where customers come from, what campaigns bring.

**Sources** (how the client found us, ``counterparties.source``; none is ``null``): per source,
the customers existing at the period's end, those created in the period, those who ever bought,
first purchases in the period, customers with sales in it, revenue, gross profit and orders.

**Campaigns** starting in the period: participants; replies (letters from participants filed
against them - not outgoing - and done events of kind ``incoming_email``, each letter counted
once) and responders; customer orders and shipments of participants. Everything counts within
the attribution window: from the campaign's start to ``attribution_days`` after its end (or its
start, when it has no end). Participants are limited to the customers the viewer may see.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    column,
    distinct,
    func,
    null,
    select,
    union_all,
    values,
)
from sqlalchemy.orm import Session, aliased

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.expressions import kopecks
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.register import ensure_fresh
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_scope,
    ratio,
    roubles,
    scope_clause,
    settings_used,
)
from letterpress.crm.model import (
    Campaign,
    CampaignParticipant,
    Counterparty,
    CustomerMonth,
    Event,
    Letter,
    LetterLink,
    Order,
    Shipment,
)
from letterpress.db.types import UTCDateTime


def sources_report(session: Session, settings: AnalyticsSettings, request: ReportRequest,
                   tz: zoneinfo.ZoneInfo) -> Report:
    ensure_fresh(session, settings, request.today)
    period = request.period
    read_no = min(period.last, month_no(request.today))
    end, before = aliased(CustomerMonth, name="at_end"), aliased(CustomerMonth, name="before")
    cp = Counterparty.__table__
    start_ts, stop_ts = period.bounds(tz)

    def diff(name: str) -> Any:
        return getattr(end, name) - func.coalesce(getattr(before, name), 0)

    created = and_(cp.c.created_at >= start_ts, cp.c.created_at < stop_ts)
    first = and_(func.coalesce(before.cum_sale_months, 0) == 0, end.cum_sale_months > 0)
    query = (
        select(
            cp.c.source, func.count().label("customers"),
            func.sum(case((created, 1), else_=0)).label("new_counterparties"),
            func.sum(case((end.cum_sale_months > 0, 1), else_=0)).label("buyers"),
            func.sum(case((first, 1), else_=0)).label("first_purchases"),
            func.sum(case((diff("cum_shipments") > 0, 1), else_=0)).label("active"),
            func.sum(diff("cum_revenue")).label("revenue"),
            func.sum(diff("cum_profit")).label("gross_profit"),
            func.sum(diff("cum_orders")).label("orders"),
        )
        .select_from(end)
        .join(cp, cp.c.id == end.counterparty_id)
        .outerjoin(before, and_(before.counterparty_id == end.counterparty_id,
                                before.month_no == period.first - 1))
        .where(end.month_no == read_no,
               scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .group_by(cp.c.source)
        .order_by(func.sum(diff("cum_revenue")).desc(), cp.c.source.nulls_last())
    )
    rows = [
        {"source": r["source"], "customers": int(r["customers"]),
         "new_counterparties": int(r["new_counterparties"]), "buyers": int(r["buyers"]),
         "first_purchases": int(r["first_purchases"]), "active": int(r["active"]),
         "revenue": roubles(r["revenue"]), "gross_profit": roubles(r["gross_profit"]),
         "orders": int(r["orders"] or 0)}
        for r in session.execute(query).mappings()
    ]
    columns = ["source", "customers", "new_counterparties", "buyers", "first_purchases",
               "active", "revenue", "gross_profit", "orders"]
    return Report("sources", period, columns, rows,
                  settings_used(settings, "stage_window_months", "lost_after_months"))


def _windows(session: Session, request: ReportRequest, days: int,
             tz: zoneinfo.ZoneInfo) -> tuple[list[Campaign], Any]:
    """The campaigns starting in the period and a CTE of their attribution windows."""
    campaigns = list(session.scalars(
        select(Campaign).where(Campaign.start >= request.period.start,
                               Campaign.start < request.period.stop)
        .order_by(Campaign.start, Campaign.id)))
    data = []
    for c in campaigns:  # a few campaigns, not ledger rows: their windows are plain dates
        stop = (c.end or c.start) + dt.timedelta(days=days + 1)
        data.append((c.id, c.start, stop, dt.datetime.combine(c.start, dt.time(), tz),
                     dt.datetime.combine(stop, dt.time(), tz)))
    if not data:
        return campaigns, None
    windows = values(column("campaign_id", Integer), column("day_from", Date),
                     column("day_to", Date), column("ts_from", UTCDateTime),
                     column("ts_to", UTCDateTime), name="windows").data(data).cte("windows")
    return campaigns, windows


def campaigns_report(session: Session, settings: AnalyticsSettings, request: ReportRequest,
                     tz: zoneinfo.ZoneInfo) -> Report:
    used = settings_used(settings, "attribution_days")
    columns = ["campaign", "name", "kind", "start", "end", "cost", "participants", "responders",
               "replies", "orders", "orders_sum", "revenue", "gross_profit", "revenue_per_cost"]
    campaigns, w = _windows(session, request, settings.attribution_days, tz)
    if w is None:
        return Report("campaigns", request.period, columns, [], used)
    cp = Counterparty.__table__
    part = (
        select(CampaignParticipant.campaign_id, CampaignParticipant.counterparty_id)
        .join(cp, cp.c.id == CampaignParticipant.counterparty_id)
        .where(CampaignParticipant.campaign_id.in_([c.id for c in campaigns]),
               scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .distinct().cte("participants")
    )
    pw = (select(part.c.campaign_id, part.c.counterparty_id, w.c.day_from, w.c.day_to,
                 w.c.ts_from, w.c.ts_to)
          .join(w, w.c.campaign_id == part.c.campaign_id).cte("participant_windows"))
    figures: dict[int, dict[str, Any]] = {c.id: {} for c in campaigns}

    def gather(query: Any) -> None:
        for row in session.execute(query).mappings():
            figures[row["campaign_id"]].update({k: v for k, v in row.items() if k != "campaign_id"})

    gather(select(pw.c.campaign_id, func.count().label("participants")).group_by(pw.c.campaign_id))
    letters = (
        select(pw.c.campaign_id, pw.c.counterparty_id, LetterLink.letter_id,
               null().label("event_id"))
        .join(LetterLink, LetterLink.counterparty_id == pw.c.counterparty_id)
        .join(Letter, Letter.id == LetterLink.letter_id)
        .where(Letter.is_outgoing.is_(False), Letter.sent_at >= pw.c.ts_from,
               Letter.sent_at < pw.c.ts_to)
    )
    events = (
        select(pw.c.campaign_id, pw.c.counterparty_id, Event.letter_id,
               case((Event.letter_id.is_(None), Event.id)).label("event_id"))
        .join(Event, Event.counterparty_id == pw.c.counterparty_id)
        .where(Event.kind == "incoming_email", Event.state == "done",
               Event.start_at >= pw.c.ts_from, Event.start_at < pw.c.ts_to)
    )
    replies = union_all(letters, events).subquery("replies")
    gather(select(replies.c.campaign_id,
                  func.count(distinct(replies.c.counterparty_id)).label("responders"),
                  (func.count(distinct(replies.c.letter_id))
                   + func.count(distinct(replies.c.event_id))).label("replies"))
           .group_by(replies.c.campaign_id))
    gather(select(pw.c.campaign_id, func.count().label("orders"),
                  func.sum(kopecks(Order.amount)).label("orders_sum"))
           .join(Order, Order.counterparty_id == pw.c.counterparty_id)
           .where(Order.direction == "customer", Order.date >= pw.c.day_from,
                  Order.date < pw.c.day_to)
           .group_by(pw.c.campaign_id))
    gather(select(pw.c.campaign_id, func.sum(kopecks(Shipment.revenue)).label("revenue"),
                  func.sum(kopecks(Shipment.revenue) - kopecks(func.coalesce(Shipment.cost, 0)))
                  .label("gross_profit"))
           .join(Shipment, Shipment.counterparty_id == pw.c.counterparty_id)
           .where(Shipment.date >= pw.c.day_from, Shipment.date < pw.c.day_to)
           .group_by(pw.c.campaign_id))
    rows = []
    for c in campaigns:
        f = figures[c.id]
        revenue = roubles(f.get("revenue") or 0)
        cost = float(c.cost) if c.cost is not None else None
        rows.append({
            "campaign": c.external_id, "name": c.name, "kind": c.kind,
            "start": c.start.isoformat(), "end": c.end.isoformat() if c.end else None,
            "cost": cost, "participants": int(f.get("participants") or 0),
            "responders": int(f.get("responders") or 0), "replies": int(f.get("replies") or 0),
            "orders": int(f.get("orders") or 0), "orders_sum": roubles(f.get("orders_sum") or 0),
            "revenue": revenue, "gross_profit": roubles(f.get("gross_profit") or 0),
            "revenue_per_cost": ratio(revenue / cost, 4) if cost and revenue is not None else None,
        })
    return Report("campaigns", request.period, columns, rows, used,
                  [f"attribution: from the start to {settings.attribution_days} days after the end"])

