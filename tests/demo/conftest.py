"""One demo per backend and test module: building it is the expensive part, reading it is cheap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.db.session import session_factory
from letterpress.demo import DemoSummary, build_demo
from letterpress.demo.timeline import Timeline
from letterpress.testing.database import PostgresTestDatabase, fresh_engine, sqlite_url
from tests.conftest import require_service

SEED = 7
# A fixed day keeps the expectations independent of when the tests run; the CLI tests use today.
TODAY = dt.date(2026, 11, 18)
ANCHOR = Timeline.for_today(TODAY).anchor


@dataclass
class BuiltDemo:
    engine: Engine
    summary: DemoSummary

    def session(self) -> Session:
        return session_factory(self.engine)()


def demo_url(request: pytest.FixtureRequest, directory: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(directory)
    pg: PostgresTestDatabase | None = request.getfixturevalue("postgres_db")
    require_service(pg is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
    assert pg is not None
    return pg.schema_url()[0]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltDemo]:
    """The full-size demo (seed :data:`SEED`, built on :data:`TODAY`), once per backend."""
    url = demo_url(request, tmp_path_factory.mktemp("demo"))
    with fresh_engine(url) as engine:
        with session_factory(engine)() as session:
            summary = build_demo(session, seed=SEED, today=TODAY)
            session.commit()
        yield BuiltDemo(engine, summary)
