"""The Flask app factory: settings in, a configured app out; no module-level state.

:func:`create_app` wires the pieces each kept in its own module: the per-request database session
(:mod:`.context`), login and the login wall (:mod:`.auth.identity`), languages (:mod:`.i18n`),
CSRF, security headers (:mod:`.security`), error pages (:mod:`.error_pages`), template helpers
(:mod:`.templating`), the blueprints, and last the extra mounts (:mod:`.mounts`) through which the
DAV server joins the same app under ``/dav/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from letterpress.config import Settings
from letterpress.db.session import session_factory
from letterpress.search.hooks import install_hooks as install_search_hooks
from letterpress.web import context, error_pages, i18n, mounts, security, templating
from letterpress.web.auth import identity
from letterpress.web.ratelimit import LoginLimiter
from letterpress.web.secret_key import load_secret_key

MAX_REQUEST_BYTES = 32 * 1024 * 1024


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    extra_mounts: Iterable[mounts.MountHook] = (),
) -> Flask:
    """Build the web app for ``settings``; ``engine`` defaults to one on ``settings.db_url``.

    ``extra_mounts`` are called with the finished app after the built-in mounts
    (:data:`letterpress.web.mounts.BUILTIN_MOUNTS`), to add blueprints or WSGI apps.
    """
    app = Flask(__name__)
    web = settings.web
    app.config.update(
        SECRET_KEY=load_secret_key(settings),
        SESSION_COOKIE_NAME="letterpress_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=web.secure_cookies,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=web.secure_cookies,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=14),
        # A CSRF token lives as long as the session that holds it: a card left open over lunch
        # must still accept its form.
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        BABEL_DEFAULT_LOCALE=web.default_language,
        BABEL_DEFAULT_TIMEZONE=settings.company.timezone,
    )
    if engine is None:
        engine = context.web_engine(settings.db_url)
    context.init_app(app, context.WebContext(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        limiter=LoginLimiter(web.login_attempts_per_minute, engine),
    ))
    CSRFProtect(app)
    identity.init_app(app)
    i18n.init_app(app, settings)
    security.init_app(app, settings)
    error_pages.init_app(app)
    templating.init_app(app)
    # CRM objects written through the ORM (a counterparty made from a letter, an event from the
    # card) reach the search index in their own transaction, as from the command line: under a
    # bare `gunicorn letterpress.web.wsgi:app` no command has installed the hooks.
    install_search_hooks()
    _register_blueprints(app)
    mounts.install(app, extra_mounts)
    return app


def _register_blueprints(app: Flask) -> None:
    from letterpress.web.account import bp as account_bp
    from letterpress.web.admin import bp as admin_bp
    from letterpress.web.analytics import bp as analytics_bp
    from letterpress.web.auth.routes import bp as auth_bp
    from letterpress.web.calendar import bp as calendar_bp
    from letterpress.web.counterparties.routes import bp as counterparties_bp
    from letterpress.web.mail import bp as mail_bp
    from letterpress.web.pages.routes import bp as pages_bp
    from letterpress.web.reminders.routes import bp as reminders_bp
    from letterpress.web.search.routes import bp as search_bp
    from letterpress.web.tasks.routes import bp as tasks_bp

    for blueprint in (auth_bp, pages_bp, counterparties_bp, mail_bp, admin_bp, account_bp,
                      calendar_bp):
        app.register_blueprint(blueprint)
    for blueprint in (tasks_bp, reminders_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(search_bp)
    app.register_blueprint(analytics_bp)
