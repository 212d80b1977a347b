"""One counterparty's classes and stage as the stored analytics hold them: the card's "ABC/XYZ/
stage now and their history" (полная информация о клиенте).

* ABC: the class of each stored period for the configured measure (``abc_measure``), with the
  value, the shares and the rank; a stored period without the counterparty's row means no sales
  in it (ABC ranks customers with sales only, :mod:`~letterpress.crm.analytics.abc`).
* XYZ: the class of each stored period for the configured measure and bucket, with the
  coefficient of variation; a stored period without the counterparty's row means it was not a
  regular customer at the period's end, a row without a class a non-positive sum
  (:mod:`~letterpress.crm.analytics.xyz`).
* Stages: every change the register holds, newest first, with the manager responsible then
  (:mod:`~letterpress.crm.analytics.register`); the newest is the stage now.

"Now" is the newest stored period: the one ending last, and of those the one as long as
``period_months`` (what the nightly run stores), else the longest. Nothing is computed here:
classes are those the last ``letterpress analytics run`` (or the nightly run) stored, stages
those of the last register build.

Which periods are stored is read from the runs (:class:`~letterpress.crm.model.AnalyticsRun`,
a row per run): listing the periods of the results tables would read every customer's rows. All
of it is one statement, a UNION ALL of the counterparty's rows (each part by its index on the
counterparty) and of the runs. The caller decides whether the viewer may see the counterparty.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Date,
    Float,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.periods import Period
from letterpress.crm.analytics.runlog import run_settings
from letterpress.crm.model import AbcResult, AnalyticsRun, StageChange, XyzResult
from letterpress.db.types import UTCDateTime

COUNT_MEASURES = frozenset({"orders"})  # measures counted in orders; the others are kopecks


@dataclass(frozen=True, slots=True)
class AbcClass:
    """The counterparty in one stored ABC period; ``klass`` None: no sales in the period."""

    period: Period
    measure: str
    klass: str | None
    value: int | None  # kopecks, or a number of orders
    share: float | None  # of the total, 0..1
    cumulative_share: float | None  # down to and including the counterparty's tie group
    rank: int | None
    computed_at: dt.datetime | None

    @property
    def amount(self) -> Decimal | int | None:
        """The value as people read it: roubles, or a number of orders."""
        if self.value is None or self.measure in COUNT_MEASURES:
            return self.value
        return Decimal(self.value).scaleb(-2)


@dataclass(frozen=True, slots=True)
class XyzClass:
    """The counterparty in one stored XYZ period."""

    period: Period
    regular: bool  # a regular customer at the period's end: the only ones XYZ classes
    klass: str | None  # None also for a regular customer whose sum is not positive
    cv: float | None  # coefficient of variation, 0.25 for 25 %
    computed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StageStep:
    """A change of stage at the end of ``month``."""

    month: dt.date  # the month's first day
    from_stage: str | None  # None: the customer's first month in the register
    to_stage: str
    manager_id: int | None  # responsible for the customer then


@dataclass(frozen=True, slots=True)
class PeriodClasses:
    """A row of the history: one stored period with its ABC and XYZ classes (None: that
    analysis was not stored for the period)."""

    period: Period
    abc: AbcClass | None
    xyz: XyzClass | None


@dataclass(frozen=True)
class ClassHistory:
    """What :func:`class_history` found; every sequence newest first."""

    abc_measure: str
    xyz_measure: str
    xyz_bucket: str
    period_months: int  # the length the nightly run stores, first among periods ending together
    abc: tuple[AbcClass, ...]  # one per stored period of the measure
    xyz: tuple[XyzClass, ...]  # one per stored period of the measure and bucket
    stages: tuple[StageStep, ...]
    register_built_at: dt.datetime | None  # the stages' as of; None: the register never built

    @property
    def abc_now(self) -> AbcClass | None:
        """The newest stored period (None: ABC never stored for the measure)."""
        return self.abc[0] if self.abc else None

    @property
    def xyz_now(self) -> XyzClass | None:
        return self.xyz[0] if self.xyz else None

    @property
    def stage_now(self) -> StageStep | None:
        """None: not in the register (not a customer, or the register never built)."""
        return self.stages[0] if self.stages else None

    @property
    def computed(self) -> bool:
        """Whether anything was ever computed (else there is no history to tell apart from
        "no sales")."""
        return bool(self.abc or self.xyz or self.register_built_at)

    def periods(self) -> list[PeriodClasses]:
        """ABC and XYZ side by side, a row per stored period, in the order of the history."""
        abc = {row.period: row for row in self.abc}
        xyz = {row.period: row for row in self.xyz}
        return [PeriodClasses(period, abc.get(period), xyz.get(period))
                for period in _newest_first([*abc, *xyz], self.period_months)]


def _newest_first(periods: Sequence[Period], preferred_months: int) -> list[Period]:
    """Distinct ``periods``, the one ending last first; of those ending together, the one
    ``preferred_months`` long first, then the longer."""
    return sorted(set(periods), key=lambda p: (p.last, p.months == preferred_months, p.months),
                  reverse=True)


def _null(type_: Any) -> Any:
    """A NULL of ``type_``: PostgreSQL takes an untyped NULL in a UNION's member for text."""
    return cast(null(), type_)


# The statement's columns, in order: every part fills the ones it has and NULLs the rest.
_COLUMNS = ("part", "start", "end", "settings", "at", "klass", "previous", "value", "share",
            "cumulative_share", "rank", "cv", "manager_id")


def _part(**values: Any) -> Select[Any]:
    """A member of the statement: ``values`` by column name, typed NULLs for the others."""
    types = {"part": String(20), "start": Date(), "end": Date(), "settings": Text(),
             "at": UTCDateTime(), "klass": String(10), "previous": String(10),
             "value": BigInteger(), "share": Float(), "cumulative_share": Float(),
             "rank": Integer(), "cv": Float(), "manager_id": Integer()}
    return select(*(
        (values[name] if name in values else _null(types[name])).label(name) for name in _COLUMNS
    ))


@functools.cache
def _statement() -> CompoundSelect[Any]:
    """Built once (parameters: ``counterparty_id``, ``abc_measure``, ``xyz_measure``,
    ``xyz_bucket``): putting it together costs more than running it."""
    run, abc, xyz, change = AnalyticsRun, AbcResult, XyzResult, StageChange
    counterparty = bindparam("counterparty_id", type_=Integer())
    stored = (
        _part(part=run.kind, start=run.period_start, end=run.period_end, settings=run.settings,
              at=func.max(run.finished_at))
        .where(run.kind.in_(("abc", "xyz")))
        .group_by(run.kind, run.period_start, run.period_end, run.settings)
    )
    # The newest build only, by the index on (kind, finished_at): builds come and go with
    # every change of the ledger.
    register = _part(part=literal("register", String(20)), at=func.max(run.finished_at)).where(
        run.kind == "totals")
    abc_rows = _part(
        part=literal("abc_row", String(20)), start=abc.period_start, end=abc.period_end,
        klass=abc.abc_class, value=abc.value, share=abc.share,
        cumulative_share=abc.cumulative_share, rank=abc.rank,
    ).where(abc.counterparty_id == counterparty, abc.measure == bindparam("abc_measure"))
    xyz_rows = _part(
        part=literal("xyz_row", String(20)), start=xyz.period_start, end=xyz.period_end,
        klass=xyz.xyz_class, value=xyz.total, cv=xyz.cv,
    ).where(xyz.counterparty_id == counterparty, xyz.measure == bindparam("xyz_measure"),
            xyz.bucket == bindparam("xyz_bucket"))
    stages = _part(
        part=literal("stage", String(20)), start=change.month, klass=change.to_stage,
        previous=change.from_stage, manager_id=change.manager_id,
    ).where(change.counterparty_id == counterparty)
    return union_all(stored, register, abc_rows, xyz_rows, stages)


def class_history(session: Session, settings: AnalyticsSettings,
                  counterparty_id: int) -> ClassHistory:
    """The counterparty's stored classes and stage changes, in one statement (see the module's
    docstring); the viewer's right to see the counterparty is the caller's to check."""
    abc_measure = settings.abc_measure
    xyz_measure, xyz_bucket = settings.xyz_measure, settings.xyz_bucket
    rows = session.execute(_statement(), {
        "counterparty_id": counterparty_id, "abc_measure": abc_measure,
        "xyz_measure": xyz_measure, "xyz_bucket": xyz_bucket,
    }).all()
    # The stored periods of the configured measure (and bucket), with when each was computed.
    abc_runs: dict[Period, dt.datetime | None] = {}
    xyz_runs: dict[Period, dt.datetime | None] = {}
    abc_rows: dict[Period, Any] = {}
    xyz_rows: dict[Period, Any] = {}
    stages: list[StageStep] = []
    built_at: dt.datetime | None = None
    for row in rows:
        if row.part == "register":
            built_at = row.at
        elif row.part == "stage":
            stages.append(StageStep(month=row.start, from_stage=row.previous,
                                    to_stage=row.klass, manager_id=row.manager_id))
        elif row.start is None or row.end is None:
            continue
        elif row.part in ("abc", "xyz"):
            used = run_settings(row.settings)
            if row.part == "abc" and used.get("abc_measure") == abc_measure:
                found = abc_runs
            elif (row.part == "xyz" and used.get("xyz_measure") == xyz_measure
                  and used.get("xyz_bucket") == xyz_bucket):
                found = xyz_runs
            else:
                continue
            period = Period.of_months(row.start, row.end)
            found[period] = max((at for at in (found.get(period), row.at) if at is not None),
                                default=None)
        else:
            (abc_rows if row.part == "abc_row" else xyz_rows)[
                Period.of_months(row.start, row.end)] = row
    preferred = settings.period_months
    abc = tuple(_abc(period, abc_measure, abc_rows.get(period), abc_runs.get(period))
                for period in _newest_first([*abc_runs, *abc_rows], preferred))
    xyz = tuple(_xyz(period, xyz_rows.get(period), xyz_runs.get(period))
                for period in _newest_first([*xyz_runs, *xyz_rows], preferred))
    stages.sort(key=lambda step: step.month, reverse=True)
    return ClassHistory(abc_measure=abc_measure, xyz_measure=xyz_measure, xyz_bucket=xyz_bucket,
                        period_months=preferred, abc=abc, xyz=xyz, stages=tuple(stages),
                        register_built_at=built_at)


def _abc(period: Period, measure: str, row: Any, at: dt.datetime | None) -> AbcClass:
    if row is None:
        return AbcClass(period=period, measure=measure, klass=None, value=None, share=None,
                        cumulative_share=None, rank=None, computed_at=at)
    return AbcClass(period=period, measure=measure, klass=row.klass,
                    value=None if row.value is None else int(row.value), share=row.share,
                    cumulative_share=row.cumulative_share, rank=row.rank, computed_at=at)


def _xyz(period: Period, row: Any, at: dt.datetime | None) -> XyzClass:
    if row is None:
        return XyzClass(period=period, regular=False, klass=None, cv=None, computed_at=at)
    return XyzClass(period=period, regular=True, klass=row.klass, cv=row.cv, computed_at=at)
