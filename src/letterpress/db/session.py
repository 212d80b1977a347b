"""Engines and sessions.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, so that the web server, the
mail daemon and the command line can share one file. PostgreSQL is reached by URL through
psycopg 3. Sessions are opened at the edges (a request, a daemon task, a command), never global.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from letterpress.db.casefold import register_sqlite as _register_casefold
from letterpress.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas and driver Letterpress relies on."""
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise DatabaseError(f"unsupported database URL {parsed.render_as_string()!r}: use sqlite or postgresql")


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # pysqlite's own transaction handling is turned off so that BEGIN is ours (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    _register_casefold(dbapi_conn)


def _sqlite_begin(conn: Any) -> None:
    """Issue a real BEGIN (so SAVEPOINTs and rollbacks work); IMMEDIATE for writer engines.

    A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    another process wrote in between (the busy timeout does not help there), so code that writes
    from several processes uses :func:`writer` to take the write lock at BEGIN and wait for it.
    """
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def writer(engine: Engine) -> Engine:
    """The same engine, but SQLite transactions start with BEGIN IMMEDIATE (no effect elsewhere)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
