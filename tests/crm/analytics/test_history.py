"""One counterparty's stored classes and stages (crm.analytics.history): hand-made rows, and the
rows a real run stores."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics import parse_period, run
from letterpress.crm.analytics.history import class_history
from letterpress.crm.model import (
    AbcResult,
    AnalyticsRun,
    Counterparty,
    StageChange,
    User,
    XyzResult,
)
from letterpress.testing import factories
from tests.crm.analytics.builders import Ledger

UTC = dt.UTC
P1 = parse_period("2024-01..2024-12")
P2 = parse_period("2024-07..2025-06")
P3 = parse_period("2024-10..2025-09")  # the newest, as long as the nightly run's
P3Q = parse_period("2025-07..2025-09")  # ends with P3, stored by hand for a quarter


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


def _run(session: Session, kind: str, label: str, finished: str, **used: object) -> None:
    period = parse_period(label)
    session.add(AnalyticsRun(kind=kind, period_start=period.start, period_end=period.end,
                             settings=json.dumps(used), started_at=_at(finished),
                             finished_at=_at(finished)))


def _abc(session: Session, cp: Counterparty, label: str, klass: str, value: int, *,
         share: float, cumulative: float, rank: int, measure: str = "revenue") -> None:
    period = parse_period(label)
    session.add(AbcResult(period_start=period.start, period_end=period.end, measure=measure,
                          counterparty_id=cp.id, value=value, share=share,
                          cumulative_share=cumulative, rank=rank, abc_class=klass))


def _xyz(session: Session, cp: Counterparty, label: str, klass: str | None, cv: float | None,
         *, bucket: str = "month") -> None:
    period = parse_period(label)
    session.add(XyzResult(period_start=period.start, period_end=period.end, measure="revenue",
                          bucket=bucket, counterparty_id=cp.id, buckets=12, total=1_000_000,
                          cv=cv, xyz_class=klass))


def _change(session: Session, cp: Counterparty, month: str, before: str | None, after: str,
            manager: User | None) -> None:
    day = dt.date.fromisoformat(f"{month}-01")
    session.add(StageChange(counterparty_id=cp.id, month_no=day.year * 12 + day.month - 1,
                            month=day, from_stage=before, to_stage=after,
                            manager_id=manager.id if manager else None))


@pytest.fixture
def world(session: Session) -> tuple[Counterparty, Counterparty, User, User]:
    """Stored runs and rows of two counterparties; ``cp`` is the one asked about."""
    m1 = factories.make_user(session, "m1")
    m2 = factories.make_user(session, "m2")
    cp = factories.make_counterparty(session, "Наш клиент", manager=m2)
    other = factories.make_counterparty(session, "Другой клиент")
    revenue = {"abc_measure": "revenue", "abc_a_percent": 80.0}
    _run(session, "abc", P1.label, "2025-01-03T03:00", **revenue)
    _run(session, "abc", P2.label, "2025-07-02T03:00", **revenue)
    _run(session, "abc", P3.label, "2025-10-01T03:00", **revenue)
    _run(session, "abc", P3.label, "2025-10-02T03:00", **revenue)  # the next night, same period
    _run(session, "abc", P3Q.label, "2025-10-02T09:00", **revenue)
    _run(session, "abc", P3.label, "2025-10-02T10:00", abc_measure="gross_profit")
    monthly = {"xyz_measure": "revenue", "xyz_bucket": "month"}
    _run(session, "xyz", P2.label, "2025-07-02T03:00", **monthly)
    _run(session, "xyz", P3.label, "2025-10-02T03:00", **monthly)
    _run(session, "xyz", P3.label, "2025-10-02T11:00", xyz_measure="revenue",
         xyz_bucket="quarter")
    _run(session, "totals", "2014-01..2025-09", "2025-09-30T03:00")
    _run(session, "totals", "2014-01..2025-10", "2025-10-02T02:59")
    _run(session, "completeness", "2025-10", "2025-10-02T03:01")
    # ABC: C in P1, B in P2, no sales in P3 (other is ranked alone), A in the quarter P3Q.
    _abc(session, cp, P1.label, "C", 150_000, share=0.05, cumulative=0.96, rank=3)
    _abc(session, cp, P2.label, "B", 500_000, share=0.2, cumulative=0.9, rank=2)
    _abc(session, cp, P3Q.label, "A", 90_000, share=1.0, cumulative=1.0, rank=1)
    _abc(session, cp, P3.label, "A", 70_000, share=0.7, cumulative=0.7, rank=1,
         measure="gross_profit")
    _abc(session, other, P3.label, "A", 800_000, share=1.0, cumulative=1.0, rank=1)
    # XYZ: X (cv 12.5 %) in P2; not regular in P3 (classed by quarter, which is not configured).
    _xyz(session, cp, P2.label, "X", 0.125)
    _xyz(session, cp, P3.label, "Z", 1.4, bucket="quarter")
    _xyz(session, other, P3.label, "Y", 0.6)
    _change(session, cp, "2024-01", None, "one_time", m1)
    _change(session, cp, "2024-03", "one_time", "regular", m1)
    _change(session, cp, "2025-08", "regular", "lost", None)
    _change(session, other, "2025-09", "regular", "lost", m2)
    session.commit()
    return cp, other, m1, m2


def test_the_newest_stored_period_is_now_and_the_history_runs_newest_first(
    session: Session, world: tuple[Counterparty, Counterparty, User, User]
) -> None:
    cp, _other, m1, _m2 = world
    found = class_history(session, AnalyticsSettings(), cp.id)
    assert found.computed
    assert [row.period for row in found.abc] == [P3, P3Q, P2, P1]
    now = found.abc_now
    assert now is not None and now.period == P3
    # Stored, but without the counterparty: no sales in the period.
    assert (now.klass, now.value, now.amount, now.rank) == (None, None, None, None)
    assert now.computed_at == _at("2025-10-02T03:00")  # the later of the two nights
    quarter, p2, p1 = found.abc[1:]
    assert (quarter.klass, quarter.amount) == ("A", Decimal("900.00"))
    assert (p2.klass, p2.value, p2.amount, p2.share, p2.cumulative_share, p2.rank) == (
        "B", 500_000, Decimal("5000.00"), 0.2, 0.9, 2)
    assert (p1.klass, p1.amount, p1.cumulative_share) == ("C", Decimal("1500.00"), 0.96)

    assert [row.period for row in found.xyz] == [P3, P2]
    xyz_now = found.xyz_now
    assert xyz_now is not None and not xyz_now.regular and xyz_now.klass is None
    assert (found.xyz[1].regular, found.xyz[1].klass, found.xyz[1].cv) == (True, "X", 0.125)

    stage = found.stage_now
    assert stage is not None
    assert (stage.month, stage.from_stage, stage.to_stage, stage.manager_id) == (
        dt.date(2025, 8, 1), "regular", "lost", None)
    assert [(s.month, s.to_stage, s.manager_id) for s in found.stages[1:]] == [
        (dt.date(2024, 3, 1), "regular", m1.id), (dt.date(2024, 1, 1), "one_time", m1.id)]
    assert found.register_built_at == _at("2025-10-02T02:59")

    rows = [(r.period, r.abc and r.abc.klass, r.xyz and (r.xyz.regular, r.xyz.klass))
            for r in found.periods()]
    assert rows == [(P3, None, (False, None)), (P3Q, "A", None), (P2, "B", (True, "X")),
                    (P1, "C", None)]


def test_the_configured_measure_and_bucket_choose_the_rows(
    session: Session, world: tuple[Counterparty, Counterparty, User, User]
) -> None:
    cp = world[0]
    settings = AnalyticsSettings(abc_measure="gross_profit", xyz_bucket="quarter")
    found = class_history(session, settings, cp.id)
    assert [(r.period, r.klass, r.amount) for r in found.abc] == [(P3, "A", Decimal("700.00"))]
    assert [(r.period, r.klass, r.cv) for r in found.xyz] == [(P3, "Z", 1.4)]


def test_among_periods_ending_together_the_configured_length_comes_first(
    session: Session, world: tuple[Counterparty, Counterparty, User, User]
) -> None:
    found = class_history(session, AnalyticsSettings(period_months=3), world[0].id)
    assert [row.period for row in found.abc] == [P3Q, P3, P2, P1]
    now = found.abc_now
    assert now is not None and now.klass == "A"


def test_a_counterparty_never_classed_nor_staged(
    session: Session, world: tuple[Counterparty, Counterparty, User, User]
) -> None:
    newcomer = factories.make_counterparty(session, "Новый")
    session.commit()
    found = class_history(session, AnalyticsSettings(), newcomer.id)
    assert found.computed  # the analytics exist: it is this counterparty that has no rows
    assert all(row.klass is None for row in found.abc) and len(found.abc) == 4
    assert all(not row.regular for row in found.xyz)
    assert found.stage_now is None and found.stages == ()


def test_nothing_computed_yet(session: Session) -> None:
    cp = factories.make_counterparty(session, "Клиент")
    session.commit()
    found = class_history(session, AnalyticsSettings(), cp.id)
    assert not found.computed
    assert (found.abc, found.xyz, found.stages, found.periods()) == ((), (), (), [])
    assert found.abc_now is None and found.xyz_now is None and found.stage_now is None
    assert found.register_built_at is None


def test_an_orders_measure_is_a_count(session: Session) -> None:
    cp = factories.make_counterparty(session, "Клиент")
    _run(session, "abc", P1.label, "2025-01-03T03:00", abc_measure="orders")
    _abc(session, cp, P1.label, "A", 7, share=0.5, cumulative=0.5, rank=1, measure="orders")
    session.commit()
    now = class_history(session, AnalyticsSettings(abc_measure="orders"), cp.id).abc_now
    assert now is not None and now.amount == 7 and isinstance(now.amount, int)


def test_one_statement(
    session: Session, engine: Engine, world: tuple[Counterparty, Counterparty, User, User]
) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sqlalchemy_event.listen(engine, "before_cursor_execute", count)
    try:
        class_history(session, AnalyticsSettings(), world[0].id)
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", count)
    assert [s.split()[0] for s in statements if s != "BEGIN"] == ["SELECT"], statements


def test_what_a_run_stores_is_read_back(session: Session, ledger: Ledger) -> None:
    """The runs' settings name the measure and bucket as this module reads them."""
    steady = ledger.customer("C0")
    once = ledger.customer("C1")
    for month in range(1, 13):
        ledger.ship(steady, f"2025-{month:02d}", 100)
    ledger.ship(once, "2025-03", 300)
    session.commit()
    run(session, AnalyticsSettings(), dt.date(2026, 1, 10))
    session.commit()
    year = parse_period("2025-01..2025-12")
    found = class_history(session, AnalyticsSettings(), steady.id)
    abc, xyz = found.abc_now, found.xyz_now
    # 1200 of 1500 roubles, nobody above: A with 80 %; every month alike: X with cv 0.
    assert abc is not None and (abc.period, abc.klass, abc.amount, abc.rank) == (
        year, "A", Decimal("1200.00"), 1)
    assert abc.cumulative_share == pytest.approx(0.8)
    assert xyz is not None and (xyz.period, xyz.regular, xyz.klass, xyz.cv) == (
        year, True, "X", 0.0)
    # One-time in January, regular from February (two months with shipments in the window).
    assert [(s.month, s.from_stage, s.to_stage) for s in found.stages] == [
        (dt.date(2025, 2, 1), "one_time", "regular"), (dt.date(2025, 1, 1), None, "one_time")]
    # 1200 roubles above of 1500 (80 %, not below it): B; lost by the year's end: no XYZ class.
    # A customer since the ledger's first month, potential until its purchase in March, lost
    # after six months without one.
    other = class_history(session, AnalyticsSettings(), once.id)
    assert other.abc_now is not None and other.abc_now.klass == "B"
    assert other.xyz_now is not None and not other.xyz_now.regular
    assert [(s.month, s.to_stage) for s in other.stages] == [
        (dt.date(2025, 9, 1), "lost"), (dt.date(2025, 3, 1), "one_time"),
        (dt.date(2025, 1, 1), "potential")]
