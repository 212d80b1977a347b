"""Several worker processes of ``letterpress serve`` (``web.workers``) serve one database: what
one worker knows, another must not contradict. Each worker is its own app on the same database
here, as after gunicorn's fork."""

from __future__ import annotations

import base64

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.apppasswords import create_app_password, revoke_app_passwords
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.app import create_app
from tests.web.conftest import People


def _worker(settings: Settings, engine: Engine) -> Flask:
    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    return app


def _propfind(app: Flask, login: str, password: str) -> int:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    response = app.test_client().open("/dav/", method="PROPFIND", headers={
        "Authorization": f"Basic {token}", "Depth": "0"})
    return response.status_code


def test_a_revoked_app_password_stops_in_every_worker_at_once(
    web_settings: Settings, engine: Engine, session: Session, people: People
) -> None:
    first, second = _worker(web_settings, engine), _worker(web_settings, engine)
    _row, secret = create_app_password(session, "manager1", "phone")
    session.commit()
    # Both workers have verified the password and keep it in their credential caches.
    assert _propfind(first, "manager1", secret) == 207
    assert _propfind(second, "manager1", secret) == 207
    revoke_app_passwords(session, "manager1")  # through a third process, say the CLI
    session.commit()
    assert _propfind(first, "manager1", secret) == 401
    assert _propfind(second, "manager1", secret) == 401


def test_a_session_and_its_csrf_token_are_good_in_every_worker(
    web_settings: Settings, engine: Engine, session: Session, people: People
) -> None:
    """The key signing sessions and CSRF tokens comes from the data directory: every worker has
    the same, so a form from one worker is accepted by another."""
    counterparty = factories.make_counterparty(session, "Общий клиент")
    session.commit()
    first, second = _worker(web_settings, engine), _worker(web_settings, engine)
    client = first.test_client()
    login_as(client, people.manager)
    token = csrf_token(client, f"/counterparties/{counterparty.id}")
    cookie = client.get_cookie("letterpress_session")
    assert cookie is not None
    other = second.test_client()
    other.set_cookie("letterpress_session", cookie.value)
    assert other.get(f"/counterparties/{counterparty.id}").status_code == 200
    response = other.post(f"/counterparties/{counterparty.id}/events", data={
        "event-csrf_token": token, "event-state": "done", "event-kind": "incoming_call",
        "event-start_at": "2025-03-03T10:00", "event-contact_person": "0",
        "event-subject": "Звонок, записанный в другом процессе"})
    assert response.status_code == 302
    assert "Звонок, записанный в другом процессе" in client.get(
        f"/counterparties/{counterparty.id}").get_data(as_text=True)
