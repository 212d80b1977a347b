"""Shared fixtures: a fresh database per test on SQLite and, where configured, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.db.session import session_factory
from letterpress.testing.database import (
    PostgresTestDatabase,
    fresh_engine,
    postgres_server_url,
    sqlite_url,
)

#: The Dovecot fixtures (dovecot, dovecot_factory, dovecot_module, dovecot_user), for every test.
pytest_plugins = ["letterpress.testing.fixtures"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(available: bool, why: str) -> None:
    """Skip on a developer's laptop, fail in CI, when a real service is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required service missing in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[PostgresTestDatabase | None]:
    server = postgres_server_url()
    if server is None:
        yield None
        return
    db = PostgresTestDatabase(server)
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database; tests using it run once per backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    pg: PostgresTestDatabase | None = request.getfixturevalue("postgres_db")
    require_service(pg is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
    assert pg is not None
    url, _schema = pg.schema_url()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    with fresh_engine(db_url) as eng:
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


@pytest.fixture
def postgres_url(postgres_db: PostgresTestDatabase | None) -> str:
    """A fresh PostgreSQL schema's URL, for tests that only make sense on PostgreSQL."""
    require_service(postgres_db is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
    assert postgres_db is not None
    url, _schema = postgres_db.schema_url()
    return url
