"""Throw-away databases for tests: a SQLite file, or a schema in a PostgreSQL database of its own.

``LETTERPRESS_TEST_DATABASE_URL`` names the PostgreSQL server to use (``make test`` sets it when one
answers on 127.0.0.1:5432). Each test run creates one database with a unique name there and drops
it at the end; each test gets a fresh schema in it, so tests never see each other's rows and never
leave anything behind in the server's own databases.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

import letterpress.crm.model  # noqa: F401 - registers every table
from letterpress.db.base import Base
from letterpress.db.session import make_engine

PG_ENV = "LETTERPRESS_TEST_DATABASE_URL"


def postgres_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None


class PostgresTestDatabase:
    """One database per test run; :meth:`schema_url` hands out fresh schemas inside it."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"lp_test_{os.getpid()}_{secrets.token_hex(3)}"
        self._admin = make_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=None)
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(make_engine(server_url).url).set(database=self.name)
        self._counter = 0

    def schema_url(self) -> tuple[str, str]:
        self._counter += 1
        schema = f"t{self._counter}_{secrets.token_hex(2)}"
        engine = make_engine(self.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        options = urllib.parse.quote(f"-csearch_path={schema}")
        url = self.url.render_as_string(hide_password=False)
        return f"{url}?options={options}", schema

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def stamp_head(engine: Engine) -> None:
    from alembic import command

    from letterpress.db.migrate import alembic_config

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.stamp(cfg, "head")


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'letterpress.db'}"


@contextmanager
def fresh_engine(url: str, *, create: bool = True) -> Iterator[Engine]:
    """An engine on ``url`` with every table created and stamped at the Alembic head.

    ``create_all`` is the fast path; that it gives what the migrations give is tested apart.
    """
    engine = make_engine(url)
    try:
        if create:
            Base.metadata.create_all(engine)
            stamp_head(engine)
        yield engine
    finally:
        engine.dispose()
