"""The same seed gives the same printing house on the same day, on either backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    Event,
    Invoice,
    Order,
    Payment,
    Shipment,
    Task,
    User,
)
from letterpress.db.session import session_factory
from letterpress.demo import LOGINS, build_demo
from letterpress.demo.build import collect_counts
from letterpress.errors import UserError
from letterpress.testing.database import fresh_engine, sqlite_url
from tests.demo.conftest import SEED, TODAY, BuiltDemo


def _sample(session: Session, *columns: Any, every: int) -> list[tuple[str, ...]]:
    rows = session.execute(select(*columns).order_by(columns[0])).all()
    return [tuple(str(v) for v in row) for row in rows[::every]]


def fingerprint(session: Session) -> dict[str, Any]:
    """Counts, totals and every n-th row of each table, in a backend-neutral form."""
    return {
        "counts": collect_counts(session),
        "totals": [str(session.scalar(select(func.sum(c)))) for c in
                   (Order.amount, Order.cost, Shipment.revenue, Payment.amount, Invoice.paid)],
        "users": _sample(session, User.login, User.name, User.email, User.created_at, every=1),
        "counterparties": _sample(session, Counterparty.external_id, Counterparty.name,
                                  Counterparty.inn, Counterparty.kpp, Counterparty.city,
                                  Counterparty.source, Counterparty.manager_id,
                                  Counterparty.created_at, every=7),
        "contacts": _sample(session, ContactPerson.id, ContactPerson.external_id,
                            ContactPerson.name, ContactPerson.position, ContactPerson.birthday,
                            every=11),
        "orders": _sample(session, Order.external_id, Order.number, Order.date, Order.amount,
                          Order.cost, Order.state, Order.planned_shipment, every=53),
        "shipments": _sample(session, Shipment.external_id, Shipment.date, Shipment.revenue,
                             every=61),
        "payments": _sample(session, Payment.external_id, Payment.date, Payment.amount, every=67),
        "events": _sample(session, Event.uid, Event.kind, Event.start_at, Event.subject, every=71),
        "tasks": _sample(session, Task.uid, Task.subject, Task.due_at, Task.state, every=1),
    }


def _build(url: str, **kwargs: Any) -> dict[str, Any]:
    with fresh_engine(url) as engine, session_factory(engine)() as session:
        build_demo(session, **kwargs)
        session.commit()
        return fingerprint(session)


def test_same_seed_same_data_on_the_same_day(demo: BuiltDemo, tmp_path: Path) -> None:
    with demo.session() as session:
        built = fingerprint(session)
    again = _build(sqlite_url(tmp_path), seed=SEED, today=TODAY)
    assert again == built


def test_another_day_moves_the_dates_along(tmp_path: Path) -> None:
    """Dates count from the day of the build: a week later, the same story a week later."""
    one = _build(sqlite_url(tmp_path / "a"), seed=SEED, today=TODAY, scale=0.25)
    week = _build(sqlite_url(tmp_path / "b"), seed=SEED, today=TODAY + dt.timedelta(days=7),
                  scale=0.25)
    assert one["users"] != week["users"]  # created_at moved
    assert [u[:3] for u in one["users"]] == [u[:3] for u in week["users"]]
    assert [c[:2] for c in one["counterparties"]] == [c[:2] for c in week["counterparties"]]
    assert one["orders"] != week["orders"]


def test_another_seed_gives_another_printing_house(tmp_path: Path) -> None:
    one = _build(sqlite_url(tmp_path / "a"), seed=1, today=TODAY, scale=0.3)
    two = _build(sqlite_url(tmp_path / "b"), seed=2, today=TODAY, scale=0.3)
    # The printing house's own people stay; its customers and deals change.
    assert [u[:3] for u in one["users"]] == [u[:3] for u in two["users"]]
    assert one["counterparties"] != two["counterparties"]
    assert one["orders"] != two["orders"]


def test_a_smaller_demo_for_quick_tests(tmp_path: Path) -> None:
    small = _build(sqlite_url(tmp_path), seed=SEED, today=TODAY, scale=0.25)
    counts = small["counts"]
    assert counts["users"] == len(LOGINS)
    assert 50 <= counts["counterparties"] < 150
    assert counts["customer_orders"] > 100 and counts["planned_events"] > 0


def test_refuses_a_database_that_holds_users(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.add(User(login="alice", name="Alice"))
        session.commit()
        with pytest.raises(UserError, match="already holds users"):
            build_demo(session, seed=SEED, today=TODAY)
