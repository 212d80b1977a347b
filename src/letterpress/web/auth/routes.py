"""``/login``, ``/logout`` and ``/language``."""

from __future__ import annotations

import ipaddress
import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from letterpress.crm.users import authenticate
from letterpress.web.auth.forms import LanguageForm, LoginForm
from letterpress.web.auth.identity import WebUser, current_account, public, session_token
from letterpress.web.context import db, web_context
from letterpress.web.i18n import SESSION_KEY as LANGUAGE_KEY

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _client_address() -> str:
    """The client's address; behind a reverse proxy on this host, the one the proxy saw."""
    remote = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        from_loopback = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        from_loopback = False
    if from_loopback and forwarded:
        return forwarded.split(",")[-1].strip()
    return remote


def _restart_session() -> None:
    """A fresh session that keeps only the chosen language."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form), 200
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    limiter = web_context().limiter
    keys = (f"login:{form.login.data}", f"address:{_client_address()}")
    wait = limiter.retry_after(keys)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        form.form_errors.append(
            _("Too many failed attempts. Try again in %(seconds)d s.", seconds=seconds)
        )
        return (render_template("auth/login.html", form=form), 429,
                {"Retry-After": str(seconds)})
    session_db = db()
    user = authenticate(session_db, form.login.data, form.password.data)
    if user is None:
        limiter.record_failure(keys)
        form.form_errors.append(_("Wrong login or password."))
        return render_template("auth/login.html", form=form), 200
    if user.language is None and session.get(LANGUAGE_KEY):
        user.language = session[LANGUAGE_KEY]
    session_db.commit()  # a rehashed password, the language
    _restart_session()
    login_user(WebUser(user, session_token(user)))
    return redirect(safe_next(form.next.data) or url_for("pages.home"))


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    _restart_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def language() -> Response:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session[LANGUAGE_KEY] = form.language.data
    if current_user.is_authenticated:
        current_account().language = form.language.data
        db().commit()
    return redirect(safe_next(form.next.data) or url_for("pages.home"))
