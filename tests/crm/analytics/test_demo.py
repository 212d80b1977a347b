"""The demo's managers differ in explainable ways, and the analytics finds it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from letterpress.config import Settings
from letterpress.crm.analytics import Period, ReportRequest, build_report
from letterpress.db.session import session_factory
from letterpress.demo import build_demo
from letterpress.testing.database import PostgresTestDatabase, fresh_engine, sqlite_url
from tests.conftest import require_service

TODAY = dt.date(2026, 11, 18)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_engine(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = sqlite_url(Path(tmp_path_factory.mktemp("demo")))
    else:
        pg: PostgresTestDatabase | None = request.getfixturevalue("postgres_db")
        require_service(pg is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
        assert pg is not None
        url = pg.schema_url()[0]
    with fresh_engine(url) as engine:
        with session_factory(engine)() as session:
            build_demo(session, seed=7, today=TODAY)
            session.commit()
        yield engine


def test_manager5_loses_customers_and_manager3_keeps_a_poor_database(demo_engine: Engine) -> None:
    period = Period.trailing(TODAY, 12)
    with session_factory(demo_engine)() as session:
        report = build_report(session, Settings(), "managers",
                              ReportRequest(period=period, today=TODAY))
        session.commit()
    rows = {r["manager"]: r for r in report.rows if r["manager"]}
    managers = {login: r for login, r in rows.items() if login.startswith("manager")}
    assert len(managers) == 6
    most_lost = max(managers, key=lambda m: managers[m]["lost"])
    assert most_lost == "manager5", {m: r["lost"] for m, r in managers.items()}
    assert managers["manager5"]["loss_rate"] == max(
        r["loss_rate"] or 0 for r in managers.values())
    worst = min(managers, key=lambda m: managers[m]["completeness"])
    assert worst == "manager3", {m: r["completeness"] for m, r in managers.items()}
    assert managers["manager3"]["completeness"] < 0.8 < managers["manager1"]["completeness"]
    # The other figures are there and plausible: every manager sold and registered events.
    for row in managers.values():
        assert row["revenue"] > 0 and row["orders"] > 0 and row["events"] > 0
        assert row["retention"] is None or 0 <= row["retention"] <= 1


def test_the_demo_reports_agree_between_views(demo_engine: Engine) -> None:
    period = Period.trailing(TODAY, 12)
    with session_factory(demo_engine)() as session:
        def rows(name: str, **options: object) -> list[dict[str, object]]:
            return build_report(session, Settings(), name, ReportRequest(
                period=period, today=TODAY, options=options)).rows

        abc = rows("abc")
        assert {r["class"] for r in abc} == {"A", "B", "C"}
        a_count = sum(1 for r in abc if r["class"] == "A")
        assert a_count < len(abc) / 2  # Pareto: a minority of customers makes 80 %
        stages = {r["counterparty"]: r["stage"] for r in rows("stages")}
        xyz = rows("xyz")
        assert xyz and all(stages[r["counterparty"]] == "regular" for r in xyz)
        managers = rows("managers")
        assert sum(r["became_lost"] for r in managers) == sum(  # type: ignore[misc]
            r["customers"] for r in rows("stages", summary=True)
            if r["what"] == "changed" and r["stage"] == "lost")
        assert rows("sources") and rows("campaigns")
        session.commit()
