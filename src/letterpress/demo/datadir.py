"""Where a demo may be built: never over real data, always fresh over a previous demo.

A finished demo leaves a marker file, :data:`MARKER`, in the data directory naming the database
it filled. Before building, :func:`prepare` looks at the configured database: if it holds data
(users, counterparties or letters) and the marker does not name it, the demo refuses; if the
marker names it, the previous demo is removed (the SQLite file deleted, or every table of
a PostgreSQL database dropped) so that migrations and the build start from nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url

from letterpress.config import Settings
from letterpress.db.session import make_engine
from letterpress.demo.build import DemoSummary
from letterpress.errors import UserError

MARKER = "demo.json"
# Tables whose rows mean that somebody's real work could be lost.
DATA_TABLES = ("users", "counterparties", "letters")


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def read_marker(settings: Settings) -> dict[str, Any] | None:
    path = settings.data_dir / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def held_data(url: str) -> dict[str, int]:
    """Row counts of the tables in :data:`DATA_TABLES` that have rows (empty: nothing to lose)."""
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        return {}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            counts = {
                name: int(conn.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in DATA_TABLES if name in present
            }
    finally:
        engine.dispose()
    return {name: n for name, n in counts.items() if n}


def _remove(url: str) -> None:
    path = _sqlite_file(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for name in inspect(conn).get_table_names():
                conn.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    finally:
        engine.dispose()


def prepare(settings: Settings) -> str | None:
    """Make the configured database ready for a new demo.

    Returns a sentence to show when a previous demo was removed; raises
    :class:`~letterpress.errors.UserError` when the database holds data that is not a demo's.
    """
    url = settings.db_url
    marker = read_marker(settings)
    if marker is not None and marker.get("database") == display_url(url):
        _remove(url)
        return (f"removed the previous demo (seed {marker.get('seed')}, built "
                f"{marker.get('built_at', '?')}) from {display_url(url)}; building it afresh")
    held = held_data(url)
    if held:
        what = ", ".join(f"{n} {name}" for name, n in held.items())
        raise UserError(
            f"{display_url(url)} already holds data ({what}) that is not a previous demo; "
            f"the demo is built only into a fresh data directory (use --data-dir)"
        )
    return None


def write_marker(settings: Settings, summary: DemoSummary) -> Path:
    path = settings.data_dir / MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "database": display_url(settings.db_url), "seed": summary.seed, "month": summary.month,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": summary.counts,
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
