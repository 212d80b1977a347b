"""The stored analytics: idempotent runs, the nightly entry point, ABC history and transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import parse_period, run, run_nightly
from letterpress.crm.analytics.abc import store_abc
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.runlog import run_settings
from letterpress.crm.model import (
    AbcResult,
    AnalyticsRun,
    CompletenessSnapshot,
    CustomerMonth,
    StageChange,
    XyzResult,
)
from letterpress.db.session import session_factory
from tests.crm.analytics.builders import Ledger
from tests.crm.analytics.conftest import report

STORED = (CustomerMonth, StageChange, AbcResult, XyzResult, CompletenessSnapshot)


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for model in STORED:
        columns = [c for c in model.__table__.c if c.name not in ("id", "taken_at")]
        out[model.__tablename__] = [tuple(r) for r in session.execute(
            select(*columns).order_by(*columns)).all()]
    return out


def _world(ledger: Ledger) -> None:
    m = ledger.user("m")
    for n, months in enumerate(([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 9], [11],
                                [1, 2], [6, 7, 8, 12])):
        cp = ledger.customer(f"C{n}", manager=m)
        for month in months:
            ledger.ship(cp, f"2025-{month:02d}", 100 * (n + 1) * month)
    ledger.session.commit()


def test_rerunning_gives_the_same_rows(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    today = dt.date(2026, 1, 10)
    figures = run(session, Settings().analytics, today)
    session.commit()
    assert figures["period"] == "2025-01..2025-12" and figures["abc_rows"] == 5
    first = _snapshot(session)
    assert all(first.values())
    run(session, Settings().analytics, today)
    session.commit()
    assert _snapshot(session) == first

    def runs() -> list[tuple[str, str]]:
        return sorted((kind, run_settings(text).get("abc_measure") or "")
                      for kind, text in session.execute(
                          select(AnalyticsRun.kind, AnalyticsRun.settings)
                          .where(AnalyticsRun.kind.in_(("abc", "xyz")))))

    # The second run's rows replaced the first's: its log entry supersedes the first's.
    assert runs() == [("abc", "revenue"), ("xyz", "")]
    period = parse_period(figures["period"])
    store_abc(session, Settings().analytics, period, "orders", month_no(today))
    store_abc(session, Settings().analytics, period, "orders", month_no(today))
    session.commit()
    assert runs() == [("abc", "orders"), ("abc", "revenue"), ("xyz", "")]


def test_run_nightly_commits(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory() as session:
        _world(Ledger(session))
    figures = run_nightly(factory, Settings(), dt.date(2026, 2, 1))
    assert figures["period"] == "2025-02..2026-01"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AbcResult)) == 5  # C3: February
        assert session.scalar(select(func.count()).select_from(CompletenessSnapshot)) == 1


def test_history_shows_moves_between_stored_periods(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    settings = Settings().analytics
    for label in ("2025-01..2025-06", "2025-07..2025-12"):
        run(session, settings, dt.date(2026, 1, 10), parse_period(label))
    session.commit()
    rows = report(session, "abc", "2025-01..2025-12", history=True).rows
    by = {(r["counterparty"], r["period"]): r for r in rows}
    # First half: C0 7200... worked out: C0 100*(1+..+6)=2100, C1 200*3=600, C3 400*3=1200,
    # C4 500*6=3000 -> C4, C0 A (5100 of 6900 above C3? 3000+2100=5100 = 73.9 %: C3 A too),
    # C1 has 6300 above (91.3 %): B. Second half: C0 5700, C1 1800, C2 3300, C4 13500 ->
    # C4 (0 above) A, C0 (13500/24300 = 55.6 %) A, C2 (79.0 %) A, C1 (92.6 %) B.
    assert by[("C1", "2025-01..2025-06")]["class"] == "B"
    assert by[("C3", "2025-01..2025-06")]["class"] == "A"
    assert by[("C2", "2025-07..2025-12")]["movement"] == "new"
    assert by[("C1", "2025-07..2025-12")]["movement"] == "same"
    assert by[("C0", "2025-07..2025-12")]["previous_class"] == "A"
    assert ("C3", "2025-07..2025-12") not in by  # no sales in the second half: not classed
