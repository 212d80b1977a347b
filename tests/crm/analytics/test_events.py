"""Event reports: by kind and client, unfulfilled orders, the team's plans and workload."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import ReportRequest, parse_period
from letterpress.crm.analytics.events import events_report
from letterpress.crm.model import Task
from tests.crm.analytics.builders import UTC, Ledger
from tests.crm.analytics.conftest import TODAY, report


def _world(ledger: Ledger) -> None:
    ledger.user("head", role="head")
    m1 = ledger.user("m1", supervisor="head")
    m2 = ledger.user("m2")
    a, b = ledger.customer("A", manager=m1), ledger.customer("B", manager=m2)
    ledger.event("outgoing_call", "2025-02", responsible=m1, cp=a)
    ledger.event("outgoing_call", "2025-03", responsible=m1, cp=a, state="cancelled")
    ledger.event("meeting", "2025-04", responsible=m1, cp=a, state="planned", hours=2)
    ledger.event("meeting", "2025-05", responsible=m2, cp=b)
    ledger.event("outgoing_call", "2024-12", responsible=m1, cp=a)  # before the period
    ledger.event("other", "2025-06", responsible=m1)  # no client
    ledger.order(a, "2025-03", 100, manager=m1, state="open", planned_shipment="2025-12-20")
    open_b = ledger.order(b, "2025-11", 400, manager=m2, state="open",
                          planned_shipment="2026-02-01")
    ledger.ship(b, "2025-12", 100, order=open_b)
    ledger.pay(b, "2025-12", 150, order=open_b)
    ledger.order(a, "2025-01", 70, manager=m1)  # completed
    ledger.order(b, "2026-01-05", 10, manager=m2, state="open")  # after the period
    ledger.session.add(Task(subject="заполнить базу", assignee_id=m1.id, state="open",
                            due_at=dt.datetime(2025, 1, 1, tzinfo=UTC)))
    ledger.session.commit()


def test_by_kind_and_client(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rows = report(session, "events").rows
    assert [(r["counterparty"], r["kind"], r["events"], r["done"], r["planned"], r["cancelled"])
            for r in rows] == [("A", "meeting", 1, 0, 1, 0), ("A", "outgoing_call", 2, 1, 0, 1),
                               ("B", "meeting", 1, 1, 0, 0), (None, "other", 1, 1, 0, 0)]
    kinds = {r["kind"]: r["events"] for r in report(session, "events", group="kind").rows}
    assert kinds == {"meeting": 2, "outgoing_call": 2, "other": 1}
    clients = {r["counterparty"]: r["events"] for r in report(session, "events",
                                                                group="client").rows}
    assert clients == {"A": 3, "B": 1, None: 1}


def test_unfulfilled_orders(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rows = report(session, "events", view="unfulfilled").rows
    assert [(r["order"], r["amount"], r["shipped"], r["paid"]) for r in rows] == [
        (rows[0]["order"], 100.0, 0.0, 0.0), (rows[1]["order"], 400.0, 100.0, 150.0)]
    assert [r["counterparty"] for r in rows] == ["A", "B"]
    settings = Settings()
    now = dt.datetime(2026, 1, 10, 9, tzinfo=UTC)
    request = ReportRequest(parse_period("2025-01..2025-12"), TODAY, options={"view": "unfulfilled"})
    rows = events_report(session, settings.analytics, request, settings.company.tz, now).rows
    assert [r["overdue_days"] for r in rows] == [21, 0]  # 2025-12-20 .. 2026-01-10


def test_the_heads_view_of_plans_and_workload(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    head = ledger.session.query  # noqa: F841 - keeps the fixture's session in view
    from letterpress.crm.users import get_user

    viewer = get_user(session, "head")
    planned = report(session, "events", view="planned", viewer=viewer).rows
    assert [(r["responsible"], r["kind"], r["counterparty"]) for r in planned] == [
        ("m1", "meeting", "A")]
    load = {r["responsible"]: r for r in report(session, "events", view="workload",
                                                  viewer=viewer).rows}
    assert set(load) == {"head", "m1"}  # m2 is not the head's subordinate
    m1 = load["m1"]
    assert (m1["planned_events"], m1["meetings"], m1["planned_hours"]) == (1, 1, 2.0)
    assert (m1["overdue_events"], m1["open_tasks"], m1["overdue_tasks"]) == (1, 1, 1)
    assert report(session, "events", view="planned",
                  viewer=get_user(session, "m2")).rows == []


def test_rows_carry_the_counterparty_id_also_without_an_external_id(
    session: Session, ledger: Ledger
) -> None:
    """Two counterparties created in the CRM (no external id) under one name stay two clients,
    each row with its counterparty's id, which no column shows."""
    m1 = ledger.user("m1")
    first = ledger.customer(None, manager=m1, name="ИП Иванов")
    second = ledger.customer(None, manager=m1, name="ИП Иванов")
    known = ledger.customer("K", manager=m1)
    ledger.event("outgoing_call", "2025-02", responsible=m1, cp=first)
    ledger.event("outgoing_call", "2025-03", responsible=m1, cp=second)
    ledger.event("outgoing_call", "2025-03", responsible=m1, cp=second, state="cancelled")
    ledger.event("meeting", "2025-04", responsible=m1, cp=known, state="planned")
    ledger.event("meeting", "2025-04", responsible=m1, cp=first, state="planned")
    ledger.event("other", "2025-05", responsible=m1)  # no client
    ledger.order(second, "2025-06", 100, manager=m1, state="open")
    session.commit()
    rep = report(session, "events")
    assert "counterparty_id" not in rep.columns
    assert [(r["counterparty"], r["name"], r["counterparty_id"], r["kind"], r["events"])
            for r in rep.rows] == [
        ("K", "Company K", known.id, "meeting", 1),
        (None, "ИП Иванов", first.id, "meeting", 1),
        (None, "ИП Иванов", first.id, "outgoing_call", 1),
        (None, "ИП Иванов", second.id, "outgoing_call", 2),
        (None, None, None, "other", 1)]
    clients = report(session, "events", group="client").rows
    assert [(r["name"], r["counterparty_id"], r["events"]) for r in clients] == [
        ("Company K", known.id, 1), ("ИП Иванов", first.id, 2), ("ИП Иванов", second.id, 2),
        (None, None, 1)]
    assert all("counterparty_id" not in r for r in report(session, "events", group="kind").rows)
    (order,) = report(session, "events", view="unfulfilled").rows
    assert (order["counterparty"], order["name"], order["counterparty_id"]) == (
        None, "ИП Иванов", second.id)
    planned = report(session, "events", view="planned").rows
    assert [(r["counterparty"], r["name"], r["counterparty_id"]) for r in planned] == [
        ("K", "Company K", known.id), (None, "ИП Иванов", first.id)]
