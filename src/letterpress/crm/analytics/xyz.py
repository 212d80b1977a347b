"""XYZ classification of regular customers by the stability of their purchases (slides 15-16).

For each customer whose stage at the period's end is ``regular``, the measure is summed per
bucket (month, quarter or year, counted from the period's first month; months without sales are
zeros) and its coefficient of variation ``cv`` = population standard deviation / mean is taken
over the period's ``N`` buckets. From ``s1`` = sum and ``s2`` = sum of squares of the bucket sums:
``cv = sqrt(N * s2 - s1^2) / s1``. The class compares ``N * s2 - s1^2`` with
``(threshold / 100)^2 * s1^2``, which needs no square root and is exact for sums of up to about
nine million roubles per bucket, so both databases class alike:

* **X**: cv < x (default 50 % for months, 10 % for the classic quarterly/yearly preset);
* **Y**: x <= cv <= y (100 %; classic 25 %);
* **Z**: cv > y.

A regular customer whose sum over the period is not positive (possible with a longer period than
the stage window, or gross profit) has no ``cv`` and no class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics import runlog
from letterpress.crm.analytics.abc import classify as abc_classify
from letterpress.crm.analytics.expressions import (
    as_float,
    rounded,
    stream_rows,
    table_of,
)
from letterpress.crm.analytics.periods import Period, month_no
from letterpress.crm.analytics.register import REGULAR, ensure_fresh
from letterpress.crm.analytics.report import (
    Report,
    ReportRequest,
    manager_logins,
    manager_scope,
    scope_clause,
    settings_used,
)
from letterpress.crm.model import Counterparty, CustomerMonth, XyzResult
from letterpress.db.types import utcnow
from letterpress.errors import ValidationError

BUCKET_MONTHS = {"month": 1, "quarter": 3, "year": 12}
PRESETS = {"monthly": (50.0, 100.0), "classic": (10.0, 25.0)}


def thresholds(settings: AnalyticsSettings) -> tuple[float, float]:
    """(x, y) in percent after resolving the preset."""
    preset = settings.xyz_thresholds
    if preset == "auto":
        preset = "monthly" if settings.xyz_bucket == "month" else "classic"
    if preset == "custom":
        return settings.xyz_x_percent, settings.xyz_y_percent
    return PRESETS[preset]


def _effective(period: Period, today_no: int, bucket: str) -> tuple[int, int, int]:
    """(last month read, bucket size, number of buckets) for the part of the period not ahead."""
    size = BUCKET_MONTHS[bucket]
    last = min(period.last, today_no)
    months = last - period.first + 1
    if months <= 0:
        return last, size, 0
    if months % size:
        raise ValidationError(
            f"period {period.label}: {months} months do not divide into {bucket}s", field="period")
    return last, size, months // size


def classify(settings: AnalyticsSettings, period: Period, measure: str, bucket: str,
             today_no: int) -> Any:
    """Subquery (cp, buckets, total, mean, cv, class) over the regular customers."""
    last, size, n = _effective(period, today_no, bucket)
    cm = CustomerMonth.__table__
    value = {"revenue": cm.c.revenue, "orders": cm.c.orders,
             "gross_profit": cm.c.revenue - cm.c.cost}[measure]
    # One pass over the period's register rows (they lie together, written month by month),
    # the stage at the last month read in the same pass: no join with the regular customers.
    # (HAVING ... > 0 rather than = 1: PostgreSQL estimates an equality on an aggregate at a few
    # hundred groups and then looks the 80,000 customers up one by one.)
    regular = func.max(case((and_(cm.c.month_no == last, cm.c.stage == REGULAR), 1), else_=0))
    # Months without sales add nothing to s1 and s2 (the zeros are counted in N): only the
    # months with a value and the last month (for the stage) are read into the aggregation.
    in_period = and_(cm.c.month_no >= period.first, cm.c.month_no <= last,
                     or_(value != 0, cm.c.month_no == last))
    if size == 1:
        measured = as_float(value)
        sums = (select(cm.c.counterparty_id.label("cp"), func.sum(measured).label("s1"),
                       func.sum(measured * measured).label("s2"))
                .where(in_period).group_by(cm.c.counterparty_id).having(regular > 0)
                .subquery("sums"))
    else:
        bucket_no = (cm.c.month_no - period.first) // size
        per_bucket = (select(cm.c.counterparty_id.label("cp"),
                             as_float(func.sum(value)).label("x"), regular.label("regular"))
                      .where(in_period).group_by(cm.c.counterparty_id, bucket_no)
                      .subquery("buckets"))
        sums = (select(per_bucket.c.cp, func.sum(per_bucket.c.x).label("s1"),
                       func.sum(per_bucket.c.x * per_bucket.c.x).label("s2"))
                .group_by(per_bucket.c.cp).having(func.max(per_bucket.c.regular) > 0)
                .subquery("sums"))
    # Doubles: sums of whole kopecks are exact in them up to 2^53 (and cheaper than numeric).
    s1, s2 = sums.c.s1, sums.c.s2
    spread = literal(float(max(n, 1)), Float) * s2 - s1 * s1
    spread = case((spread > 0, spread), else_=literal(0.0, Float))
    x, y = thresholds(settings)
    klass = case(
        (sums.c.s1 <= 0, None),
        (spread < literal((x / 100) ** 2, Float) * s1 * s1, "X"),
        (spread <= literal((y / 100) ** 2, Float) * s1 * s1, "Y"),
        else_="Z",
    )
    return select(
        sums.c.cp, literal(n).label("buckets"), cast(s1, BigInteger).label("total"),
        (s1 / literal(float(max(n, 1)), Float)).label("mean"),
        case((sums.c.s1 > 0, func.sqrt(spread) / s1)).label("cv"),
        cast(klass, String(1)).label("class"),
    ).subquery("xyz")


def xyz_select(session: Session, settings: AnalyticsSettings, request: ReportRequest,
               measure: str, bucket: str) -> Select[Any]:
    """The report's rows; with the ``abc`` option each row also carries its ABC class.

    Columns: counterparty (external id), name, manager_id, cv, class, mean, total, buckets, abc
    (NULL without the option), counterparty_id. Values are formatted here: roubles (or counts of orders), cv to
    six decimals.
    """
    today_no = month_no(request.today)
    xyz = classify(settings, request.period, measure, bucket, today_no)
    columns = [xyz.c.cp, xyz.c.buckets, xyz.c.total, xyz.c.mean, xyz.c.cv,
               xyz.c["class"].label("xyz")]
    if request.option("abc"):
        abc = abc_classify(settings, request.period, settings.abc_measure, today_no)
        # XYZ and ABC meet in one grouped UNION rather than a join of two derived tables:
        # SQLite indexes neither side of such a join (quadratic), PostgreSQL may re-run
        # window functions.
        both = union_all(
            select(*columns, cast(null(), String(1)).label("abc"), literal(1).label("is_xyz")),
            select(abc.c.cp, cast(null(), Integer), cast(null(), BigInteger),
                   cast(null(), Float), cast(null(), Float), cast(null(), String(1)),
                   abc.c["class"], literal(0)),
        ).subquery("both")
        merged = (
            select(both.c.cp, func.max(both.c.buckets).label("buckets"),
                   func.max(both.c.total).label("total"), func.max(both.c.mean).label("mean"),
                   func.max(both.c.cv).label("cv"), func.max(both.c.xyz).label("class"),
                   func.max(both.c.abc).label("abc"))
            .group_by(both.c.cp).having(func.max(both.c.is_xyz) == 1).subquery("merged")
        )
    else:
        merged = select(*columns[:5], xyz.c["class"], cast(null(), String(1)).label("abc")
                        ).subquery("merged")
    cp = Counterparty.__table__
    # What people see, formatted in SQL: roubles (or counts of orders), cv to 6 decimals.
    mean: ColumnElement[Any]
    total: ColumnElement[Any]
    if measure == "orders":
        mean, total = rounded(merged.c.mean, 4), merged.c.total
    else:
        hundred = literal(100.0, Float)
        mean = rounded(merged.c.mean / hundred, 2)
        total = as_float(merged.c.total) / hundred
    return (
        select(cp.c.external_id.label("counterparty"), cp.c.name, cp.c.manager_id,
               rounded(merged.c.cv, 6).label("cv"), merged.c["class"], mean.label("mean"),
               total.label("total"), merged.c.buckets, merged.c.abc,
               merged.c.cp.label("counterparty_id"))
        .select_from(merged.join(cp, cp.c.id == merged.c.cp))
        .where(scope_clause(cp.c.manager_id, manager_scope(session, request)))
        .order_by(merged.c.cv.nulls_last(), cp.c.external_id.nulls_last(), merged.c.cp)
    )


def xyz_report(session: Session, settings: AnalyticsSettings, request: ReportRequest) -> Report:
    measure = request.option("measure") or settings.xyz_measure
    bucket = request.option("bucket") or settings.xyz_bucket
    ensure_fresh(session, settings, request.today)
    x, y = thresholds(settings)
    used = settings_used(settings, "xyz_thresholds", "stage_window_months",
                         "lost_after_months", "abc_measure")
    used.update(xyz_measure=measure, xyz_bucket=bucket, xyz_x_percent=x, xyz_y_percent=y)
    columns = ["counterparty", "name", "manager", "cv", "class", "mean", "total", "buckets"]
    with_abc = bool(request.option("abc"))
    if with_abc:
        columns.append("abc")
    logins = manager_logins(session)
    rows = _rows(stream_rows(session, xyz_select(session, settings, request, measure, bucket)),
                 logins, with_abc)
    notes = [f"regular customers at the period's end; cv over {bucket}s, empty ones as zero"]
    return Report("xyz", request.period, columns, rows, used, notes)


def _rows(found: Iterable[Any], logins: dict[int, str],
          with_abc: bool) -> list[dict[str, Any]]:
    """The report's rows from the query's tuples (columns as :func:`xyz_select` orders them);
    the values come formatted from SQL, one dict per row is all that is left to do here."""
    login = logins.get
    if with_abc:
        return [
            {"counterparty": counterparty, "name": name, "manager": login(manager), "cv": cv,
             "class": klass, "mean": mean, "total": total, "buckets": buckets, "abc": abc,
             "counterparty_id": cp_id}
            for counterparty, name, manager, cv, klass, mean, total, buckets, abc, cp_id
            in found
        ]
    return [
        {"counterparty": counterparty, "name": name, "manager": login(manager), "cv": cv,
         "class": klass, "mean": mean, "total": total, "buckets": buckets,
         "counterparty_id": cp_id}
        for counterparty, name, manager, cv, klass, mean, total, buckets, _, cp_id in found
    ]


def store_xyz(session: Session, settings: AnalyticsSettings, period: Period, today_no: int) -> int:
    """Replace the stored XYZ classes of ``period`` (caller commits)."""
    started = utcnow()
    measure, bucket = settings.xyz_measure, settings.xyz_bucket
    session.execute(delete(XyzResult).where(
        XyzResult.measure == measure, XyzResult.bucket == bucket,
        XyzResult.period_start == period.start, XyzResult.period_end == period.end))
    xyz = classify(settings, period, measure, bucket, today_no)
    source = select(
        literal(period.start).label("period_start"), literal(period.end).label("period_end"),
        literal(measure).label("measure"), literal(bucket).label("bucket"), xyz.c.cp,
        xyz.c.buckets, xyz.c.total, xyz.c.cv, xyz.c["class"],
    ).order_by(xyz.c.cp)
    session.execute(insert(table_of(XyzResult)).from_select(
        ("period_start", "period_end", "measure", "bucket", "counterparty_id", "buckets",
         "total", "cv", "class"), source))
    rows = session.scalar(select(func.count()).select_from(XyzResult).where(
        XyzResult.measure == measure, XyzResult.bucket == bucket,
        XyzResult.period_start == period.start, XyzResult.period_end == period.end)) or 0
    x, y = thresholds(settings)
    used = {"xyz_measure": measure, "xyz_bucket": bucket, "xyz_x_percent": x,
            "xyz_y_percent": y}
    runlog.record(session, "xyz", period, used, rows=rows, started=started,
                  replaces=("xyz_measure", "xyz_bucket"))
    return rows
