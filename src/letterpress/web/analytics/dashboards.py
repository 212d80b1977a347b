"""Each dashboard's tables, built by the analytics engine (``letterpress.crm.analytics``).

A builder returns a :class:`Dashboard`: the engine's reports, and tables derived from their rows
by counting (the ABC x XYZ matrix, the funnel, the stage transition matrix) as reports of their
own, so that every table on a page exports the same way. Nothing here filters rows: the engine
shows each viewer what ``report_manager_ids`` allows. Builders hold no translated text (a
dashboard is cached for viewers of either language); the pages add the labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import Period, Report, build_report
from letterpress.crm.analytics.drilldown import drilldown
from letterpress.crm.analytics.register import STAGES
from letterpress.crm.analytics.report import COUNTERPARTY_ID
from letterpress.crm.analytics.xyz import thresholds
from letterpress.crm.model import User
from letterpress.web.analytics import queries
from letterpress.web.analytics.params import Filters

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


@dataclass(frozen=True)
class Dashboard:
    """Reports by table key, in page order; ``series``: the managers' monthly revenue."""

    reports: dict[str, Report]
    series: tuple[queries.Series, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Session, Settings, Filters, User], Dashboard]


def derived(base: Report, name: str, columns: list[str], rows: list[dict[str, Any]],
            notes: Sequence[str] = (), period: Period | None = None) -> Report:
    """A table counted from ``base``'s rows, with its settings, as a report of its own."""
    return Report(name, period or base.period, columns, rows, dict(base.settings), list(notes))


# --- ABC ---------------------------------------------------------------------------------------

def abc(session: Session, settings: Settings, filters: Filters, viewer: User) -> Dashboard:
    customers = build_report(session, settings, "abc", filters.request(viewer))
    summary = build_report(session, settings, "abc", filters.request(viewer, summary=True))
    return Dashboard({"customers": customers, "summary": summary})


# --- XYZ ---------------------------------------------------------------------------------------

def xyz(session: Session, settings: Settings, filters: Filters, viewer: User) -> Dashboard:
    customers = build_report(session, settings, "xyz", filters.request(viewer, abc=True))
    rows = customers.rows
    total = sum(float(r["total"] or 0) for r in rows)
    summary_rows = []
    for klass in (*XYZ_CLASSES, None):
        members = [r for r in rows if r["class"] == klass]
        if klass is None and not members:
            continue
        value = sum(float(r["total"] or 0) for r in members)
        summary_rows.append({
            "class": klass, "customers": len(members),
            "share": round(len(members) / len(rows), 6) if rows else None,
            "total": round(value, 2), "value_share": round(value / total, 6) if total else None,
        })
    summary = derived(customers, "xyz-summary",
                      ["class", "customers", "share", "total", "value_share"], summary_rows)
    pairs = Counter((r.get("abc"), r["class"]) for r in rows)
    matrix_rows = []
    for a in (*ABC_CLASSES, None):
        counts = {x: pairs.get((a, x), 0) for x in XYZ_CLASSES}
        unclassed = pairs.get((a, None), 0)
        if a is None and not any(counts.values()) and not unclassed:
            continue
        matrix_rows.append({"abc": a, **counts, "unclassed": unclassed,
                            "total": sum(counts.values()) + unclassed})
    matrix = derived(customers, "abc-xyz", ["abc", *XYZ_CLASSES, "unclassed", "total"],
                     matrix_rows, ["regular customers: ABC class of the period by XYZ class"])
    x, y = thresholds(settings.analytics)
    return Dashboard({"matrix": matrix, "summary": summary, "customers": customers},
                     extra={"x": x, "y": y})


# --- stages ------------------------------------------------------------------------------------

def stages(session: Session, settings: Settings, filters: Filters, viewer: User, *,
           month_from: int, month_to: int) -> Dashboard:
    customers = build_report(session, settings, "stages", filters.request(viewer))
    summary = build_report(session, settings, "stages", filters.request(viewer, summary=True))
    at_end = {r["stage"]: r["customers"] for r in summary.rows if r["what"] == "at_end"}
    funnel = derived(summary, "stages-funnel", ["stage", "customers"],
                     [{"stage": s, "customers": int(at_end.get(s, 0))} for s in STAGES])
    changes = derived(summary, "stages-changes", ["from_stage", "to_stage", "customers"], [
        {"from_stage": r["from_stage"], "to_stage": r["stage"], "customers": r["customers"]}
        for r in summary.rows if r["what"] == "changed"])
    matrix = transitions(session, settings, filters, viewer, month_from, month_to)
    return Dashboard({"funnel": funnel, "matrix": matrix, "changes": changes,
                      "customers": customers})


def transitions(session: Session, settings: Settings, filters: Filters, viewer: User,
                month_from: int, month_to: int) -> Report:
    """Customers by their stage at the end of ``month_from`` (rows) and of ``month_to``
    (columns); ``from_stage`` None: not yet in the register at ``month_from``."""
    def stage_at(month: int) -> tuple[Report, dict[Any, str]]:
        report = build_report(session, settings, "stages",
                              filters.with_period(Period(month, month)).request(viewer))
        return report, {r[COUNTERPARTY_ID]: r["stage"] for r in report.rows}

    _before, start = stage_at(month_from)
    after_report, end = stage_at(month_to)
    pairs = Counter((start.get(key), stage) for key, stage in end.items())
    rows = []
    for origin in (None, *STAGES):
        counts = {s: pairs.get((origin, s), 0) for s in STAGES}
        if origin is None and not any(counts.values()):
            continue
        rows.append({"from_stage": origin, **counts, "total": sum(counts.values())})
    period = Period(min(month_from, month_to), max(month_from, month_to))
    return derived(after_report, "stages-matrix", ["from_stage", *STAGES, "total"], rows,
                   [f"stage at the end of month {month_from} (rows) and {month_to} (columns)"],
                   period=period)


# --- managers ----------------------------------------------------------------------------------

def managers(session: Session, settings: Settings, filters: Filters, viewer: User) -> Dashboard:
    report = build_report(session, settings, "managers", filters.request(viewer))
    series = queries.monthly_revenue(session, filters.request(viewer))
    return Dashboard({"managers": report}, series=tuple(series))


def drill(session: Session, settings: Settings, filters: Filters, viewer: User,
          manager: str | None, indicator: str) -> Report:
    """The rows behind ``indicator`` of ``manager`` (a login; None: unassigned), as a report."""
    rows = drilldown(session, settings.analytics, filters.request(viewer), manager, indicator,
                     settings.company.tz)
    columns = [c for c in rows[0] if c != COUNTERPARTY_ID] if rows else []
    return Report("managers-drill", filters.period, columns, rows,
                  {"manager": manager, "indicator": indicator})


# --- sources and campaigns ---------------------------------------------------------------------

def sources(session: Session, settings: Settings, filters: Filters, viewer: User) -> Dashboard:
    return Dashboard({
        "sources": build_report(session, settings, "sources", filters.request(viewer)),
        "campaigns": build_report(session, settings, "campaigns", filters.request(viewer)),
    })
