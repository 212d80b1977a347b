"""The optional whoosh backend (``pip install 'letterpress[whoosh]'``): a pure-Python index in a
directory outside the database.

It is there for deployments that want the index off the database; it is 10-100 times slower
than FTS5 (see ``bench/search.py``). It stores the same analysed tokens in the same four
weighted fields and answers the same contract tests, with these differences, all of which come
from the index not being in the database:

- Writes are kept with the session and applied when its transaction commits (``after_commit``;
  dropped on rollback), so the index never holds what the database rolled back; a search inside
  the writing transaction does not see them yet. A crash between the database commit and the
  whoosh commit loses those documents until the next ``letterpress reindex``.
- Filters and rights are matched against facets stored at indexing time (mailboxes, linked
  counterparties, topics, attachment flag, visibility keys), not against the live tables:
  refiling or moving a letter through Core updates (not the ORM) reaches the index only with the
  next reindex of that letter. The visibility keys mirror :mod:`letterpress.crm.permissions`:
  ``mb:<mailbox>`` (letters, and events that came with a letter), ``owner:<user>`` (personal
  contacts), ``all`` (counterparties, shared contacts, other events), ``task:<user>`` /
  ``task:all`` (tasks, for :func:`~letterpress.crm.permissions.task_watcher_ids`). The user's keys
  come from the crm functions at query time, and each page is checked once more against the
  live permission clauses (a stale key can hide a hit, never show one).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from letterpress.crm.permissions import readable_mailbox_ids, task_watcher_ids
from letterpress.errors import ConfigError
from letterpress.search.backends import WEIGHTS, AnalysedDocument, Backend, Order, RawHit
from letterpress.search.kinds import Kind
from letterpress.search.letterdoc import FIELDS
from letterpress.search.meta import IndexState
from letterpress.search.plan import Match, MatchClause, Plan, Prefix, Token

try:
    from whoosh import fields as wf  # type: ignore[import-untyped]
    from whoosh import index as wi
    from whoosh import query as wq
    from whoosh import sorting as ws
    from whoosh.analysis import SpaceSeparatedTokenizer  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the installation
    wf = None

log = logging.getLogger(__name__)
_PENDING = "letterpress.search.whoosh.pending"
LOCK_TIMEOUT_S = 30.0


def available() -> bool:
    return wf is not None


def _schema() -> Any:
    tokens = SpaceSeparatedTokenizer()
    text = {name: wf.TEXT(analyzer=tokens, phrase=True, field_boost=w)
            for name, w in zip(FIELDS, WEIGHTS, strict=True)}
    return wf.Schema(
        key=wf.ID(unique=True, stored=True), kind=wf.ID(stored=True),
        obj_id=wf.NUMERIC(int, bits=64, stored=True, sortable=True),
        date=wf.NUMERIC(int, bits=64, stored=True, sortable=True),
        mailboxes=wf.KEYWORD, counterparties=wf.KEYWORD, topics=wf.KEYWORD(commas=True),
        attach=wf.ID, acl=wf.KEYWORD, **text,
    )


def _key(kind: Kind, obj_id: int) -> str:
    return f"{int(kind)}:{obj_id}"


_indexes: dict[str, Any] = {}
_lock = threading.Lock()


def open_index(directory: str, *, create: bool = False) -> Any:
    if wf is None:
        raise ConfigError("[search] backend = 'whoosh' needs whoosh: pip install 'letterpress[whoosh]'")
    with _lock:
        ix = _indexes.get(directory)
        if ix is None:
            if not wi.exists_in(directory):
                if not create:
                    raise ConfigError(f"no whoosh index in {directory}: run `letterpress reindex`")
                os.makedirs(directory, exist_ok=True)
                wi.create_in(directory, _schema())
            ix = _indexes[directory] = wi.open_dir(directory)
        return ix


def _fields(doc: AnalysedDocument) -> dict[str, Any]:
    f = doc.facets
    values: dict[str, Any] = {
        "key": _key(doc.kind, doc.obj_id), "kind": str(int(doc.kind)), "obj_id": doc.obj_id,
        "date": int(doc.date.timestamp()),
        "mailboxes": " ".join(map(str, sorted(f.mailboxes))),
        "counterparties": " ".join(map(str, sorted(f.counterparties))),
        "topics": ",".join(sorted(t.replace(",", " ") for t in f.topics)),
        "attach": "1" if f.has_attachment else "0", "acl": " ".join(sorted(f.acl)),
    }
    for name, tokens in zip(FIELDS, doc.texts, strict=True):
        values[name] = tokens
    return values


def apply(directory: str, ops: Sequence[tuple[str, Any]]) -> None:
    """Write queued operations in one whoosh commit (waits for the writer lock)."""
    if not ops:
        return
    ix = open_index(directory, create=True)
    writer = ix.writer(timeout=LOCK_TIMEOUT_S, limitmb=256)
    try:
        for op, payload in ops:
            if op == "put":
                writer.update_document(**_fields(payload))
            elif op == "del":
                kind, ids = payload
                for obj_id in ids:
                    writer.delete_by_term("key", _key(kind, obj_id))
            elif op == "clear":
                for kind in payload:
                    writer.delete_by_term("kind", str(int(kind)))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: dict[str, list[tuple[str, Any]]] = session.info.pop(_PENDING, {})
    for directory, ops in pending.items():
        try:
            apply(directory, ops)
        except Exception:  # the database has committed; the next reindex repairs the index
            log.exception("whoosh index %s: %d changes not written", directory, len(ops))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _term_query(m: Match, fields: Sequence[str]) -> Any:
    if isinstance(m, Token):
        parts = [wq.Term(f, m.value) for f in fields]
    elif isinstance(m, Prefix):
        parts = [wq.Prefix(f, m.value) for f in fields]
    else:
        parts = [wq.Phrase(f, list(m.values)) for f in fields]
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _clause(c: MatchClause) -> Any:
    fields = [c.field] if c.field else list(FIELDS)
    alts = [_term_query(m, fields) for m in c.alternatives]
    return alts[0] if len(alts) == 1 else wq.Or(alts)


def text_query(plan: Plan) -> Any:
    positive = wq.And([_clause(c) for c in plan.must]) if plan.must else wq.Every()
    if plan.must_not:
        return wq.AndNot(positive, wq.Or([_clause(c) for c in plan.must_not]))
    return positive


def user_keys(session: Session, plan: Plan) -> list[str]:
    user = plan.user
    if not user.active:
        return []
    keys = ["all", f"owner:{user.id}"]
    keys += [f"mb:{m}" for m in sorted(readable_mailbox_ids(session, user, plan.policy))]
    watched = task_watcher_ids(session, user)
    keys += ["task:all"] if watched is None else [f"task:{u}" for u in sorted(watched)]
    return keys


def _dates(low: int | None, high: int | None) -> Any:
    return wq.NumericRange("date", low, high)


def filter_query(session: Session, plan: Plan, *, newer_than: int | None = None) -> Any:
    keys = user_keys(session, plan)
    if not keys:
        return wq.NullQuery
    conds: list[Any] = [wq.Or([wq.Term("acl", k) for k in keys]),
                        wq.Or([wq.Term("kind", str(int(k))) for k in sorted(plan.kinds)])]
    if plan.counterparty_ids is not None:
        conds.append(wq.Or([wq.Term("counterparties", str(i)) for i in sorted(plan.counterparty_ids)]))
    if plan.mailbox_ids is not None:
        conds.append(wq.Or([wq.Term("mailboxes", str(i)) for i in sorted(plan.mailbox_ids)]))
    if plan.topics is not None:
        conds.append(wq.Or([wq.Term("topics", t.replace(",", " ")) for t in sorted(plan.topics)]))
    if plan.has_attachment:
        conds.append(wq.Term("attach", "1"))
    conds += _date_filter(plan, newer_than)
    return wq.And(conds)


def _date_filter(plan: Plan, newer_than: int | None = None) -> list[Any]:
    low = int(plan.after.timestamp()) if plan.after else None
    if newer_than is not None:
        low = newer_than + 1 if low is None else max(low, newer_than + 1)
    high = int(plan.before.timestamp()) - 1 if plan.before else None
    return [] if low is None and high is None else [_dates(low, high)]


class WhooshBackend(Backend):
    name = "whoosh"
    external = True

    def __init__(self, state: IndexState) -> None:
        super().__init__(state)
        if not state.whoosh_dir:
            raise ConfigError("the whoosh search index has no directory recorded: run "
                              "`letterpress reindex`")
        self.directory = state.whoosh_dir
        #: Reindex writes at once (it commits whoosh before recording its progress).
        self.direct = False

    @classmethod
    def create_tables(cls, conn: Connection, state: IndexState) -> None:
        open_index(state.whoosh_dir, create=True)

    def _queue(self, session: Session, op: str, payload: Any) -> None:
        if self.direct:
            apply(self.directory, [(op, payload)])
            return
        pending = session.info.setdefault(_PENDING, {})
        pending.setdefault(self.directory, []).append((op, payload))

    def write(self, session: Session, docs: Sequence[AnalysedDocument], *,
              fresh: bool = False) -> None:
        if not docs:
            return
        if self.direct:
            apply(self.directory, [("put", d) for d in docs])
            return
        for d in docs:
            self._queue(session, "put", d)

    def delete(self, session: Session, kind: Kind, ids: Sequence[int]) -> None:
        if ids:
            self._queue(session, "del", (kind, list(ids)))

    def clear(self, session: Session, kinds: Sequence[Kind]) -> None:
        if set(kinds) == set(Kind) and self.direct:
            # a new empty index in place: whoosh removes its own files, nothing else there
            with _lock:
                _indexes.pop(self.directory, None)
                os.makedirs(self.directory, exist_ok=True)
                wi.create_in(self.directory, _schema())
            return
        self._queue(session, "clear", list(kinds))

    def indexed_ids(self, session: Session, kind: Kind) -> set[int]:
        ix = open_index(self.directory, create=True)
        with ix.searcher() as searcher:
            return {int(doc["obj_id"]) for doc in searcher.documents(kind=str(int(kind)))}

    def search(self, session: Session, plan: Plan, order: Order, limit: int,
               offset: int) -> list[RawHit]:
        from letterpress.search.sqlfilters import visible_ids

        ix = open_index(self.directory, create=True)
        with ix.searcher() as searcher:
            by_score = order == "relevance" and plan.has_text
            cut = None
            if by_score and plan.relevance_window > 0:  # as in FTS5: rank the most recent
                dates = _date_filter(plan)
                recent = searcher.search(
                    text_query(plan), limit=plan.relevance_window + 1,
                    filter=wq.And(dates) if dates else None,
                    sortedby=ws.FieldFacet("date", reverse=True))
                if recent.scored_length() > plan.relevance_window:
                    cut = int(recent[plan.relevance_window]["date"])
                    plan.notices.append(f"ranked by relevance among the "
                                        f"{plan.relevance_window:,} most recent matches")
            kwargs: dict[str, Any] = {"limit": offset + limit,
                                      "filter": filter_query(session, plan, newer_than=cut)}
            if not by_score:
                kwargs["sortedby"] = [ws.FieldFacet("date", reverse=True),
                                      ws.FieldFacet("obj_id", reverse=True)]
            results = searcher.search(text_query(plan), **kwargs)
            page = [(Kind(int(hit["kind"])), int(hit["obj_id"]),
                     float(hit.score or 0.0) if by_score else 0.0)  # sorted: score is the key
                    for hit in results[offset : offset + limit]]
        allowed = visible_ids(session, plan, page)  # a stale key never shows a hit
        return [RawHit(k, i, s) for k, i, s in page if (k, i) in allowed]

    def finish(self, session: Session) -> None:
        """Nothing: each commit already merges small segments, and a full ``optimize()`` took
        as long as indexing itself (45 % of a rebuild) for little gain in search time."""

    def size_bytes(self, session: Session) -> int:
        return sum(p.stat().st_size for p in Path(self.directory).glob("*") if p.is_file())

