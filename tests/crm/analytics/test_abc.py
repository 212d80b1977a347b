"""ABC on hand-made ledgers whose classes are worked out here, by hand."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.analytics import ReportRequest, parse_period
from letterpress.crm.analytics.abc import abc_select
from tests.crm.analytics.builders import Ledger
from tests.crm.analytics.conftest import TODAY, YEAR, by_counterparty, report


def _customers(ledger: Ledger, values: dict[str, list[tuple[str, float]]]) -> None:
    for external_id, sales in values.items():
        cp = ledger.customer(external_id)
        for when, revenue in sales:
            ledger.ship(cp, when, revenue, cost=revenue / 2)


def test_classes_shares_and_ties(session: Session, ledger: Ledger) -> None:
    # Total 1000. C1 500: nothing above -> A. C2 200: 500 above (50 %) -> A. C3 and C4 tie at
    # 100 with 700 above (70 %) -> both A, cumulative 900/1000. C5 60: 900 above (90 %) -> B.
    # C6 40: 960 above (96 %) -> C. OLD bought only in 2024 and POT never: not classed.
    _customers(ledger, {
        "C1": [("2025-01", 300), ("2025-06", 200)], "C2": [("2025-03", 200)],
        "C3": [("2025-04", 100)], "C4": [("2025-12-31", 100)], "C5": [("2025-05", 60)],
        "C6": [("2025-01-01", 40)], "OLD": [("2024-12-31", 1000)],
    })
    ledger.customer("POT")
    session.commit()
    rows = by_counterparty(report(session, "abc"))
    assert set(rows) == {"C1", "C2", "C3", "C4", "C5", "C6"}
    expected = {  # class, value, share, cumulative share, rank
        "C1": ("A", 500.0, 0.5, 0.5, 1), "C2": ("A", 200.0, 0.2, 0.7, 2),
        "C3": ("A", 100.0, 0.1, 0.9, 3), "C4": ("A", 100.0, 0.1, 0.9, 3),
        "C5": ("B", 60.0, 0.06, 0.96, 5), "C6": ("C", 40.0, 0.04, 1.0, 6),
    }
    for key, (klass, value, share, cumulative, rank) in expected.items():
        row = rows[key]
        assert (row["class"], row["value"], row["rank"]) == (klass, value, rank), key
        assert row["share"] == pytest.approx(share) and row["cumulative_share"] == pytest.approx(
            cumulative), key


def test_boundary_customer(session: Session, ledger: Ledger) -> None:
    # X crosses 80 % (70 % above it, 90 % with it): still A. Y and Z have exactly 80 % above
    # them: the share above is not below 80 %, so B.
    _customers(ledger, {"W": [("2025-02", 700)], "X": [("2025-02", 200)],
                        "Y": [("2025-02", 50)], "Z": [("2025-02", 50)]})
    session.commit()
    rows = by_counterparty(report(session, "abc"))
    assert {k: r["class"] for k, r in rows.items()} == {"W": "A", "X": "A", "Y": "B", "Z": "B"}
    _customers(ledger, {"V": [("2025-02", 0.01)]})  # a kopeck with 99.999 % above: C
    session.commit()
    assert by_counterparty(report(session, "abc"))["V"]["class"] == "C"


def test_thresholds_and_measures_are_settings(session: Session, ledger: Ledger) -> None:
    a = ledger.customer("A")
    b = ledger.customer("B")
    c = ledger.customer("C")
    ledger.ship(a, "2025-02", 600, cost=550)  # profit 50
    ledger.ship(b, "2025-02", 300, cost=100)  # profit 200
    ledger.ship(c, "2025-02", 100, cost=150)  # profit -50: a loss is always C
    for when in ("2025-01", "2025-02", "2025-03"):
        ledger.order(b, when, 10)
    ledger.order(a, "2025-05", 10)
    ledger.order(a, "2025-06", 10, state="closed")  # closed without shipment: not an order
    session.commit()
    rows = by_counterparty(report(session, "abc", measure="gross_profit"))
    assert rows["B"]["value"] == 200.0 and rows["B"]["class"] == "A"
    assert rows["A"]["value"] == 50.0 and rows["A"]["class"] == "B"  # 200 of 250 above: 80 %
    assert rows["C"]["value"] == -50.0 and rows["C"]["class"] == "C"
    orders = by_counterparty(report(session, "abc", measure="orders"))
    assert set(orders) == {"A", "B"} and orders["B"]["value"] == 3 and orders["A"]["value"] == 1
    # abc_a_percent 50: revenue 600 of 1000 -> A; B has 600 above (60 %) -> B; C 90 % -> B.
    settings = Settings(analytics=dataclasses.replace(AnalyticsSettings(), abc_a_percent=50.0))
    rep = report(session, "abc", settings=settings)
    assert {k: r["class"] for k, r in by_counterparty(rep).items()} == {
        "A": "A", "B": "B", "C": "B"}
    assert rep.settings["abc_a_percent"] == 50.0 and rep.settings["abc_measure"] == "revenue"


def test_summary_compare_and_empty(session: Session, ledger: Ledger) -> None:
    _customers(ledger, {"A": [("2024-03", 10), ("2025-03", 900)],
                        "B": [("2024-03", 990), ("2025-03", 100)]})
    session.commit()
    rows = by_counterparty(report(session, "abc", compare=True))
    assert rows["A"]["previous_class"] == "C" and rows["A"]["movement"] == "up"
    assert rows["B"]["previous_class"] == "A" and rows["B"]["class"] == "B"
    assert rows["B"]["movement"] == "down"
    summary = {r["class"]: r for r in report(session, "abc", summary=True).rows}
    assert summary["A"]["customers"] == 1 and summary["A"]["value"] == 900.0
    assert summary["B"]["share"] == pytest.approx(0.1)
    assert report(session, "abc", "2023-01..2023-12").rows == []


def test_rows_as_listed(session: Session, ledger: Ledger) -> None:
    # Of 550: A 300 (nothing above: A), B1 and B2 tie at 100 (300 above, 54.5 %: A), C 50 (500
    # above, 90.9 %: B). Ties are listed by external id (B2 was written first), each row shows
    # its manager's login, values are roubles and shares are rounded to six decimals.
    m1 = ledger.user("m1")
    a = ledger.customer("A", manager=m1)
    b2 = ledger.customer("B2")
    b1 = ledger.customer("B1", manager=m1)
    c = ledger.customer("C")
    for cp, revenue in ((a, 300), (b2, 100), (b1, 100), (c, 50)):
        ledger.ship(cp, "2025-04", revenue)
    session.commit()
    rep = report(session, "abc")
    assert [(r["counterparty"], r["manager"], r["rank"], r["class"]) for r in rep.rows] == [
        ("A", "m1", 1, "A"), ("B1", "m1", 2, "A"), ("B2", None, 2, "A"), ("C", None, 4, "B")]
    rows = by_counterparty(rep)
    assert rows["A"]["value"] == 300.0 and isinstance(rows["A"]["value"], float)
    assert (rows["A"]["share"], rows["A"]["cumulative_share"]) == (0.545455, 0.545455)
    assert (rows["B1"]["share"], rows["B1"]["cumulative_share"]) == (0.181818, 0.909091)
    assert (rows["C"]["share"], rows["C"]["cumulative_share"]) == (0.090909, 1.0)
    assert rep.columns == ["counterparty", "name", "manager", "value", "share",
                           "cumulative_share", "rank", "class"]
    # Besides the columns, each row carries the counterparty's internal id (for the pages).
    assert list(rows["A"]) == [*rep.columns, "counterparty_id"]
    assert {k: r["counterparty_id"] for k, r in rows.items()} == {
        "A": a.id, "B1": b1.id, "B2": b2.id, "C": c.id}
    # A manager sees his own customers, with the company's ranks and classes.
    mine = report(session, "abc", viewer=m1)
    assert [(r["counterparty"], r["rank"], r["class"]) for r in mine.rows] == [
        ("A", 1, "A"), ("B1", 2, "A")]
    ledger.order(a, "2025-05", 10)
    ledger.order(a, "2025-06", 10)
    ledger.order(c, "2025-06", 10)
    session.commit()
    orders = report(session, "abc", measure="orders")
    assert [(r["counterparty"], r["value"]) for r in orders.rows] == [("A", 2), ("C", 1)]
    assert all(isinstance(r["value"], int) for r in orders.rows)


def test_listed_rows_leave_the_window_functions_sorted(session: Session, ledger: Ledger) -> None:
    # PostgreSQL: the total's window is ordered as the report lists its rows, so the plan has no
    # sort above the window functions (with OVER () it sorted the 100,000 rows a second time).
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL plan")
    _customers(ledger, {"A": [("2025-02", 300)], "B": [("2025-03", 100)]})
    session.commit()
    request = ReportRequest(period=parse_period(YEAR), today=TODAY)
    statement = abc_select(session, AnalyticsSettings(), request, "revenue")
    compiled = statement.compile(dialect=session.get_bind().dialect,
                                 compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {compiled.string}", compiled.params).scalar_one()
    node = plan[0]["Plan"]
    while node["Node Type"] != "WindowAgg":
        assert "Sort" not in node["Node Type"], node["Node Type"]
        node = node["Plans"][0]
