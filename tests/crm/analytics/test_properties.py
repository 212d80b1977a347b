"""Properties of ABC and the stages over random ledgers (hypothesis), on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.analytics import ReportRequest, build_report
from letterpress.crm.analytics.periods import Period, month_no, month_start
from letterpress.crm.analytics.register import STAGES, refresh
from letterpress.crm.model import Counterparty, CustomerMonth, Shipment
from tests.crm.analytics.conftest import TODAY

FIRST = month_no(dt.date(2024, 1, 1))
SALE = st.tuples(st.integers(0, 7), st.integers(0, 23),
                 st.sampled_from([1, 50, 100, 100, 250, 999, 10_000, 123_456]))
LEDGERS = st.lists(SALE, min_size=1, max_size=25)
PERIODS = st.tuples(st.integers(0, 23), st.integers(1, 12)).map(
    lambda p: Period(FIRST + p[0], FIRST + min(p[0] + p[1] - 1, 23)))
PROFILE = settings(max_examples=20, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load(session: Session, sales: list[tuple[int, int, int]], potential: int = 2) -> list[int]:
    ids = []
    for n in range(8 + potential):
        cp = Counterparty(external_id=f"P{n}", name=f"P{n}",
                          created_at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
        session.add(cp)
        session.flush()
        ids.append(cp.id)
    for i, (who, month, amount) in enumerate(sales):
        session.add(Shipment(external_id=f"S{i}", counterparty_id=ids[who],
                             date=month_start(FIRST + month) + dt.timedelta(days=i % 27),
                             revenue=Decimal(amount) / 100, cost=Decimal(0), currency="RUB"))
    session.flush()
    return ids


def _abc(session: Session, period: Period) -> dict[str, tuple[str, float]]:
    rep = build_report(session, Settings(), "abc", ReportRequest(period=period, today=TODAY))
    return {r["counterparty"]: (r["class"], r["value"]) for r in rep.rows}


@PROFILE
@given(sales=LEDGERS, period=PERIODS)
def test_abc_partitions_the_customers_with_sales(session: Session, sales: list[tuple[int, int, int]],
                                                 period: Period) -> None:
    try:
        _load(session, sales)
        classes = _abc(session, period)
        sold = {f"P{who}" for who, month, _ in sales if period.first <= FIRST + month <= period.last}
        assert set(classes) == sold
        assert {klass for klass, _ in classes.values()} <= {"A", "B", "C"}
        total = sum(value for _, value in classes.values())
        in_a = sum(value for klass, value in classes.values() if klass == "A")
        if total > 0:
            assert in_a / total >= AnalyticsSettings().abc_a_percent / 100 - 1e-9
            top = max(value for _, value in classes.values())
            assert all(k == "A" for k, v in classes.values() if v == top)
    finally:
        session.rollback()


@PROFILE
@given(sales=LEDGERS)
def test_every_customer_has_one_stage_per_month(session: Session,
                                                sales: list[tuple[int, int, int]]) -> None:
    try:
        ids = _load(session, sales)
        refresh(session, AnalyticsSettings(), TODAY)
        cm = CustomerMonth
        rows = session.execute(
            select(cm.counterparty_id, func.count(), func.count(func.distinct(cm.month_no)),
                   func.min(cm.month_no), func.max(cm.month_no))
            .group_by(cm.counterparty_id)).all()
        assert {r[0] for r in rows} == set(ids)  # every customer, the potential ones too
        for _, n, distinct, first, last in rows:
            assert n == distinct == last - first + 1  # one row a month, no gaps
            assert last == month_no(TODAY)
        stages = set(session.scalars(select(cm.stage).distinct()))
        assert stages <= set(STAGES)
    finally:
        session.rollback()


@PROFILE
@given(sales=LEDGERS, period=PERIODS, pick=st.integers(0, 24), target=st.integers(0, 11))
def test_moving_a_sale_within_the_period_keeps_abc(session: Session,
                                                   sales: list[tuple[int, int, int]],
                                                   period: Period, pick: int, target: int) -> None:
    try:
        _load(session, sales)
        inside = [i for i, (_, month, _) in enumerate(sales)
                  if period.first <= FIRST + month <= period.last]
        if not inside:
            return
        before = _abc(session, period)
        moved = inside[pick % len(inside)]
        new_month = period.first + target % period.months
        session.execute(update(Shipment).where(Shipment.external_id == f"S{moved}")
                        .values(date=month_start(new_month)))
        refresh(session, AnalyticsSettings(), TODAY)  # an edit in place: rebuild explicitly
        assert _abc(session, period) == before
    finally:
        session.rollback()
