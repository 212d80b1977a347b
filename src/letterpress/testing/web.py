"""Helpers for tests of the web UI through Flask's test client.

CSRF protection stays on in web tests, as in production: :func:`csrf_token` reads the token from
a rendered page the way a browser would send it back.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from letterpress.crm.model import User
from letterpress.testing.factories import DEFAULT_PASSWORD
from letterpress.web.auth.identity import session_token

_TOKEN_RE = re.compile(r'name="(?:[\w-]*-)?csrf_token"(?: type="hidden")? value="([^"]+)"')


def login_as(client: FlaskClient, user: User) -> None:
    """Put ``user`` into the client's session as signing in would, without hashing a password."""
    with client.session_transaction() as sess:
        sess["_user_id"] = session_token(user, client.application.config["SECRET_KEY"])
        sess["_fresh"] = True


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the first form on ``path`` (any form's token fits the session)."""
    response = client.get(path)
    found = _TOKEN_RE.search(response.get_data(as_text=True))
    assert found, f"no CSRF token on {path} (status {response.status_code})"
    return found.group(1)


def sign_in(
    client: FlaskClient, login: str, password: str = DEFAULT_PASSWORD, **extra: str
) -> TestResponse:
    """Post the login form as a browser would."""
    data = {"login": login, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)
