"""``letterpress reindex``: build or rebuild the index, in batches, resumably.

- The first run creates the index (tables, ``search_meta``) with the configured backend and
  analyzer. When the settings name another analyzer or backend than the index was built with,
  the old index is emptied and rebuilt, and the report says so.
- Each kind is read in id order, ``batch_size`` objects per transaction; the last id done is
  stored in ``search_meta`` in the same transaction (for whoosh: after the whoosh commit). An
  interrupted run resumes from there; ``restart=True`` starts over.
- Without a rebuild documents are replaced in place, so search keeps working during a reindex;
  documents of deleted objects are swept at the end of each kind.
- A full run (all kinds) compacts the index and marks it complete.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from letterpress.db.session import session_factory, writer
from letterpress.search import meta
from letterpress.search.analysis import Analyzer, get_analyzer
from letterpress.search.backends import AnalysedDocument, Backend, analyse, open_backend
from letterpress.search.backends.whoosh import WhooshBackend
from letterpress.search.documents import SOURCES, load
from letterpress.search.kinds import ALL_KINDS, Kind

if TYPE_CHECKING:
    from letterpress.config import Settings
    from letterpress.progress import ProgressBars

#: Objects per transaction; whoosh pays per commit, so it takes bigger batches.
BATCH_SIZE = {"sqlite": 2000, "postgres": 2000, "whoosh": 5000}
#: Backends whose batches a second thread stores while the next is analysed (see _Writer):
#: psycopg waits for the server with the GIL released; sqlite3 takes it back for every row
#: of an executemany, and measured 8 % slower threaded.
WRITER_THREAD = {"postgres"}


@dataclass
class ReindexReport:
    backend: str
    analyzer: str
    rebuilt: str | None = None  # why the whole index was rebuilt
    counts: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    resumed: dict[str, int] = field(default_factory=dict)  # kind -> the id it resumed after
    seconds: float = 0.0
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _cursor_key(kind: Kind) -> str:
    return f"reindex:{kind.label}"


def _wanted(settings: Settings, dialect: str) -> tuple[str, str, str]:
    backend = meta.resolve_backend(settings.search.backend, dialect)
    analyzer = get_analyzer(settings.search.analyzer).id
    directory = ""
    if backend == "whoosh":
        configured = settings.search.whoosh_dir
        directory = (str(Path(configured).resolve()) if configured
                     else meta.default_whoosh_dir(settings.data_dir))
    return backend, analyzer, directory


def prepare(session: Session, settings: Settings) -> tuple[meta.IndexState, str | None]:
    """Create the index, or reset it when backend or analyzer changed; returns why it was reset."""
    conn = session.connection()
    backend, analyzer, directory = _wanted(settings, conn.dialect.name)
    meta.create_meta(conn)
    state = meta.read_state(conn)
    reason: str | None = None
    if state is not None:
        if state.analyzer != analyzer:
            reason = f"the analyzer changed from {state.analyzer} to {analyzer}"
        elif state.backend != backend:
            reason = f"the backend changed from {state.backend} to {backend}"
        elif backend == "whoosh" and state.whoosh_dir != directory:
            reason = f"the whoosh directory changed from {state.whoosh_dir} to {directory}"
        if reason is None:
            return meta.create_schema(conn), None
        old = open_backend(state)
        if isinstance(old, WhooshBackend):
            old.direct = True
        old.clear(session, ALL_KINDS)
        conn.exec_driver_sql(f"DELETE FROM {meta.META_TABLE}")
    state = meta.create_schema(conn, backend=backend, analyzer=settings.search.analyzer,
                               whoosh_dir=directory or None)
    meta.write(conn, complete="0")
    fresh = open_backend(state)
    if isinstance(fresh, WhooshBackend):
        fresh.direct = True
    fresh.clear(session, ALL_KINDS)
    return state, reason or "the index was created"


def _ids_after(session: Session, kind: Kind, after: int, limit: int) -> list[int]:
    table, where = SOURCES[kind]
    stmt = select(table.c.id).where(table.c.id > after)
    if where is not None:
        stmt = stmt.where(where())
    return list(session.scalars(stmt.order_by(table.c.id).limit(limit)))


def _count_after(session: Session, kind: Kind, after: int) -> int:
    table, where = SOURCES[kind]
    stmt = select(func.count()).select_from(table).where(table.c.id > after)
    if where is not None:
        stmt = stmt.where(where())
    return int(session.scalar(stmt) or 0)


def _all_ids(session: Session, kind: Kind) -> set[int]:
    table, where = SOURCES[kind]
    stmt = select(table.c.id)
    if where is not None:
        stmt = stmt.where(where())
    return set(session.scalars(stmt))


def _backend(state: meta.IndexState) -> Backend:
    backend = open_backend(state)
    if isinstance(backend, WhooshBackend):
        backend.direct = True
    return backend


class _Writer(threading.Thread):
    """Writes analysed batches (and the cursor) while the caller loads and analyses the next
    one: sqlite3 and psycopg release the GIL inside the database engine, so FTS5 builds its
    index (or PostgreSQL its GIN entries) in parallel with the Python analysis."""

    def __init__(self, sessions: sessionmaker[Session], backend: Backend, key: str) -> None:
        super().__init__(name="search-reindex-writer", daemon=True)
        self.sessions, self.backend, self.key = sessions, backend, key
        self.queue: queue.Queue[tuple[list[AnalysedDocument], int, int] | None] = \
            queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.written = 0

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller stops at its next put
            docs, cursor, _count = item
            try:
                with self.sessions() as session:
                    self.backend.write(session, docs)
                    meta.write(session.connection(), **{self.key: str(cursor)})
                    session.commit()
                self.written += len(docs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
                self.error = exc

    def put(self, item: tuple[list[AnalysedDocument], int, int] | None) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)


def _index_kind(
    engine: Engine, sessions: sessionmaker[Session], backend: Backend, analyzer: Analyzer,
    kind: Kind, cursor: int, batch_size: int, advance: Callable[[int], object],
) -> int:
    """Index the objects of ``kind`` after ``cursor``; returns how many documents were written."""
    readers = session_factory(engine)
    key = _cursor_key(kind)
    if backend.name not in WRITER_THREAD:
        done = 0
        while True:
            with readers() as session:
                ids = _ids_after(session, kind, cursor, batch_size)
                if not ids:
                    return done
                docs = analyse(load(session.connection(), kind, ids, facets=backend.external),
                               analyzer)
            with sessions() as session:
                backend.write(session, docs)
                meta.write(session.connection(), **{key: str(ids[-1])})
                session.commit()
            cursor = ids[-1]
            done += len(docs)
            advance(len(ids))
    writer_thread = _Writer(sessions, backend, key)
    writer_thread.start()
    try:
        while True:
            with readers() as session:  # a short read transaction per batch (WAL checkpoints)
                ids = _ids_after(session, kind, cursor, batch_size)
                if not ids:
                    break
                docs = analyse(load(session.connection(), kind, ids), analyzer)
            writer_thread.put((docs, ids[-1], len(ids)))
            cursor = ids[-1]
            advance(len(ids))
    finally:
        writer_thread.queue.put(None)
        writer_thread.join()
    if writer_thread.error is not None:
        raise writer_thread.error
    return writer_thread.written


def reindex(
    engine: Engine, settings: Settings, *, kinds: Sequence[Kind] | None = None,
    restart: bool = False, progress: ProgressBars | None = None, batch_size: int | None = None,
    say: Callable[[str], None] | None = None,
) -> ReindexReport:
    """Index every object of ``kinds`` (default: all); see the module docstring."""
    started = time.perf_counter()
    sessions = session_factory(writer(engine))
    say = say or (lambda _msg: None)
    chosen = list(kinds or ALL_KINDS)
    with sessions() as session:
        state, reason = prepare(session, settings)
        session.commit()
    report = ReindexReport(backend=state.backend, analyzer=state.analyzer, rebuilt=reason)
    if reason:
        say(f"{reason}: rebuilding the whole search index ({state.backend}, {state.analyzer})")
        chosen = list(ALL_KINDS)
    analyzer = get_analyzer(state.analyzer)
    backend = _backend(state)
    batch_size = batch_size or BATCH_SIZE.get(state.backend, 2000)
    for kind in chosen:
        key = _cursor_key(kind)
        with sessions() as session:
            saved = meta.read_state(session.connection())
            cursor = int(saved.get(key) or 0) if saved is not None and not restart else 0
            if cursor:
                report.resumed[kind.label] = cursor
                say(f"{kind.label}: resuming after id {cursor}")
            total = _count_after(session, kind, cursor)
        label = f"{kind.label}s"
        if progress is not None:
            progress.start(label, total)
        def advance(n: int, label: str = label) -> None:
            if progress is not None:
                progress.advance(label, n)

        done = _index_kind(engine, sessions, backend, analyzer, kind, cursor, batch_size, advance)
        with sessions() as session:
            stale = backend.indexed_ids(session, kind) - _all_ids(session, kind)
            if stale:
                backend.delete(session, kind, sorted(stale))
            meta.write(session.connection(), **{key: None})
            session.commit()
        if progress is not None:
            progress.finish(label)
        report.counts[kind.label] = done
        report.removed[kind.label] = len(stale)
    if set(chosen) == set(ALL_KINDS):
        with sessions() as session:
            backend.finish(session)
            meta.write(session.connection(), complete="1")
            session.commit()
        report.complete = True
    else:
        with sessions() as session:
            saved = meta.read_state(session.connection())
            report.complete = bool(saved and saved.complete)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
