"""ABC classification of customers (slides 13-14) by revenue, gross profit or number of orders.

Over a period, customers with sales in it (a shipment; for ``orders``: a customer order not
closed without shipment) are ranked by the measure, largest first. With ``total`` the sum of
the positive values and ``above`` the sum of the values strictly greater than the customer's:

* **A** when ``above < abc_a_percent`` of ``total`` (the customer whose value crosses 80 % is
  still A, so A always covers at least 80 %);
* **B** when ``above < abc_b_percent`` of ``total``;
* **C** otherwise, and always for a value of zero or less (a loss-making customer by gross profit).

Customers with equal values share a rank and a class (``above`` excludes ties); their
``cumulative_share`` is the share of everything down to and including their tie group.
Comparisons are made on whole kopecks times 100 against the percent times the total, which is
exact for integer percents, so SQLite and PostgreSQL class every customer identically. The
running sums are doubles: sums of whole kopecks are exact in a double up to 2^53 kopecks (some
90 trillion roubles in the period), and a double window sum costs a fraction of PostgreSQL's
``numeric`` one (``sum(bigint)`` gives ``numeric``).

Period sums are differences of the register's running totals at the period's last month and at
the month before its first (two rows per customer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics import runlog
from letterpress.crm.analytics.expressions import (
    as_float,
    month_of,
    rounded,
    stream_rows,
    table_of,
)
from letterpress.crm.analytics.periods import Period, month_no
from letterpress.crm.analytics.register import ensure_fresh
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_logins,
    manager_scope,
    ratio,
    roubles,
    scope_clause,
    settings_used,
)
from letterpress.crm.model import AbcResult, Counterparty, CustomerMonth, User
from letterpress.db.types import utcnow

MEASURES = ("revenue", "gross_profit", "orders")
# register column summed for the measure, and the one saying "had sales in the period"
_COLUMNS = {
    "revenue": ("cum_revenue", "cum_shipments"),
    "gross_profit": ("cum_profit", "cum_shipments"),
    "orders": ("cum_orders", "cum_orders"),
}


def period_sums(period: Period, today_no: int, value: str, present: str) -> Any:
    """Subquery (cp, value) of customers with ``present`` rows in the period: two rows each."""
    end, before = aliased(CustomerMonth, name="at_end"), aliased(CustomerMonth, name="before")
    read_no = min(period.last, today_no)
    val = getattr(end, value) - func.coalesce(getattr(before, value), 0)
    count = getattr(end, present) - func.coalesce(getattr(before, present), 0)
    return (
        select(end.counterparty_id.label("cp"), val.label("value"))
        .select_from(end)
        .outerjoin(before, and_(before.counterparty_id == end.counterparty_id,
                                before.month_no == period.first - 1))
        .where(end.month_no == read_no, count > 0,
               true() if period.first <= read_no else false())
        .subquery("period_sums")
    )


def classify(settings: AnalyticsSettings, period: Period, measure: str, today_no: int, *,
             listed: bool = False) -> Any:
    """Subquery (cp, value, share, cumulative_share, rank, class) over every customer.

    ``listed`` adds the counterparty's ``external_id``, ``name`` and ``manager_id``, joined
    before the ranking from rows sorted as the report lists them (value descending, external id,
    id): PostgreSQL sorts once for the window functions and the report's order alike, the sort
    in parallel workers when it plans them (a sort the window functions ask for is never
    parallel). The total's window is ordered the same way, with a frame of all the rows, so that
    PostgreSQL knows the rows leave the window functions in the report's order (with ``OVER ()``
    it sorted them again).
    """
    value_col, present_col = _COLUMNS[measure]
    sums: Any = period_sums(period, today_no, value_col, present_col)
    carried: list[str] = []
    if listed:
        cp = Counterparty.__table__
        sums = (select(sums.c.cp, sums.c.value, cp.c.external_id, cp.c.name, cp.c.manager_id)
                .join_from(sums, cp, cp.c.id == sums.c.cp)
                .order_by(sums.c.value.desc(), cp.c.external_id.nulls_last(), sums.c.cp)
                .subquery("listed"))
        carried = ["external_id", "name", "manager_id"]
    positive = case((sums.c.value > 0, as_float(sums.c.value)), else_=literal(0.0, Float))
    order = sums.c.value.desc()
    if listed:
        whole = func.sum(positive).over(
            order_by=(order, sums.c.external_id.nulls_last(), sums.c.cp), rows=(None, None))
    else:
        whole = func.sum(positive).over()
    ranked = select(
        sums.c.cp, sums.c.value, *(sums.c[name] for name in carried), positive.label("positive"),
        # The default frame with ORDER BY is RANGE ... CURRENT ROW: ties are inside it.
        func.sum(positive).over(order_by=order).label("through"),
        func.count().over(order_by=order).label("n_through"),
        func.rank().over(order_by=order).label("rank"),
        whole.label("total"),
    ).subquery("ranked")
    r = ranked.c
    above = r.through - r.positive * as_float(r.n_through - r.rank + 1)
    total = r.total
    a, b = float(settings.abc_a_percent), float(settings.abc_b_percent)
    klass = case(
        (r.value <= 0, "C"),
        (above * 100 < literal(a, Float) * total, "A"),
        (above * 100 < literal(b, Float) * total, "B"),
        else_="C",
    )
    nonzero = case((r.total > 0, total))
    return select(
        r.cp, r.value,
        (as_float(r.value) / nonzero).label("share"),
        (r.through / nonzero).label("cumulative_share"),
        r.rank, cast(klass, String(1)).label("class"), *(r[name] for name in carried),
    ).subquery("abc")


def abc_select(session: Session, settings: AnalyticsSettings, request: ReportRequest,
               measure: str) -> Select[Any]:
    """The report's rows in SQL: classes over all customers, rows of the visible ones.

    Columns: counterparty (external id), name, manager_id, value, share, cumulative_share,
    rank, class, counterparty_id and, with the ``compare`` option, previous_class. Values are
    formatted here: roubles (or a count of orders), shares to six decimals.
    """
    today_no = month_no(request.today)
    scope = manager_scope(session, request)
    if not request.option("compare"):
        abc: Any = classify(settings, request.period, measure, today_no, listed=True)
        return (
            select(abc.c.external_id.label("counterparty"), abc.c.name, abc.c.manager_id,
                   *_formatted(abc, measure), abc.c.cp.label("counterparty_id"))
            .where(scope_clause(abc.c.manager_id, scope))
            .order_by(abc.c.value.desc(), abc.c.external_id.nulls_last(), abc.c.cp)
        )
    # The preceding period's class joins through a grouped UNION, not a join of two derived
    # tables (which SQLite would scan once per row).
    current = classify(settings, request.period, measure, today_no)
    previous = classify(settings, request.period.previous(), measure, today_no)
    both = union_all(
        select(current.c.cp, current.c.value, current.c.share, current.c.cumulative_share,
               current.c.rank, current.c["class"], cast(null(), String(1)).label("previous_class"),
               literal(1).label("now")),
        select(previous.c.cp, cast(null(), BigInteger), cast(null(), Float),
               cast(null(), Float), cast(null(), BigInteger), cast(null(), String(1)),
               previous.c["class"], literal(0)),
    ).subquery("both")
    abc = (
        select(both.c.cp, func.max(both.c.value).label("value"),
               func.max(both.c.share).label("share"),
               func.max(both.c.cumulative_share).label("cumulative_share"),
               func.max(both.c.rank).label("rank"), func.max(both.c["class"]).label("class"),
               func.max(both.c.previous_class).label("previous_class"))
        .group_by(both.c.cp).having(func.max(both.c.now) == 1).subquery("compared")
    )
    cp = Counterparty.__table__
    return (
        select(cp.c.external_id.label("counterparty"), cp.c.name, cp.c.manager_id,
               *_formatted(abc, measure), abc.c.cp.label("counterparty_id"),
               abc.c.previous_class)
        .select_from(abc.join(cp, cp.c.id == abc.c.cp))
        .where(scope_clause(cp.c.manager_id, scope))
        .order_by(abc.c.rank, cp.c.external_id.nulls_last(), abc.c.cp)
    )


def _formatted(abc: Any, measure: str) -> list[Any]:
    """value, share, cumulative_share, rank and class as people see them."""
    value = abc.c.value if measure == "orders" else as_float(abc.c.value) / literal(100.0, Float)
    return [value.label("value"), rounded(abc.c.share, 6).label("share"),
            rounded(abc.c.cumulative_share, 6).label("cumulative_share"), abc.c.rank,
            abc.c["class"]]


_ORDER = {"A": 0, "B": 1, "C": 2, None: 3}


def movement(previous: str | None, current: str | None) -> str:
    if previous is None:
        return "new"
    if current is None:
        return "gone"
    delta = _ORDER[previous] - _ORDER[current]
    return "up" if delta > 0 else "down" if delta < 0 else "same"


def _value(measure: str, value: int) -> float | int:
    return int(value) if measure == "orders" else roubles(value) or 0.0


def abc_report(session: Session, settings: AnalyticsSettings, request: ReportRequest) -> Report:
    measure = request.option("measure") or settings.abc_measure
    ensure_fresh(session, settings, request.today)
    used = settings_used(settings, "abc_a_percent", "abc_b_percent", "stage_window_months",
                         "lost_after_months")
    used["abc_measure"] = measure
    if request.option("history"):
        return abc_history(session, request, measure, used)
    if request.option("summary"):
        return abc_summary(session, settings, request, measure, used)
    columns = ["counterparty", "name", "manager", "value", "share", "cumulative_share", "rank",
               "class"]
    compare = bool(request.option("compare"))
    if compare:
        columns += ["previous_class", "movement"]
    logins = manager_logins(session)
    rows = _rows(stream_rows(session, abc_select(session, settings, request, measure)), logins,
                 compare)
    notes = [("A while the share of customers ranked above is below abc_a_percent; ties share "
              "a class")]
    return Report("abc", request.period, columns, rows, used, notes)


def _rows(found: Iterable[Any], logins: dict[int, str],
          compare: bool) -> list[dict[str, Any]]:
    """The report's rows from the query's tuples (columns as :func:`abc_select` orders them).

    One dict per row and little else: the values come formatted from SQL, and building these
    100,000 dicts is most of the time the report spends in Python.
    """
    login = logins.get
    if compare:
        return [
            {"counterparty": counterparty, "name": name, "manager": login(manager),
             "value": value, "share": share, "cumulative_share": cumulative, "rank": rank,
             "class": klass, "previous_class": previous, "movement": movement(previous, klass),
             "counterparty_id": cp_id}
            for counterparty, name, manager, value, share, cumulative, rank, klass, cp_id,
            previous in found
        ]
    return [
        {"counterparty": counterparty, "name": name, "manager": login(manager), "value": value,
         "share": share, "cumulative_share": cumulative, "rank": rank, "class": klass,
         "counterparty_id": cp_id}
        for counterparty, name, manager, value, share, cumulative, rank, klass, cp_id in found
    ]


def abc_summary(session: Session, settings: AnalyticsSettings, request: ReportRequest,
                measure: str, used: dict[str, Any]) -> Report:
    """The ABC distribution: customers, value and share of the total per class."""
    abc = classify(settings, request.period, measure, month_no(request.today))
    cp = Counterparty.__table__
    query = (
        select(abc.c["class"], func.count().label("customers"),
               func.sum(abc.c.value).label("value"), func.sum(abc.c.share).label("share"))
        .select_from(abc.join(cp, cp.c.id == abc.c.cp))
        .where(scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .group_by(abc.c["class"]).order_by(abc.c["class"])
    )
    rows = [
        {"class": r["class"], "customers": int(r["customers"]),
         "value": _value(measure, r["value"] or 0), "share": ratio(r["share"])}
        for r in session.execute(query).mappings()
    ]
    return Report("abc", request.period, ["class", "customers", "value", "share"], rows, used)


def abc_history(session: Session, request: ReportRequest, measure: str,
                used: dict[str, Any]) -> Report:
    """Stored periods ending within the request's period: each customer's class and movement."""
    t = AbcResult.__table__
    lagged = select(
        t.c.counterparty_id, t.c.period_start, t.c.period_end, t.c["class"], t.c.value,
        func.lag(t.c["class"]).over(
            partition_by=(t.c.counterparty_id,
                          month_of(t.c.period_end) - month_of(t.c.period_start)),
            order_by=t.c.period_end).label("previous_class"),
    ).where(t.c.measure == measure).subquery("history")
    cp, manager = Counterparty.__table__, User.__table__
    query = (
        select(cp.c.external_id.label("counterparty"), cp.c.name,
               manager.c.login.label("manager"), lagged.c.period_start, lagged.c.period_end,
               lagged.c.value, lagged.c["class"], lagged.c.previous_class,
               lagged.c.counterparty_id)
        .select_from(lagged.join(cp, cp.c.id == lagged.c.counterparty_id)
                     .outerjoin(manager, manager.c.id == cp.c.manager_id))
        .where(lagged.c.period_end >= request.period.start,
               lagged.c.period_end <= request.period.end,
               scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .order_by(cp.c.external_id.nulls_last(), lagged.c.counterparty_id,
                  lagged.c.period_end)
    )
    rows = [
        {"counterparty": r["counterparty"], "name": r["name"], "manager": r["manager"],
         "period": f"{r['period_start']:%Y-%m}..{r['period_end']:%Y-%m}",
         "value": _value(measure, r["value"]), "class": r["class"],
         "previous_class": r["previous_class"],
         "movement": movement(r["previous_class"], r["class"]),
         "counterparty_id": r["counterparty_id"]}
        for r in session.execute(query).mappings()
    ]
    columns = ["counterparty", "name", "manager", "period", "value", "class", "previous_class",
               "movement"]
    return Report("abc", request.period, columns, rows, used,
                  ["stored periods (letterpress analytics run) ending within the period"])


def store_abc(session: Session, settings: AnalyticsSettings, period: Period, measure: str,
              today_no: int) -> int:
    """Replace the stored classes of ``period`` and ``measure`` (caller commits)."""
    started = utcnow()
    session.execute(delete(AbcResult).where(
        AbcResult.measure == measure, AbcResult.period_start == period.start,
        AbcResult.period_end == period.end))
    abc = classify(settings, period, measure, today_no)
    source = select(
        literal(period.start).label("period_start"), literal(period.end).label("period_end"),
        literal(measure).label("measure"), abc.c.cp, abc.c.value, abc.c.share,
        abc.c.cumulative_share, abc.c.rank, abc.c["class"],
    ).order_by(abc.c.rank, abc.c.cp)
    session.execute(insert(table_of(AbcResult)).from_select(
        ("period_start", "period_end", "measure", "counterparty_id", "value", "share",
         "cumulative_share", "rank", "class"), source))
    rows = session.scalar(select(func.count()).select_from(AbcResult).where(
        AbcResult.measure == measure, AbcResult.period_start == period.start,
        AbcResult.period_end == period.end)) or 0
    used = settings_used(settings, "abc_a_percent", "abc_b_percent")
    used["abc_measure"] = measure
    runlog.record(session, "abc", period, used, rows=rows, started=started,
                  replaces=("abc_measure",))
    return rows
