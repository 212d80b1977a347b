"""HTTP Basic with app passwords only: never the web password; revocation acts at once."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from letterpress.crm.apppasswords import revoke_app_passwords
from letterpress.db.session import session_factory
from letterpress.testing.davserver import WEB_PASSWORD, DavWorld


def test_no_credentials_get_401_with_a_challenge(world: DavWorld) -> None:
    import requests

    response = requests.request("PROPFIND", world.server.dav_url, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="Letterpress"')


def test_wrong_app_password_gets_401(world: DavWorld) -> None:
    assert world.request("PROPFIND", "/dav/", password="wrong-password").status_code == 401
    assert world.request("PROPFIND", "/dav/", login="nobody", password="x").status_code == 401


def test_web_password_is_never_accepted(world: DavWorld) -> None:
    assert world.request("PROPFIND", "/dav/", password=WEB_PASSWORD).status_code == 401


def test_app_password_works_and_is_cached(world: DavWorld) -> None:
    assert world.request("PROPFIND", "/dav/").status_code == 207
    started = time.perf_counter()
    for _ in range(10):
        assert world.request("PROPFIND", "/dav/").status_code == 207
    per_request = (time.perf_counter() - started) / 10
    assert per_request < 0.05  # an argon2 check per request would cost more


def test_revoked_password_stops_working_at_once(world: DavWorld) -> None:
    assert world.request("PROPFIND", "/dav/").status_code == 207
    with session_factory(world.engine)() as session:
        assert isinstance(session, Session)
        revoke_app_passwords(session, "ivan")
        session.commit()
    assert world.request("PROPFIND", "/dav/").status_code == 401
