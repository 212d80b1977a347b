"""Relationship stages (slides 15-16): each customer's stage at the period's end, and the changes.

The stages themselves are computed month by month while the register is built (see
:mod:`letterpress.crm.analytics.register` for the rules); this module reads them:

* the default view: every visible customer's stage at the end of the period's last month (or of
  the current month if the period reaches beyond it), since when, and what it was before;
* ``changes``: every change within the period with the manager responsible at the time;
* ``summary``: customers per stage at the end, and changes per (from, to) within the period.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.register import STAGES, ensure_fresh
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_scope,
    scope_clause,
    settings_used,
)
from letterpress.crm.model import Counterparty, CustomerMonth, StageChange, User


def stages_report(session: Session, settings: AnalyticsSettings, request: ReportRequest) -> Report:
    ensure_fresh(session, settings, request.today)
    used = settings_used(settings, "stage_window_months", "lost_after_months")
    if request.option("changes"):
        return _changes(session, request, used)
    if request.option("summary"):
        return _summary(session, request, used)
    read_no = min(request.period.last, month_no(request.today))
    cm, sc = CustomerMonth.__table__, StageChange.__table__
    latest = (select(sc.c.counterparty_id.label("cp"), func.max(sc.c.month_no).label("m"))
              .where(sc.c.month_no <= read_no).group_by(sc.c.counterparty_id)
              .subquery("latest"))
    change = aliased(StageChange, name="change")
    cp, manager = Counterparty.__table__, User.__table__
    query = (
        select(cp.c.external_id.label("counterparty"), cp.c.name,
               manager.c.login.label("manager"), cm.c.stage, change.month.label("since"),
               change.from_stage.label("previous_stage"),
               cm.c.window_sale_months.label("months_with_sales"),
               cm.c.cum_sale_months.label("months_with_sales_ever"),
               cm.c.counterparty_id)
        .select_from(
            cm.join(cp, cp.c.id == cm.c.counterparty_id)
            .outerjoin(manager, manager.c.id == cp.c.manager_id)
            .outerjoin(latest, latest.c.cp == cm.c.counterparty_id)
            .outerjoin(change, and_(change.counterparty_id == latest.c.cp,
                                    change.month_no == latest.c.m))
        )
        .where(cm.c.month_no == read_no,
               scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .order_by(cp.c.external_id.nulls_last(), cm.c.counterparty_id)
    )
    rows = [
        {**r, "since": f"{r['since']:%Y-%m}" if r["since"] else None}
        for r in (dict(m) for m in session.execute(query).mappings())
    ]
    columns = ["counterparty", "name", "manager", "stage", "since", "previous_stage",
               "months_with_sales", "months_with_sales_ever"]
    return Report("stages", request.period, columns, rows, used,
                  [f"stage at the end of {request.period.end:%Y-%m} (or of the current month)"])


def _changes(session: Session, request: ReportRequest, used: dict[str, Any]) -> Report:
    sc = StageChange.__table__
    cp, manager = Counterparty.__table__, User.__table__
    query = (
        select(cp.c.external_id.label("counterparty"), cp.c.name, sc.c.month,
               sc.c.from_stage, sc.c.to_stage, manager.c.login.label("manager"),
               sc.c.counterparty_id)
        .select_from(sc.join(cp, cp.c.id == sc.c.counterparty_id)
                     .outerjoin(manager, manager.c.id == sc.c.manager_id))
        .where(sc.c.month_no >= request.period.first, sc.c.month_no <= request.period.last,
               sc.c.from_stage.is_not(None),
               scope_clause(sc.c.manager_id, manager_scope(session, request)))
        .order_by(sc.c.month_no, cp.c.external_id.nulls_last(), sc.c.counterparty_id)
    )
    rows = [{**dict(r), "month": f"{r['month']:%Y-%m}"} for r in session.execute(query).mappings()]
    return Report("stages", request.period,
                  ["counterparty", "name", "month", "from_stage", "to_stage", "manager"],
                  rows, used, ["manager: responsible for the customer when the stage changed"])


def _summary(session: Session, request: ReportRequest, used: dict[str, Any]) -> Report:
    read_no = min(request.period.last, month_no(request.today))
    cm, sc, cp = CustomerMonth.__table__, StageChange.__table__, Counterparty.__table__
    scope = manager_scope(session, request)
    at_end = (
        select(literal("at_end").label("what"), cm.c.stage.label("from_stage"),
               cm.c.stage.label("to_stage"), func.count().label("customers"))
        .select_from(cm.join(cp, cp.c.id == cm.c.counterparty_id))
        .where(cm.c.month_no == read_no, scope_clause(cp.c.manager_id, scope))
        .group_by(cm.c.stage)
    )
    moved = (
        select(literal("changed").label("what"), sc.c.from_stage, sc.c.to_stage,
               func.count().label("customers"))
        .where(sc.c.month_no >= request.period.first, sc.c.month_no <= request.period.last,
               sc.c.from_stage.is_not(None), scope_clause(sc.c.manager_id, scope))
        .group_by(sc.c.from_stage, sc.c.to_stage)
    )
    both = union_all(at_end, moved).subquery("summary")
    rows = [
        {"what": r["what"], "from_stage": r["from_stage"] if r["what"] == "changed" else None,
         "stage": r["to_stage"], "customers": int(r["customers"])}
        for r in session.execute(select(both).order_by(both.c.what, both.c.from_stage,
                                                       both.c.to_stage)).mappings()
    ]
    order = {s: i for i, s in enumerate(STAGES)}
    rows.sort(key=lambda r: (r["what"], order.get(r["from_stage"] or "", -1),
                             order.get(r["stage"], 9)))
    return Report("stages", request.period, ["what", "from_stage", "stage", "customers"], rows,
                  used)
