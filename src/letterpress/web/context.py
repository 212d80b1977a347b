"""What a running web app holds (settings, engine, limiter) and the per-request database session.

Nothing here is global: the :class:`WebContext` lives in ``app.extensions`` of the app that
:func:`~letterpress.web.app.create_app` built, and the request's session lives in ``flask.g`` from
its first use until the app context is torn down.

A request that only read ends its transaction with COMMIT rather than ROLLBACK (the same for the
data: nothing was written). psycopg drops every prepared statement of a connection on ROLLBACK
(a rolled-back DDL could have changed what they refer to), so ending each page with one would
make PostgreSQL plan every query of every page afresh; after COMMIT the statements a page runs
again and again are prepared (psycopg's ``prepare_threshold``) and planned once per connection.
"Only read" is decided conservatively: the session holds no pending change, every statement
the transaction sent was a SELECT (or a WITH ... SELECT naming no INSERT, UPDATE, DELETE or
MERGE; anything else, from an ORM flush to a ``SET``, ends it with ROLLBACK as before), and the
request raised no exception.

The app's own engine (:func:`web_engine`) pings a pooled PostgreSQL connection before lending
it only when it has been idle for :data:`IDLE_PING_S` or more, where ``pool_pre_ping`` pings at
every checkout: a round trip per request. A connection dies while idle (a restarted server, an
idle timeout on the way); one back in the pool a moment ago is in use by the next request at
once. Should one fail all the same, the disconnect invalidates the whole pool as before.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from letterpress.config import Settings
from letterpress.crm.permissions import MailPolicy
from letterpress.db.session import make_engine
from letterpress.web.ratelimit import LoginLimiter

EXTENSION_KEY = "letterpress"
_WROTE = "letterpress_wrote"          # in a connection's info: the transaction sent a non-read
_CONNECTION = "letterpress_connection"  # in a session's info: its transaction's connection
# SQLite's explicit BEGIN (letterpress.db.session) passes through the same hook. A WITH
# statement reads unless one of its parts modifies (PostgreSQL's WITH ... DELETE ...); a word
# such as "update" anywhere in it counts as modifying: a wrong guess only costs the ROLLBACK.
_READ = re.compile(r"\s*(?:SELECT|BEGIN)\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_MODIFIES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
IDLE_PING_S = 2.0
_RETURNED = "letterpress_returned"  # in a pooled connection's info: when it came back

log = logging.getLogger(__name__)


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
    # Through the proxy's object: an attribute read through a LocalProxy costs some 2 µs, and
    # the filters of a page ask a few hundred times.
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    context: WebContext = app.extensions[EXTENSION_KEY]
    return context


def db() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    request_globals = g._get_current_object()
    session: Session | None = request_globals.get("db_session")
    if session is None:
        session = request_globals.db_session = web_context().sessions()
    return session


def _transaction_begins(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def _statement_sent(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if _READ.match(statement):
        return
    if _WITH.match(statement) and not _MODIFIES.search(statement):
        return
    conn.info[_WROTE] = True


def _session_begins(session: Session, _transaction: SessionTransaction,
                    conn: Connection) -> None:
    session.info[_CONNECTION] = conn


def _only_read(session: Session) -> bool:
    conn: Connection | None = session.info.get(_CONNECTION)
    transaction = session.get_transaction()
    if conn is None or conn.closed or transaction is None or not transaction.is_active:
        return False
    if session.new or session.dirty or session.deleted:
        return False
    return not conn.info.get(_WROTE, False)


def close_db(exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None and _only_read(session):
            session.commit()
    except SQLAlchemyError:
        log.warning("ending a read-only request's transaction failed", exc_info=True)
    finally:
        session.close()


def _watch_writes(engine: Engine, sessions: sessionmaker[Session]) -> None:
    if not event.contains(engine, "begin", _transaction_begins):
        event.listen(engine, "begin", _transaction_begins)
        event.listen(engine, "before_cursor_execute", _statement_sent)
    event.listen(sessions, "after_begin", _session_begins)


def web_engine(url: str) -> Engine:
    """The engine of a web app on ``url``: :func:`~letterpress.db.session.make_engine`'s, with
    PostgreSQL's connections pinged only after :data:`IDLE_PING_S` of idleness."""
    engine = make_engine(url, pool_pre_ping=False)  # SQLite's never pinged: a file
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkin", _returned)
        event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


def _returned(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
    record.info[_RETURNED] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_conn: Any, record: ConnectionPoolEntry,
                  _proxy: PoolProxiedConnection) -> None:
    returned = record.info.get(_RETURNED)
    if returned is None or time.monotonic() - returned < IDLE_PING_S:
        return  # just connected, or back a moment ago
    try:
        dialect.do_ping(dbapi_conn)
    except dialect.loaded_dbapi.Error as exc:
        if dialect.is_disconnect(exc, dbapi_conn, None):
            raise DisconnectionError(str(exc)) from exc  # the pool connects afresh
        raise


def init_app(app: Flask, context: WebContext) -> None:
    _watch_writes(context.engine, context.sessions)
    app.extensions[EXTENSION_KEY] = context
    app.teardown_appcontext(close_db)
