"""Security headers, CSRF refusals, cookies, the secret key, and the mount point for DAV."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.model import Event
from letterpress.errors import ConfigError
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from letterpress.web import mounts
from letterpress.web.app import create_app
from letterpress.web.secret_key import KEY_FILE, load_secret_key
from tests.web.conftest import People


def assert_security_headers(response_headers: Iterable[tuple[str, str]], path: str) -> None:
    headers = dict(response_headers)
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp, path
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Referrer-Policy"), path


def test_every_response_carries_the_security_headers(
    client: FlaskClient, people: People, session: Session
) -> None:
    counterparty = factories.make_counterparty(session, "ООО Ромашка")
    session.commit()
    anonymous = ["/login", "/counterparties/", "/healthz", "/static/css/app.css", "/nowhere"]
    for path in anonymous:
        response = client.get(path)
        assert_security_headers(response.headers.items(), path)
        response.close()
    login_as(client, people.manager)
    for path in ("/", "/counterparties/", f"/counterparties/{counterparty.id}", "/admin/",
                 "/calendar/", "/counterparties/0"):
        response = client.get(path)
        assert_security_headers(response.headers.items(), path)
        assert response.headers["Cache-Control"] == "no-store", path
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert_security_headers(refused.headers.items(), "POST /logout without token")


def test_pages_hold_no_inline_script_or_handlers(
    client: FlaskClient, people: People, session: Session
) -> None:
    counterparty = factories.make_counterparty(session, "ООО Ромашка")
    factories.make_event(session, counterparty, author=people.manager, state="planned")
    session.commit()
    login_as(client, people.manager)
    for path in ("/login", "/counterparties/", f"/counterparties/{counterparty.id}"):
        text = client.get(path).get_data(as_text=True).lower()
        # Scripts only as files of the app's own (the card loads js/card.js), never inline.
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, re.DOTALL)
        assert text.count("<script") == len(scripts), path
        assert all(body == "" for body in scripts), path
        assert all(tag.startswith('<script src="/static/js/')
                   for tag in re.findall(r"<script[^>]*>", text)), path
        assert " onclick=" not in text and " onsubmit=" not in text, path
        assert " style=" not in text, path  # the CSP forbids inline styles too


def test_posts_without_a_csrf_token_are_refused(
    client: FlaskClient, people: People, session: Session
) -> None:
    counterparty = factories.make_counterparty(session, "ООО Ромашка")
    session.commit()
    response = client.post("/login", data={"login": "manager1", "password": "secret-pw"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert client.post("/language", data={"language": "en"}).status_code == 400

    login_as(client, people.manager)
    form = {"event-state": "done", "event-kind": "outgoing_call",
            "event-start_at": "2025-03-01T10:00", "event-subject": "Звонок"}
    path = f"/counterparties/{counterparty.id}/events"
    assert client.post(path, data=form).status_code == 400
    assert client.post(path, data={**form, "event-csrf_token": "forged"}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/counterparties/").status_code == 200  # still signed in
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Event)) == 0
    # With the token from the page, the same post goes through.
    token = csrf_token(client, f"/counterparties/{counterparty.id}")
    assert client.post(path, data={**form, "event-csrf_token": token}).status_code == 302


def test_secure_cookies_when_configured(
    web_settings: Settings, engine: Engine, people: People
) -> None:
    settings = dataclasses.replace(
        web_settings, web=dataclasses.replace(web_settings.web, secure_cookies=True)
    )
    app = create_app(settings, engine=engine)
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secret_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = load_secret_key(settings, environ={})
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(settings, environ={}) == key  # sessions survive a restart
    assert len(key) >= 32
    path.chmod(0o644)
    assert load_secret_key(settings, environ={}) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_key_from_the_environment_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    env = {settings.web.secret_key_env: "k" * 40}
    assert load_secret_key(settings, environ=env) == "k" * 40
    assert not (tmp_path / "data" / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="too short"):
        load_secret_key(settings, environ={settings.web.secret_key_env: "short"})


def test_a_session_outlives_the_app_that_made_it(
    web_settings: Settings, engine: Engine, people: People
) -> None:
    first = create_app(web_settings, engine=engine)
    second = create_app(web_settings, engine=engine)
    assert first.secret_key == second.secret_key
    client = first.test_client()
    login_as(client, people.manager)
    cookie = client.get_cookie("letterpress_session")
    assert cookie is not None
    other = second.test_client()
    other.set_cookie("letterpress_session", cookie.value)
    assert other.get("/counterparties/").status_code == 200


def test_extra_mounts_join_the_app(web_settings: Settings, engine: Engine) -> None:
    def tiny_dav(environ: dict[str, str], start_response: object) -> list[bytes]:
        body = f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()
        start_response("207 Multi-Status", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [body]

    def hook(app: Flask) -> None:
        mounts.mount_wsgi(app, "/dav", tiny_dav)  # type: ignore[arg-type]

    client = create_app(web_settings, engine=engine, extra_mounts=[hook]).test_client()
    response = client.open("/dav/calendars/manager1/", method="PROPFIND")
    assert response.status_code == 207
    assert response.get_data(as_text=True) == "/dav|/calendars/manager1/"
    assert client.get("/login").status_code == 200  # the rest is still the web UI
    with pytest.raises(ValueError):
        mounts.mount_wsgi(Flask(__name__), "dav/", tiny_dav)  # type: ignore[arg-type]


def test_key_file_mode_survives_a_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        load_secret_key(Settings(data_dir=tmp_path), environ={})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
