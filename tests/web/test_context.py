"""The request's database session: a request that only read ends with COMMIT (psycopg keeps its
prepared statements), anything that wrote or failed with ROLLBACK as before; the web engine
pings PostgreSQL connections only after they sat idle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session

from letterpress.crm.model import User
from letterpress.db.session import make_engine
from letterpress.testing.web import csrf_token, login_as
from letterpress.web import context
from letterpress.web.context import db
from tests.web.conftest import People


@pytest.fixture
def ends(engine: Engine) -> Iterator[list[str]]:
    """How each transaction on ``engine`` ended, in order: "commit" or "rollback"."""
    found: list[str] = []

    def committed(_conn: Any) -> None:
        found.append("commit")

    def rolled_back(_conn: Any) -> None:
        found.append("rollback")

    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    yield found
    event.remove(engine, "commit", committed)
    event.remove(engine, "rollback", rolled_back)


@pytest.fixture
def test_views(app: Flask) -> Flask:
    """Views that read, or change the manager's name in several ways without committing."""

    def read() -> str:
        return str(db().scalar(select(User.name).where(User.login == "manager1")))

    def flushed() -> str:
        user = db().scalars(select(User).where(User.login == "manager1")).one()
        user.name = "flushed"
        db().flush()
        return "ok"

    def dirty() -> str:
        db().scalars(select(User).where(User.login == "manager1")).one().name = "dirty"
        return "ok"

    def statement() -> str:
        db().execute(update(User).where(User.login == "manager1").values(name="statement"))
        return "ok"

    def raw() -> str:
        db().execute(text("UPDATE users SET name = 'raw' WHERE login = 'manager1'"))
        return "ok"

    def cte_read() -> str:
        return str(db().scalar(text(
            "WITH m AS (SELECT name FROM users WHERE login = 'manager1') SELECT name FROM m")))

    def cte_write() -> str:
        db().execute(text(
            "WITH m AS (SELECT id FROM users WHERE login = 'manager1') "
            "UPDATE users SET name = 'cte' WHERE id IN (SELECT id FROM m)"))
        return "ok"

    def fails() -> str:
        db().scalar(select(User.name))
        raise RuntimeError("the view failed")

    for view in (read, flushed, dirty, statement, raw, cte_read, cte_write, fails):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)
    return app


def _name(session: Session) -> str:
    session.expire_all()
    return str(session.scalar(select(User.name).where(User.login == "manager1")))


def test_a_page_that_only_read_ends_with_commit(
    client: FlaskClient, people: People, ends: list[str]
) -> None:
    login_as(client, people.manager)
    ends.clear()
    assert client.get("/calendar/week").status_code == 200
    assert ends == ["commit"]


@pytest.mark.parametrize("view", ["read", "cte_read"])
def test_a_request_that_only_selected_ends_with_commit(
    test_views: Flask, people: People, ends: list[str], view: str
) -> None:
    client = test_views.test_client()
    login_as(client, people.manager)
    ends.clear()
    response = client.get(f"/_test/{view}")
    assert response.status_code == 200 and response.get_data(as_text=True) == "Иван Петров"
    assert ends == ["commit"]


@pytest.mark.parametrize("view", ["flushed", "dirty", "statement", "raw", "cte_write"])
def test_a_request_that_changed_something_without_committing_is_rolled_back(
    test_views: Flask, people: People, session: Session, ends: list[str], view: str
) -> None:
    client = test_views.test_client()
    login_as(client, people.manager)
    ends.clear()
    assert client.get(f"/_test/{view}").status_code == 200
    assert ends == ["rollback"]
    assert _name(session) == "Иван Петров"


def test_a_failed_request_is_rolled_back(
    test_views: Flask, people: People, ends: list[str]
) -> None:
    client = test_views.test_client()
    login_as(client, people.manager)
    ends.clear()
    with pytest.raises(RuntimeError, match="the view failed"):
        client.get("/_test/fails")
    assert ends == ["rollback"]


def test_a_commit_in_the_view_is_kept_and_the_rest_only_read(
    client: FlaskClient, people: People, session: Session, ends: list[str]
) -> None:
    """A language switch commits in the view."""
    login_as(client, people.manager)
    token = csrf_token(client, "/calendar/week")
    ends.clear()
    response = client.post("/language", data={"language": "en", "csrf_token": token,
                                               "next": "/calendar/week"})
    assert response.status_code == 302
    assert ends[0] == "commit" and "rollback" not in ends
    session.expire_all()
    assert session.get(User, people.manager.id).language == "en"  # type: ignore[union-attr]


def test_postgresql_keeps_prepared_statements_between_pages(
    app: Flask, client: FlaskClient, people: People, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    login_as(client, people.manager)
    for _ in range(8):  # psycopg prepares a statement on its fifth run on a connection
        assert client.get("/calendar/week").status_code == 200
    with engine.connect() as conn:  # the pool lends the same connection back
        prepared = conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared and prepared > 0


# --- the web engine's pings ----------------------------------------------------------------


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    found: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        found.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return found


def test_a_connection_back_a_moment_ago_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = context.web_engine(postgres_url)
    try:
        pings = _pings(engine, monkeypatch)
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT 1")) == 1
        assert pings == []
        monkeypatch.setattr(context, "IDLE_PING_S", 0.0)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
        assert pings == [1]
    finally:
        engine.dispose()


def test_an_idle_connection_that_died_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = context.web_engine(postgres_url)
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
        other = make_engine(postgres_url)
        try:
            with other.begin() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            other.dispose()
        monkeypatch.setattr(context, "IDLE_PING_S", 0.0)  # as if it had sat idle
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()
