"""Who is signed in: Flask-Login wired to ``users``, and the login wall in front of every view.

Every view needs a signed-in, active user unless it is marked :func:`public`, so a new blueprint is
protected without doing anything. The session cookie holds the user id with a MAC of the user's
password hash: setting a new password signs out every other session, and a deactivated user is
signed out on the next request.

Session protection is "basic" rather than "strong": a phone moving between Wi-Fi and mobile data
changes its address, and "strong" would sign the manager out each time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.wrappers import Response

from letterpress.crm.model import User
from letterpress.web.context import db

F = TypeVar("F", bound=Callable[..., Any])
_PUBLIC_ATTR = "letterpress_public"


class WebUser(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of a :class:`~letterpress.crm.model.User` row."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def is_active(self) -> bool:
        return bool(self.user.active)


def session_token(user: User, secret_key: str | bytes | None = None) -> str:
    """What the session cookie stores for ``user``: ``"<id>:<MAC of the password hash>"``."""
    key = secret_key if secret_key is not None else current_app.config["SECRET_KEY"]
    if isinstance(key, str):
        key = key.encode()
    mac = hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]
    return f"{user.id}:{mac}"


def _load_user(token: str) -> WebUser | None:
    user_id, _, _mac = token.partition(":")
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(session_token(user), token):
        return None
    return WebUser(user, token)


def current_account() -> User:
    """The signed-in user's row (for views behind the login wall)."""
    user: User = current_user.user
    return user


def public(view: F) -> F:
    """Mark a view as reachable without signing in."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please sign in to open this page.")
    manager.login_message_category = "info"
    # The flash goes into the session cookie, which holds plain strings only.
    manager.localize_callback = str
    manager.session_protection = "basic"
    manager.user_loader(_load_user)

    @app.before_request
    def _login_wall() -> Response | None:
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, _PUBLIC_ATTR, False) or current_user.is_authenticated:
            return None
        response: Response = manager.unauthorized()
        return response
