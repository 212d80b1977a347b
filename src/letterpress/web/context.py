"""What a running web app holds (settings, engine, limiter) and the per-request database session.

Nothing here is global: the :class:`WebContext` lives in ``app.extensions`` of the app that
:func:`~letterpress.web.app.create_app` built, and the request's session lives in ``flask.g`` from
its first use until the app context is torn down.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import Settings
from letterpress.crm.permissions import MailPolicy
from letterpress.web.ratelimit import LoginLimiter

EXTENSION_KEY = "letterpress"


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    limiter: LoginLimiter

    @property
    def mail_policy(self) -> MailPolicy:
        return MailPolicy(
            head_sees_team_mail=self.settings.mail.head_sees_team_mail,
            history_visible_without_rights=self.settings.mail.history_visible_without_rights,
        )


def web_context(app: Flask | None = None) -> WebContext:
    context: WebContext = (app or current_app).extensions[EXTENSION_KEY]
    return context


def db() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = web_context().sessions()
    session: Session = g.db_session
    return session


def close_db(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask, context: WebContext) -> None:
    app.extensions[EXTENSION_KEY] = context
    app.teardown_appcontext(close_db)
