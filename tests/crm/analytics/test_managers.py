"""Manager performance on a hand-made ledger; every figure is counted here by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import ReportRequest, parse_period
from letterpress.crm.analytics.completeness import snapshot
from letterpress.crm.analytics.drilldown import drilldown
from letterpress.crm.model import (
    ContactPerson,
    CounterpartyAddress,
    CounterpartyEmail,
    CounterpartyPhone,
    User,
)
from letterpress.errors import PermissionDenied
from tests.crm.analytics.builders import Ledger, d
from tests.crm.analytics.conftest import TODAY, YEAR, report

SETTINGS = Settings()


def _world(ledger: Ledger) -> dict[str, User]:
    s = ledger.session
    people = {"head": ledger.user("head", role="head"), "admin": ledger.user("admin", role="admin")}
    people["m1"] = ledger.user("m1", supervisor="head", team="north")
    people["m2"] = ledger.user("m2", supervisor="head", team="south")
    people["m3"] = ledger.user("m3", team="south")
    m1, m2 = people["m1"], people["m2"]
    # Completeness: A has all six items (1), B only a manager (1/6), C INN and manager (2/6),
    # D only a manager (1/6). Contact persons: A's has name, position, birthday (3/5); B's a name.
    a = ledger.customer("A", manager=m1, inn="7707083893", legal_name="ООО А")
    a.phones = [CounterpartyPhone(value="+7 495 1")]
    a.emails = [CounterpartyEmail(email="a@a.ru")]
    a.addresses = [CounterpartyAddress(value="Москва")]
    b = ledger.customer("B", manager=m1)
    c = ledger.customer("C", manager=m2, inn="500100732259")
    dd = ledger.customer("D", manager=m2)  # handed over to m2; its orders were m1's
    u = ledger.customer("U")  # nobody's
    s.add_all([ContactPerson(name="Анна", position="директор", birthday=dt.date(1980, 5, 1),
                             counterparty_id=a.id),
               ContactPerson(name="Борис", counterparty_id=b.id)])
    # A: first purchase in November 2024, regular in January, lost in September (m1).
    ledger.ship(a, "2024-11", 100)
    order_a = ledger.order(a, "2025-01", 200, manager=m1)
    ledger.ship(a, "2025-01", 200, cost=50, order=order_a)
    ledger.pay(a, "2025-02", 150, order=order_a)
    ledger.ship(a, "2025-03", 100)
    # D: bought from m1 in December 2024, lost in June 2025 - m1's loss although D is m2's now.
    ledger.order(dd, "2024-12", 80, manager=m1)
    ledger.ship(dd, "2024-12", 80)
    ledger.pay(dd, "2025-02", 70)  # no order: the counterparty's manager (m2) gets it
    # C: an order closed without shipment, then a first purchase in June, regular in August.
    ledger.order(c, "2025-05", 300, manager=m2, state="closed")
    order_c = ledger.order(c, "2025-06", 500, manager=m2)
    ledger.ship(c, "2025-06", 500, cost=200, order=order_c)
    ledger.pay(c, "2025-07", 500, order=order_c)
    ledger.ship(c, "2025-08", 100)
    ledger.ship(u, "2025-04", 10)
    ledger.event("outgoing_call", "2025-02", responsible=m1, cp=a)
    ledger.event("meeting", "2025-03", responsible=m1, cp=a)
    ledger.event("outgoing_call", "2025-04", responsible=m1, cp=a, state="planned")
    ledger.event("meeting", "2025-05", responsible=m1)  # no counterparty
    ledger.event("incoming_email", "2025-06", responsible=m2, cp=c)
    s.commit()
    return people


def _rows(session: Session, **options: object) -> dict[object, dict[str, object]]:
    rep = report(session, "managers", **options)
    key = "team" if options.get("by") == "team" else "manager"
    return {r[key]: r for r in rep.rows}


def test_figures_per_manager(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rows = _rows(session)
    assert set(rows) == {"head", "m1", "m2", "m3", None}  # None: the unassigned customer U
    m1, m2 = rows["m1"], rows["m2"]
    assert (m1["counterparties"], m1["completeness"]) == (2, pytest.approx(0.5833))
    assert (m1["contacts"], m1["contacts_completeness"]) == (2, pytest.approx(0.4))
    assert (m2["counterparties"], m2["completeness"]) == (2, pytest.approx(0.25))
    assert m2["contacts"] == 0 and m2["contacts_completeness"] is None
    # Stages: m1 had A and D at the start (end of December 2024); lost both.
    assert (m1["customers_at_start"], m1["lost"], m1["one_time_to_regular"]) == (2, 2, 1)
    assert (m1["loss_rate"], m1["retention"], m1["new_customers"]) == (1.0, 0.0, 0)
    assert m1["became_lost"] == 2 and m2["became_lost"] == 0
    assert (m2["customers_at_start"], m2["new_customers"], m2["one_time_to_regular"]) == (0, 1, 1)
    assert (m2["lost"], m2["loss_rate"], m2["retention"]) == (0, None, None)
    assert (m1["events"], m1["events_outgoing_call"], m1["events_meeting"]) == (2, 1, 1)
    assert (m2["events"], m2["events_incoming_email"]) == (1, 1)
    assert (m1["orders"], m1["orders_sum"], m1["orders_paid"], m1["orders_shipped"]) == (
        1, 200.0, 150.0, 200.0)
    assert (m2["orders"], m2["orders_sum"], m2["orders_paid"], m2["orders_shipped"]) == (
        2, 800.0, 500.0, 500.0)
    assert (m2["closed_unshipped"], m2["closed_unshipped_sum"]) == (1, 300.0)
    assert (m1["closed_unshipped"], m1["closed_unshipped_sum"]) == (0, 0.0)
    assert (m1["revenue"], m1["gross_profit"], m1["payments_received"]) == (300.0, 250.0, 150.0)
    assert (m2["revenue"], m2["gross_profit"], m2["payments_received"]) == (600.0, 400.0, 570.0)
    assert rows[None]["revenue"] == 10.0 and rows["m3"]["revenue"] == 0.0
    teams = _rows(session, by="team")
    assert set(teams) == {"north", "south", None}
    south = teams["south"]
    assert south["managers"] == 2 and south["revenue"] == 600.0
    assert south["completeness"] == pytest.approx(0.25)


def test_completeness_change_from_snapshots(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    snapshot(session, SETTINGS.analytics, dt.date(2024, 12, 20))
    b = ledger.customers["B"]
    b.inn = "7707083893"  # m1: (1 + 2/6) / 2 = 0.6667 from 0.5833
    session.commit()
    rep = report(session, "managers")
    m1 = next(r for r in rep.rows if r["manager"] == "m1")
    assert m1["completeness_start"] == pytest.approx(0.5833)
    assert m1["completeness_end"] is None and m1["completeness_change"] is None
    assert "no completeness snapshot for 2025-12" in rep.notes
    snapshot(session, SETTINGS.analytics, dt.date(2025, 12, 31))
    session.commit()
    m1 = next(r for r in report(session, "managers").rows if r["manager"] == "m1")
    assert m1["completeness_end"] == pytest.approx(0.6667)
    assert m1["completeness_change"] == pytest.approx(0.0833)
    assert m1["contacts_completeness_change"] == pytest.approx(0.0)
    # A period reaching the current month ends with the current state.
    now = next(r for r in report(session, "managers", "2025-02..2026-01").rows
               if r["manager"] == "m1")
    assert now["completeness_end"] == pytest.approx(0.6667)


def test_permissions(session: Session, ledger: Ledger) -> None:
    people = _world(ledger)
    assert set(_rows(session, viewer=people["m1"])) == {"m1"}
    assert set(_rows(session, viewer=people["head"])) == {"head", "m1", "m2"}
    assert set(_rows(session, viewer=people["admin"])) == {"head", "m1", "m2", "m3", None}
    assert set(_rows(session, viewer=people["head"], manager=people["m2"])) == {"m2"}
    with pytest.raises(PermissionDenied):
        report(session, "managers", viewer=people["m1"], manager=people["m2"])
    with pytest.raises(PermissionDenied):
        report(session, "managers", viewer=people["head"], manager=people["m3"])


def test_drilldown_lists_the_rows_behind_each_figure(session: Session, ledger: Ledger) -> None:
    people = _world(ledger)
    request = ReportRequest(parse_period(YEAR), TODAY, viewer=people["head"])

    def drill(manager: str | None, indicator: str) -> list[dict[str, object]]:
        return drilldown(session, SETTINGS.analytics, request, manager, indicator,
                         SETTINGS.company.tz)

    assert sorted((r["counterparty"], r["month"]) for r in drill("m1", "became_lost")) == [
        ("A", "2025-09-01"), ("D", "2025-06-01")]
    assert [(r["counterparty"], r["stage_at_start"]) for r in drill("m1", "lost")] == [
        ("A", "one_time"), ("D", "one_time")]
    assert [r["counterparty"] for r in drill("m1", "customers_at_start")] == ["A", "D"]
    assert [r["counterparty"] for r in drill("m2", "new_customers")] == ["C"]
    assert [(r["date"], r["revenue"]) for r in drill("m1", "revenue")] == [
        ("2025-01-15", 200.0), ("2025-03-15", 100.0)]
    assert sum(float(r["amount"]) for r in drill("m2", "payments_received")) == 570.0  # type: ignore[arg-type]
    assert [(r["state"], r["amount"]) for r in drill("m2", "closed_unshipped_sum")] == [
        ("closed", 300.0)]
    assert [r["kind"] for r in drill("m1", "events_meeting")] == ["meeting"]
    assert len(drill("m1", "events")) == 2
    scores = {r["external_id"]: r for r in drill("m1", "completeness")}
    assert scores["A"]["score"] == pytest.approx(1.0)
    assert scores["B"]["missing_inn"] == 1 and scores["B"]["missing_manager"] == 0
    assert [r["name"] for r in drill("m1", "contacts_completeness")] == ["Анна", "Борис"]
    with pytest.raises(PermissionDenied):
        drill("m3", "revenue")  # not the head's subordinate
    with pytest.raises(PermissionDenied):
        drill(None, "revenue")  # unassigned data: administrators only
    assert d("2025-01") == dt.date(2025, 1, 15)


def test_drilldown_rows_carry_the_counterparty_id(session: Session, ledger: Ledger) -> None:
    """Every row behind a figure that names a counterparty carries its id, also for one made in
    the CRM (no external id)."""
    m1 = ledger.user("m1")
    own = ledger.customer(None, manager=m1, name="ИП Своя")
    session.add(ContactPerson(name="Вера", counterparty_id=own.id))
    ledger.ship(own, "2024-12", 100)
    order = ledger.order(own, "2025-02", 300, manager=m1)
    ledger.ship(own, "2025-02", 300, order=order)
    ledger.pay(own, "2025-03", 300, order=order)
    ledger.event("meeting", "2025-04", responsible=m1, cp=own)
    session.commit()
    request = ReportRequest(parse_period(YEAR), TODAY)
    for indicator in ("revenue", "orders", "payments_received", "events", "became_lost",
                      "customers_at_start", "lost", "completeness", "contacts_completeness"):
        rows = drilldown(session, SETTINGS.analytics, request, "m1", indicator,
                         SETTINGS.company.tz)
        assert rows, indicator
        assert {r["counterparty_id"] for r in rows} == {own.id}, indicator
        named = "external_id" if indicator == "completeness" else "counterparty"
        assert all(r[named] is None for r in rows), indicator
