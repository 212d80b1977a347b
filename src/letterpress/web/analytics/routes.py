"""The dashboards: parse the query, get the (cached) dashboard, then export a table or render.

Every dashboard URL takes ``?format=csv|xlsx`` (or ``/analytics/<name>.csv|.xlsx``) with
``?table=<key>`` to download one of its tables instead of the page; the drill-down page too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from flask import abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response

from letterpress.crm.analytics import Report
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.register import STAGES, ensure_fresh
from letterpress.crm.analytics.report import COUNTERPARTY_ID, manager_scope
from letterpress.db.session import session_factory, writer
from letterpress.web.analytics import bp, cache, charts, dashboards, downloads, labels, queries
from letterpress.web.analytics.dashboards import ABC_CLASSES, XYZ_CLASSES, Dashboard
from letterpress.web.analytics.labels import DESCRIPTIONS, MANAGER_GROUPS, TITLES
from letterpress.web.analytics.params import Filters, month_arg, month_text, page_arg, parse
from letterpress.web.analytics.tables import TableView, format_value, table
from letterpress.web.auth.identity import current_account
from letterpress.web.context import WebContext, db, web_context

# Figures of the monthly completeness snapshots: no rows of their own to drill down to.
NOT_DRILLED = frozenset({"completeness_start", "completeness_end", "completeness_change",
                         "contacts_completeness_start", "contacts_completeness_end",
                         "contacts_completeness_change"})

Build = Callable[..., Dashboard]


# --- plumbing ----------------------------------------------------------------------------------

def _refresh_register(context: WebContext, filters: Filters) -> None:
    """Bring the register up to date in a writer transaction of its own (SQLite: BEGIN
    IMMEDIATE, so a rebuild waits for the write lock instead of failing half-way)."""
    with session_factory(writer(context.engine))() as session:
        ensure_fresh(session, context.settings.analytics, filters.today)
        session.commit()


def _dashboard(name: str, filters: Filters, build: Build, *extra: Hashable,
               **options: Any) -> cache.Entry[Dashboard]:
    """The dashboard for these filters and the viewer's scope, from the cache when current."""
    session, context, viewer = db(), web_context(), current_account()
    # The scope is part of the key, and asking for it checks the ?manager= the viewer chose.
    scope = manager_scope(session, filters.request(viewer))
    key = (name, filters.key(), extra, None if scope is None else tuple(sorted(scope)))

    def run() -> tuple[Dashboard, Hashable]:
        session.commit()  # a new snapshot: see what was committed since the request began
        _refresh_register(context, filters)
        stamp = queries.data_token(session)
        built = build(session, context.settings, filters, viewer, **options)
        more = {"runs": {kind: run.finished_at
                         for kind, run in queries.last_runs(session).items()},
                # for the manager filter (depends on the scope only, like the key)
                "managers": queries.visible_managers(session, viewer)}
        session.commit()  # the engine may have written (it keeps the register fresh)
        return dataclasses.replace(built, extra={**built.extra, **more}), stamp

    asked: list[bool] = []

    def current() -> Hashable:
        if asked:  # asked again after waiting: read in a new snapshot, see the other's build
            session.commit()
        asked.append(True)
        return queries.data_token(session)

    return cache.dashboard_cache().get_or_build(key, current, run)


def _filters(options: tuple[str, ...] = (), args: Mapping[str, str] | None = None) -> Filters:
    return parse(db(), web_context().settings, request.args if args is None else args, options)


def _format(fmt: str | None) -> str | None:
    chosen = fmt or request.args.get("format") or None
    if chosen is not None and chosen not in downloads.FORMATS:
        abort(404)
    return chosen


def _choice(name: str, choices: Sequence[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in choices else None


def _cards(rows: Iterable[Mapping[str, Any]]) -> dict[int, queries.Card]:
    """The cards of the counterparties ``rows`` (a page of a table) name, that the viewer may
    see: the table links its rows to them by ``counterparty_id``."""
    return queries.counterparty_cards(db(), current_account(),
                                      (r.get(COUNTERPARTY_ID) for r in rows))


def _page_size() -> int:
    return max(web_context().settings.web.page_size, 1)


def _download(name: str, tables: Sequence[TableView], reports: Mapping[str, Report],
              fmt: str, default: str) -> Response:
    """The table named by ``?table=`` (else ``default``, the engine's main report) with the rows
    it shows on every page (a class or stage filter applies)."""
    wanted = request.args.get("table") or default
    for view in tables:
        if view.key == wanted:
            report = dataclasses.replace(reports[view.key], rows=list(view.rows))
            return downloads.response(report, fmt, view.key, f"{TITLES[name]} - {view.title}")
    abort(404)


def _render(name: str, filters: Filters, entry: cache.Entry[Dashboard],
            body: Callable[[], dict[str, Any]], **page: Any) -> str:
    """The page: its filters around the tables and charts of ``analytics/<name>_body.html``,
    which are rendered once per dashboard entry, language and query (``body()`` gives their
    context only then)."""
    common = {"name": name, "title": TITLES[name], "filters": filters, "entry": entry,
              "dashboard": entry.value}
    fragment_key = (str(get_locale()), tuple(sorted(request.args.items(multi=True))))
    html = entry.fragment(fragment_key, lambda: render_template(
        f"analytics/{name}_body.html", **common, **body()))
    return render_template(
        f"analytics/{name}.html", **common, titles=TITLES, body=Markup(html),
        runs=entry.value.extra.get("runs", {}), managers=entry.value.extra.get("managers", ()),
        **page,
    )


@bp.app_template_filter("analytics_value")
def _analytics_value(value: Any, kind: str = "text") -> str:
    return format_value(value, kind)


@bp.app_template_filter("movement_label")
def _movement_label(value: str | None) -> str:
    return labels.movement_label(value)


@bp.app_template_filter("stage_label")
def _stage_label(value: str | None) -> str:
    return labels.stage_label(value)


@bp.record_once
def _setup(state: Any) -> None:
    cache.init_app(state.app)


# --- pages -------------------------------------------------------------------------------------

@bp.get("/")
def index() -> str:
    runs = queries.last_runs(db())
    return render_template("analytics/index.html", titles=TITLES, descriptions=DESCRIPTIONS,
                           runs={kind: run.finished_at for kind, run in runs.items()})


@bp.get("/abc")
@bp.get("/abc.<any(csv, xlsx):fmt>")
def abc(fmt: str | None = None) -> str | Response:
    fmt = _format(fmt)
    filters = _filters(("measure", "compare"))
    entry = _dashboard("abc", filters, dashboards.abc)
    reports = entry.value.reports
    customers = reports["customers"]
    measure = customers.settings["abc_measure"]
    klass = _choice("class", ABC_CLASSES)

    def tables() -> list[TableView]:
        rows = [r for r in customers.rows if r["class"] == klass] if klass else customers.rows
        value = {"value": str(labels.MEASURE[measure])}
        return [
            table(reports["summary"], "summary", _l("Classes"),
                  count_measure=measure == "orders", labels=value),
            table(customers, "customers", _l("Customers by class"), rows=rows,
                  count_measure=measure == "orders", page=page_arg(request.args),
                  size=_page_size(), labels=value),
        ]

    if fmt:
        return _download("abc", tables(), reports, fmt, "customers")

    def body() -> dict[str, Any]:
        views = tables()
        thresholds = (float(customers.settings["abc_a_percent"]),
                      float(customers.settings["abc_b_percent"]))
        chart = charts.pareto(customers.rows, thresholds, x_label=_("Share of customers"),
                              y_label=_("Cumulative share of the value (%(measure)s)",
                                        measure=labels.MEASURE[measure]))
        return {"tables": views, "chart_data": chart, "thresholds": thresholds,
                "ids": _cards(views[1].shown)}

    return _render("abc", filters, entry, body, klass=klass)


@bp.get("/xyz")
@bp.get("/xyz.<any(csv, xlsx):fmt>")
def xyz(fmt: str | None = None) -> str | Response:
    fmt = _format(fmt)
    filters = _filters(("measure", "bucket"))
    entry = _dashboard("xyz", filters, dashboards.xyz)
    reports = entry.value.reports
    customers = reports["customers"]
    count_measure = customers.settings.get("xyz_measure") == "orders"
    klass = _choice("class", XYZ_CLASSES)

    def tables() -> list[TableView]:
        rows = [r for r in customers.rows if r["class"] == klass] if klass else customers.rows
        return [
            table(reports["matrix"], "matrix", _l("ABC-XYZ matrix"), count_measure=True,
                  labels={"abc": _("ABC class"), "unclassed": _("No XYZ class")}),
            table(reports["summary"], "summary", _l("Classes"), count_measure=count_measure,
                  labels={"value_share": _("Share of the value"),
                          "share": _("Share of customers")}),
            table(customers, "customers", _l("Regular customers by stability"), rows=rows,
                  count_measure=count_measure, page=page_arg(request.args),
                  size=_page_size()),
        ]

    if fmt:
        return _download("xyz", tables(), reports, fmt, "customers")

    def body() -> dict[str, Any]:
        views = tables()
        chart = charts.bars(
            (_("Class %(name)s", name=r["class"]) if r["class"] else _("No XYZ class"),
             r["customers"], (r["class"] or "none").lower()) for r in reports["summary"].rows)
        return {"tables": views, "chart_data": chart, "x": entry.value.extra.get("x"),
                "y": entry.value.extra.get("y"),
                "ids": _cards(views[2].shown)}

    return _render("xyz", filters, entry, body, klass=klass)


@bp.get("/stages")
@bp.get("/stages.<any(csv, xlsx):fmt>")
def stages(fmt: str | None = None) -> str | Response:
    fmt = _format(fmt)
    filters = _filters()
    this_month = month_no(filters.today)
    month_from = month_arg(request.args.get("from"), filters.period.first - 1)
    month_to = month_arg(request.args.get("to"), min(filters.period.last, this_month))
    entry = _dashboard("stages", filters, dashboards.stages, month_from, month_to,
                       month_from=month_from, month_to=month_to)
    reports = entry.value.reports
    stage = _choice("stage", STAGES)
    customers = reports["customers"]

    def tables() -> list[TableView]:
        rows = [r for r in customers.rows if r["stage"] == stage] if stage else customers.rows
        return [
            table(reports["funnel"], "funnel",
                  _l("Customers by stage at the end of the period")),
            table(reports["matrix"], "matrix", _l("Transitions between two months"),
                  count_measure=True, labels={s: labels.stage_label(s) for s in STAGES}),
            table(reports["changes"], "changes", _l("Stage changes in the period")),
            table(customers, "customers", _l("Customers and their stage"), rows=rows,
                  page=page_arg(request.args), size=_page_size()),
        ]

    if fmt:
        return _download("stages", tables(), reports, fmt, "customers")
    months = {"month_from": month_text(month_from), "month_to": month_text(month_to)}

    def body() -> dict[str, Any]:
        views = tables()
        chart = charts.funnel((labels.stage_label(r["stage"]), r["customers"], r["stage"])
                              for r in reports["funnel"].rows)
        return {"tables": views, "chart_data": chart, **months,
                "ids": _cards(views[3].shown)}

    return _render("stages", filters, entry, body, stage=stage, **months)


@bp.get("/managers")
@bp.get("/managers.<any(csv, xlsx):fmt>")
def managers(fmt: str | None = None) -> str | Response:
    fmt = _format(fmt)
    filters = _filters(("by",))
    entry = _dashboard("managers", filters, dashboards.managers)
    report = entry.value.reports["managers"]
    by_team = filters.options.get("by") == "team"
    if fmt:
        # Every group is a view of one report: each exports all of its indicators.
        if (request.args.get("table") or "money") not in {k for k, _t, _c in MANAGER_GROUPS}:
            abort(404)
        return downloads.response(report, fmt, "all", str(TITLES["managers"]))

    def body() -> dict[str, Any]:
        first = "team" if by_team else "manager"
        series: dict[str | None, list[float]] = {}
        for line in entry.value.series:
            name = line.team if by_team else line.login
            total = series.setdefault(name, [0.0] * len(line.values))
            for i, value in enumerate(line.values):
                total[i] += value
        period = filters.args.get("period")
        return {
            "tables": [table(report, key, title, (first, *keys))
                       for key, title, keys in MANAGER_GROUPS],
            "sparklines": {name: charts.sparkline(values) for name, values in series.items()},
            "by_team": by_team, "not_drilled": NOT_DRILLED, "drill_base": url_for(".drill"),
            "drill_period": f"&period={quote(period, safe='.')}" if period else "",
        }

    return _render("managers", filters, entry, body, by_team=by_team)


@bp.get("/managers/drill")
@bp.get("/managers/drill.<any(csv, xlsx):fmt>")
def drill(fmt: str | None = None) -> str | Response:
    """The rows behind one figure of the managers dashboard (``?manager=`` empty: unassigned)."""
    fmt = _format(fmt)
    args = {k: v for k, v in request.args.items() if k != "manager"}
    filters = _filters(args=args)
    login = request.args.get("manager") or None
    indicator = request.args.get("indicator") or ""
    session, context = db(), web_context()
    _refresh_register(context, filters)
    session.commit()  # a new snapshot, with the register as just refreshed
    report = dashboards.drill(session, context.settings, filters, current_account(), login,
                              indicator)
    session.commit()  # the engine may have written (it keeps the register fresh)
    title = labels.column_label(indicator)
    # The internal ids stay in the files, not on the page.
    view = table(report, "rows", title, [c for c in report.columns if c != "id"],
                 page=page_arg(request.args), size=_page_size())
    if fmt:
        who = login or _("unassigned")
        return downloads.response(report, fmt, f"{indicator}-{login or 'unassigned'}",
                                  f"{TITLES['managers']} - {title} - {who}")
    manager = queries.user_by_login(session, login) if login else None
    return render_template(
        "analytics/drill.html", name="managers", title=TITLES["managers"], titles=TITLES,
        filters=filters,
        table=view, indicator=indicator, indicator_title=title, login=login, manager=manager,
        ids=_cards(view.shown),
    )


@bp.get("/sources")
@bp.get("/sources.<any(csv, xlsx):fmt>")
def sources(fmt: str | None = None) -> str | Response:
    fmt = _format(fmt)
    filters = _filters()
    entry = _dashboard("sources", filters, dashboards.sources)
    reports = entry.value.reports

    def tables() -> list[TableView]:
        return [table(reports["sources"], "sources", _l("Information sources")),
                table(reports["campaigns"], "campaigns", _l("Marketing campaigns"))]

    if fmt:
        return _download("sources", tables(), reports, fmt, "sources")

    def body() -> dict[str, Any]:
        unset = _("(not set)")
        return {
            "tables": tables(),
            "source_chart": charts.bars(((r["source"] or unset, r["revenue"], "a")
                                         for r in reports["sources"].rows), fmt="money"),
            "campaign_chart": charts.bars(((r["name"], r["revenue"], "b")
                                           for r in reports["campaigns"].rows), fmt="money"),
        }

    return _render("sources", filters, entry, body)
