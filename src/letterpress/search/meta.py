"""The search index's own record in the database: which backend and analyzer built it.

``search_meta`` (key, value) lives in the CRM database whatever the backend, so that every
process (the mail daemon, the web server, the command line) indexes and searches the same way:

- ``backend``: sqlite, postgres or whoosh; ``analyzer``: the :attr:`Analyzer.id`;
- ``whoosh_dir``: where the whoosh index lives (absolute);
- ``complete``: "1" once a full ``letterpress reindex`` finished (or the database was empty);
- ``reindex:<kind>``: the last id a running reindex has done (resumption).

:func:`create_schema` creates it (and the backend's tables) idempotently; an Alembic migration
calls it, and so does ``letterpress reindex``. Where the table does not exist (a database made
with ``create_all`` in tests) indexing is a no-op and searching says to run ``letterpress
reindex``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from letterpress.errors import ConfigError, UserError

META_TABLE = "search_meta"
#: Tables and virtual tables of the search index (FTS5 adds search_fts_* shadow tables):
#: migrations' model comparisons should skip names with this prefix.
TABLE_PREFIX = "search_"


class IndexMissing(UserError):
    """The database has no search index yet."""


class IndexMismatch(UserError):
    """The index was built by another analyzer or backend than the settings name."""


@dataclass(frozen=True)
class IndexState:
    backend: str
    analyzer: str
    whoosh_dir: str = ""
    complete: bool = False
    values: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        return dict(self.values).get(key)


_known: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _table_exists(conn: Connection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"),
                            {"n": name}).first() is not None
    return conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None


def meta_exists(conn: Connection) -> bool:
    engine = conn.engine
    if _known.get(engine):
        return True
    found = _table_exists(conn, META_TABLE)
    if found:
        _known[engine] = True
    return found


def forget(engine: Engine) -> None:
    """Forget what was learnt about ``engine`` (after dropping the index in tests)."""
    _known.pop(engine, None)


def read_state(conn: Connection) -> IndexState | None:
    """The index's record, or None when the database has no search index."""
    if not meta_exists(conn):
        return None
    values = {k: v for k, v in conn.execute(text(f"SELECT key, value FROM {META_TABLE}")).all()}
    if "backend" not in values or "analyzer" not in values:
        return None
    return IndexState(
        backend=values["backend"], analyzer=values["analyzer"],
        whoosh_dir=values.get("whoosh_dir", ""), complete=values.get("complete") == "1",
        values=tuple(sorted(values.items())),
    )


def state_of(session: Session) -> IndexState | None:
    return read_state(session.connection())


def write(conn: Connection, **values: str | None) -> None:
    """Set (or, with None, delete) keys of ``search_meta``."""
    for key, value in values.items():
        key = key.replace("__", ":")
        conn.execute(text(f"DELETE FROM {META_TABLE} WHERE key = :k"), {"k": key})
        if value is not None:
            conn.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES (:k, :v)"),
                         {"k": key, "v": value})


def create_meta(conn: Connection) -> None:
    conn.execute(text(
        f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
        "(key VARCHAR(100) NOT NULL PRIMARY KEY, value TEXT NOT NULL)"
    ))


def include_in_migrations(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: the search index's tables (made by :func:`create_schema`;
    FTS5 virtual and shadow tables among them) are not models, so autogenerate and
    ``compare_metadata`` must leave them alone."""
    return not (type_ == "table" and name is not None and name.startswith(TABLE_PREFIX))


def resolve_backend(name: str, dialect: str) -> str:
    """``auto`` -> the database's own backend; refuses a database backend on the wrong database."""
    own = "postgres" if dialect == "postgresql" else "sqlite"
    if name == "auto":
        return own
    if name in ("sqlite", "postgres") and name != own:
        raise ConfigError(f"[search] backend = {name!r} needs a "
                          f"{'SQLite' if name == 'sqlite' else 'PostgreSQL'} database; "
                          f"this one is {dialect}: use 'auto'")
    return name


def default_whoosh_dir(data_dir: Path) -> str:
    return str((data_dir / "search-index").resolve())


def create_schema(
    connection: Connection, *, backend: str = "auto", analyzer: str = "snowball",
    whoosh_dir: str | Path | None = None,
) -> IndexState:
    """Create the search index's tables if missing and record backend and analyzer if none are
    recorded yet (idempotent; never rebuilds: that is ``letterpress reindex``). For migrations::

        from letterpress.search import create_schema
        def upgrade() -> None:
            create_schema(op.get_bind())
    """
    from letterpress.search.analysis import get_analyzer
    from letterpress.search.backends import backend_class

    create_meta(connection)
    state = read_state(connection)
    if state is None:
        name = resolve_backend(backend, connection.dialect.name)
        values: dict[str, Any] = {"backend": name, "analyzer": get_analyzer(analyzer).id,
                                  "complete": "1" if _database_empty(connection) else "0"}
        if name == "whoosh":
            if not whoosh_dir:
                raise ConfigError("the whoosh search backend needs [search] whoosh_dir")
            values["whoosh_dir"] = str(Path(whoosh_dir).resolve())
        write(connection, **values)
        state = read_state(connection)
        assert state is not None
    backend_class(state.backend).create_tables(connection, state)
    return state


def _database_empty(conn: Connection) -> bool:
    from letterpress.search.documents import SOURCES

    for table, _where in SOURCES.values():
        if not _table_exists(conn, table.name):  # type: ignore[attr-defined]
            continue
        if conn.execute(text(f"SELECT 1 FROM {table.name} LIMIT 1")).first():  # type: ignore[attr-defined]
            return False
    return True
