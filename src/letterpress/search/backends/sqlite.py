"""The default backend: SQLite FTS5 in the CRM's own database, in the same transaction.

Two tables (created by :meth:`SqliteBackend.create_tables`)::

    search_docs (id INTEGER PRIMARY KEY, kind, obj_id, title, keys, more, body)
    search_fts  FTS5(title, keys, more, body), content='search_docs' (external content)

``search_docs`` holds each document's analysed tokens joined by spaces, and every write goes to
both tables in the same transaction (two ``executemany``, 2.5 times faster than triggers); a
delete first hands FTS5 the old tokens (its ``'delete'`` command) — the external-content form is
what lets SQLite 3.40 delete and replace rows (a contentless table cannot). FTS5's ``unicode61`` tokenizer only splits the
ready-made tokens again at the spaces (they hold letters and digits only), so the analysis is
entirely Python's (:mod:`letterpress.search.analysis`).

The rowid encodes the document's date: ``seconds << 24 | (obj_id mod 2**21) << 3 | kind``, with
a probe on the rare collision. Newest-first is then FTS5's own descending rowid scan, which stops
as soon as the page is full, and a date filter is a rowid range FTS5 applies inside the index.
Relevance is FTS5's ``rank`` (bm25 with the field weights), sorted inside FTS5, so that the
permission and filter probes run only until the page is full. bm25 costs about 1.3 us per
matching row, so it ranks the ``relevance_window`` most recent matches (a rowid cut found by
FTS5's own descending scan); a notice says so when the cut applies.

A counterparty filter is driven from the counterparty's side: walking every match of a common
word newest-first to find the few of one counterparty, or probing FTS5 once per candidate
(milliseconds each), is far slower. With at most ``DRIVE_LIMIT`` letters its documents' stored
tokens are read and matched in Python (:mod:`letterpress.search.tokenmatch`), the permission and
filter clauses run on the matching ids in one statement, and the page is cut from what remains;
with more, FTS5's scan is filtered by the rowids of the counterparty's documents (an ephemeral
index SQLite builds once), which skips the other documents before any join or probe.

MATCH strings are built from analysed tokens only, each in double quotes (FTS5 string syntax,
``"`` doubled), and passed as a bound parameter: operators, column names and SQL in the user's
text are just words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, column, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from letterpress.search import tokenmatch
from letterpress.search.backends import WEIGHTS, AnalysedDocument, Backend, Order, RawHit
from letterpress.search.kinds import Kind
from letterpress.search.meta import IndexState
from letterpress.search.plan import Match, MatchClause, Plan, Prefix, Token
from letterpress.search.sqlfilters import visible_and_filtered

DOCS, FTS = "search_docs", "search_fts"
DRIVE_LIMIT = 500
_ROWS_PER_INSERT = 256  # a power of two
_IN_LIST = 512  # likewise, under SQLite's 999 parameters of old
_KIND_BITS, _ID_BITS = 3, 21
_SECOND = 1 << (_KIND_BITS + _ID_BITS)
_MAX_SECONDS = (1 << 38) - 1  # beyond the year 10000

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {DOCS} (
        id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, obj_id INTEGER NOT NULL,
        title TEXT NOT NULL, keys TEXT NOT NULL, more TEXT NOT NULL, body TEXT NOT NULL)""",
    f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{DOCS}_kind_obj ON {DOCS} (kind, obj_id)",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        title, keys, more, body, content='{DOCS}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
)

T = TypeVar("T")
_fts = table(FTS, column("rowid"), column("rank"))
_docs = table(DOCS, column("id"), column("kind"), column("obj_id"))


def date_key(date: dt.datetime) -> int:
    """The first rowid of ``date``'s second."""
    seconds = int(date.timestamp())
    return min(max(seconds, 0), _MAX_SECONDS) * _SECOND


def rowid_for(doc: AnalysedDocument) -> int:
    return date_key(doc.date) | (doc.obj_id % (1 << _ID_BITS)) << _KIND_BITS | int(doc.kind)


def _chunks(values: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _padded(values: list[int]) -> list[int]:
    """``values`` with its last one repeated up to a power of two: IN lists of a few sizes, so
    that SQLite's prepared statements are reused, not one cached for every length."""
    size = 1 << (len(values) - 1).bit_length()
    return values + values[-1:] * (size - len(values))


@lru_cache(maxsize=64)
def _insert_sql(name: str, columns: str, width: int, rows: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return f"INSERT INTO {name} ({columns}) VALUES " + ", ".join([one] * rows)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _match(m: Match) -> str:
    if isinstance(m, Token):
        return _quote(m.value)
    if isinstance(m, Prefix):
        return _quote(m.value) + "*"
    return _quote(" ".join(m.values))


def _clause(c: MatchClause) -> str:
    body = " OR ".join(_match(m) for m in c.alternatives)
    if len(c.alternatives) > 1:
        body = f"({body})"
    if c.field is not None:
        return f"{{{c.field}}} : ({body})"
    return body


def match_expression(plan: Plan) -> str:
    """The FTS5 query: ``a AND (b OR c*) NOT "d e"``, every token quoted."""
    expr = " AND ".join(_clause(c) for c in plan.must)
    for c in plan.must_not:
        expr = f"({expr}) NOT ({_clause(c)})"
    return expr


class SqliteBackend(Backend):
    name = "sqlite"

    @classmethod
    def create_tables(cls, conn: Connection, state: IndexState) -> None:
        exists = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"),
                              {"n": FTS}).first() is not None
        for ddl in _SCHEMA:
            conn.exec_driver_sql(ddl)
        if not exists:
            weights = ", ".join(f"{w:.1f}" for w in WEIGHTS)
            conn.exec_driver_sql(f"INSERT INTO {FTS} ({FTS}, rank) VALUES ('rank', 'bm25({weights})')")

    def write(self, session: Session, docs: Sequence[AnalysedDocument], *,
              fresh: bool = False) -> None:
        if not docs:
            return
        conn = session.connection()
        if not fresh:
            by_kind: dict[Kind, list[int]] = {}
            for d in docs:
                by_kind.setdefault(d.kind, []).append(d.obj_id)
            for kind, ids in by_kind.items():
                self.delete(session, kind, ids)
        wanted = [rowid_for(d) for d in docs]
        taken = self._taken(conn, wanted)
        rows: list[tuple[Any, ...]] = []
        used: set[int] = set()
        for doc, rowid in zip(docs, wanted, strict=True):
            if rowid in taken or rowid in used:  # same second and id bits: probe the second
                base = rowid - rowid % _SECOND
                while rowid in taken or rowid in used or self._taken(conn, [rowid]):
                    rowid = base + (rowid - base + (1 << _KIND_BITS)) % _SECOND
            used.add(rowid)
            rows.append((rowid, int(doc.kind), doc.obj_id, *doc.texts))
        # Multi-row VALUES in a few fixed sizes: an executemany hands the GIL over at every
        # row, which costs the mail daemon's writing thread dearly while its event loop is busy,
        # and prepared statements of every size would fill the DB-API's statement cache
        # (see letterpress.db.bulk).
        start = 0
        while start < len(rows):
            size = min(_ROWS_PER_INSERT, 1 << ((len(rows) - start).bit_length() - 1))
            chunk = rows[start:start + size]
            start += size
            conn.exec_driver_sql(_insert_sql(DOCS, "id, kind, obj_id, title, keys, more, body",
                                             7, size), tuple(chain.from_iterable(chunk)))
            conn.exec_driver_sql(_insert_sql(FTS, "rowid, title, keys, more, body", 5, size),
                                 tuple(chain.from_iterable((r[0], *r[3:]) for r in chunk)))

    @staticmethod
    def _taken(conn: Connection, rowids: list[int]) -> set[int]:
        taken: set[int] = set()
        for start in range(0, len(rowids), _IN_LIST):
            chunk = _padded(rowids[start : start + _IN_LIST])
            marks = ",".join("?" * len(chunk))
            taken.update(r for (r,) in conn.exec_driver_sql(
                f"SELECT id FROM {DOCS} WHERE id IN ({marks})", tuple(chunk)))
        return taken

    def delete(self, session: Session, kind: Kind, ids: Sequence[int]) -> None:
        conn = session.connection()
        ids = list(ids)
        for start in range(0, len(ids), _IN_LIST):
            chunk = _padded(ids[start : start + _IN_LIST])
            marks = ",".join("?" * len(chunk))
            where = f"WHERE kind = ? AND obj_id IN ({marks})"
            params = (int(kind), *chunk)
            conn.exec_driver_sql(
                f"INSERT INTO {FTS} ({FTS}, rowid, title, keys, more, body) "
                f"SELECT 'delete', id, title, keys, more, body FROM {DOCS} {where}", params)
            conn.exec_driver_sql(f"DELETE FROM {DOCS} {where}", params)

    def clear(self, session: Session, kinds: Sequence[Kind]) -> None:
        conn = session.connection()
        if set(kinds) == set(Kind):  # dropping is much faster than deleting row by row
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {DOCS}")
            self.create_tables(conn, self.state)
            return
        for kind in kinds:
            self.delete(session, kind, sorted(self.indexed_ids(session, kind)))

    def indexed_ids(self, session: Session, kind: Kind) -> set[int]:
        return set(session.connection().exec_driver_sql(
            f"SELECT obj_id FROM {DOCS} WHERE kind = ?", (int(kind),)).scalars())

    def search(self, session: Session, plan: Plan, order: Order, limit: int,
               offset: int) -> list[RawHit]:
        candidates = None
        if plan.counterparty_ids is not None:
            if plan.has_text:
                driven = self._by_counterparty(session, plan, order, limit, offset)
                if driven is not None:
                    return driven
            candidates = text(self._candidates_sql(plan)).bindparams(
                bindparam("cps", sorted(plan.counterparty_ids), expanding=True))
        rowid: ColumnElement[int]
        by_rank = order == "relevance" and plan.has_text
        match = text(f"{FTS} MATCH :match").bindparams(match=match_expression(plan)) \
            if plan.has_text else None
        if match is not None:
            rowid = _fts.c.rowid
            # bm25 first counts every match of every term (its IDF): only when ranking
            score: ColumnElement[float] = -_fts.c.rank if by_rank else literal_column("0.0")
            stmt = (select(_docs.c.kind, _docs.c.obj_id, score)
                    .select_from(_fts.join(_docs, _docs.c.id == _fts.c.rowid)).where(match))
        else:
            rowid = _docs.c.id
            stmt = select(_docs.c.kind, _docs.c.obj_id, literal_column("0.0"))
        low = date_key(plan.after) if plan.after is not None else None
        high = date_key(plan.before) if plan.before is not None else None
        if by_rank and match is not None and plan.relevance_window > 0:
            cut = self._window_start(session, match, low, high, plan.relevance_window)
            if cut is not None:
                low = cut if low is None else max(low, cut)
                plan.notices.append(f"ranked by relevance among the {plan.relevance_window:,} "
                                    "most recent matches")
        if candidates is not None:  # with text, "+ 0" makes it a filter on what FTS5 yields
            stmt = stmt.where((rowid + 0 if match is not None else rowid).in_(candidates))
        if low is not None:
            stmt = stmt.where(rowid >= low)
        if high is not None:
            stmt = stmt.where(rowid < high)
        stmt = stmt.where(visible_and_filtered(session, plan, _docs.c.kind, _docs.c.obj_id))
        if by_rank:  # rank alone: a tie-breaker would stop FTS5 sorting by rank itself
            stmt = stmt.order_by(_fts.c.rank)
        else:
            stmt = stmt.order_by(rowid.desc())
        rows = session.execute(stmt.limit(limit).offset(offset)).all()
        return [RawHit(Kind(k), obj_id, float(s)) for k, obj_id, s in rows]

    @staticmethod
    def _window_start(session: Session, match: Any, low: int | None, high: int | None,
                      window: int) -> int | None:
        """The rowid of the ``window``-th most recent match, if there are more matches."""
        stmt = select(_fts.c.rowid).where(match)
        if low is not None:
            stmt = stmt.where(_fts.c.rowid >= low)
        if high is not None:
            stmt = stmt.where(_fts.c.rowid < high)
        stmt = stmt.order_by(_fts.c.rowid.desc()).limit(1).offset(window)
        found = session.execute(stmt).scalar()
        return None if found is None else int(found) + 1

    @staticmethod
    def _candidates_sql(plan: Plan, columns: str = "d.id") -> str:
        """The documents filed against or belonging to ``:cps`` (kinds of the plan)."""
        sources = {
            Kind.LETTER: "letter_links x CROSS JOIN {docs} d ON d.kind = 1 AND d.obj_id = "
                         "x.letter_id WHERE x.counterparty_id IN :cps",
            Kind.COUNTERPARTY: "{docs} d WHERE d.kind = 2 AND d.obj_id IN :cps",
            Kind.CONTACT: "contact_persons x CROSS JOIN {docs} d ON d.kind = 3 AND d.obj_id = "
                          "x.id WHERE x.counterparty_id IN :cps",
            Kind.EVENT: "events x CROSS JOIN {docs} d ON d.kind = 4 AND d.obj_id = x.id "
                        "WHERE x.counterparty_id IN :cps",
            Kind.TASK: "tasks x CROSS JOIN {docs} d ON d.kind = 5 AND d.obj_id = x.id "
                       "WHERE x.counterparty_id IN :cps",
        }
        return " UNION ALL ".join(f"SELECT {columns} FROM " + sources[k].format(docs=DOCS)
                                  for k in sorted(plan.kinds))

    def _by_counterparty(self, session: Session, plan: Plan, order: Order, limit: int,
                         offset: int) -> list[RawHit] | None:
        """The counterparty-driven plan (see the module docstring), or None for big ones."""
        assert plan.counterparty_ids is not None
        conn = session.connection()
        ids = sorted(plan.counterparty_ids)
        marks = ",".join("?" * len(ids))
        if Kind.LETTER in plan.kinds:
            links = conn.exec_driver_sql(
                f"SELECT count(*) FROM letter_links WHERE counterparty_id IN ({marks})",
                tuple(ids)).scalar()
            if int(links or 0) > DRIVE_LIMIT:
                return None
        low = date_key(plan.after) if plan.after is not None else None
        high = date_key(plan.before) if plan.before is not None else None
        candidates = [r for r in conn.execute(text(self._candidates_sql(plan)).bindparams(
            bindparam("cps", ids, expanding=True))).scalars()
            if (low is None or r >= low) and (high is None or r < high)]
        visible: list[Any] = []  # rights and the other filters first: on ids only
        for chunk in _chunks(sorted(set(candidates)), 900):
            visible += session.execute(
                select(_docs.c.id, _docs.c.kind, _docs.c.obj_id).where(
                    _docs.c.id.in_(chunk),
                    visible_and_filtered(session, plan, _docs.c.kind, _docs.c.obj_id))
            ).all()
        visible.sort(key=lambda r: -r.id)
        wanted = offset + limit if order != "relevance" else len(visible)
        found: dict[int, list[list[str]]] = {}
        for chunk in _chunks([r.id for r in visible], 64):  # newest first: stop when full
            texts = conn.exec_driver_sql(
                f"SELECT id, title, keys, more, body FROM {DOCS} WHERE id IN "
                f"({','.join('?' * len(chunk))})", tuple(chunk)).all()
            for row in sorted(texts, key=lambda t: -t[0]):
                if not tokenmatch.may_match(plan, row[1:]):
                    continue
                fields = [value.split() for value in row[1:]]
                if tokenmatch.matches(plan, fields):
                    found[row[0]] = fields
            if len(found) >= wanted:
                break
        hits = [r for r in visible if r.id in found]
        if order == "relevance":
            scores = tokenmatch.bm25(plan, [found[r.id] for r in hits])
            ranked = sorted(zip(hits, scores, strict=True), key=lambda p: (-p[1], -p[0].id))
        else:
            ranked = [(r, 0.0) for r in hits]
        return [RawHit(Kind(r.kind), r.obj_id, s) for r, s in ranked[offset : offset + limit]]

    def finish(self, session: Session) -> None:
        conn = session.connection()
        conn.exec_driver_sql(f"INSERT INTO {FTS} ({FTS}) VALUES ('optimize')")
        conn.exec_driver_sql(f"ANALYZE {DOCS}")  # the planner joins search_docs by its index

    def size_bytes(self, session: Session) -> int:
        conn = session.connection()
        try:
            return int(conn.exec_driver_sql(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search\\_%' ESCAPE '\\'"
                " OR name LIKE 'ux_search\\_%' ESCAPE '\\'").scalar() or 0)
        except OperationalError:  # dbstat is an optional SQLite module
            page = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 4096)
            return page * int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
