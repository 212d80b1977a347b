"""PostgreSQL full-text search, chosen automatically when the CRM lives in PostgreSQL.

One table in the CRM's database, written in the same transaction as the data it indexes::

    search_docs (id bigserial, kind smallint, obj_id bigint, date timestamptz, tsv tsvector)
    GIN index on tsv; B-tree on (date DESC, obj_id DESC); unique (kind, obj_id)

Why the tsvector is built in Python rather than by ``to_tsvector('russian', ...)``: the same
analyzer must serve every backend, so that a search finds the same documents whichever backend a
deployment uses (and the contract tests hold all three to that), and so that the pymorphy
lemmatizer, which PostgreSQL does not have, works here too. PostgreSQL's ``russian``
configuration would also differ in small ways: it does not fold "ё", and it stems Latin words
only in its ``asciiword`` branch. So the analyser's tokens are written as a ``tsvector``
literal with explicit positions and weights — which is exactly what the ``simple``
configuration over pre-analysed text would give, except that we also control the positions:

- weights: title A, keys B (a letter's sender), more C (its recipients), body D; ``from:`` and
  ``to:`` are weight-restricted matches (``'ivanov':B``), and ranking uses the same weights;
- each field starts two positions after the previous one ends, so no phrase spans two fields
  (as in FTS5, where fields are columns);
- PostgreSQL keeps positions up to 16383 and 256 positions per lexeme: phrases deep inside very
  long texts may be missed here (words are still found).

Queries are ``tsquery`` literals built from quoted analysed tokens and bound as parameters
(``CAST(:q AS tsquery)``); relevance is ``ts_rank`` with the field weights. Newest-first is
``ORDER BY date DESC``, which the planner serves from the date index for common words and from
the GIN index for rare ones.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from letterpress.crm.permissions import readable_mailbox_ids
from letterpress.search.backends import WEIGHTS, AnalysedDocument, Backend, Order, RawHit
from letterpress.search.kinds import Kind
from letterpress.search.meta import IndexState
from letterpress.search.plan import Match, MatchClause, Plan, Prefix, Token
from letterpress.search.sqlfilters import visible_and_filtered

DOCS = "search_docs"
LABELS = ("A", "B", "C", "D")
FIELD_LABEL = {"title": "A", "keys": "B", "more": "C", "body": "D"}
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
FIELD_GAP = 2
#: Below this many matches a search reads them through the GIN index and sorts them.
SPARSE = 2000

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {DOCS} (
        id BIGSERIAL PRIMARY KEY, kind SMALLINT NOT NULL, obj_id BIGINT NOT NULL,
        date TIMESTAMPTZ NOT NULL, tsv TSVECTOR NOT NULL,
        CONSTRAINT uq_{DOCS}_kind_obj UNIQUE (kind, obj_id))""",
    f"CREATE INDEX IF NOT EXISTS ix_{DOCS}_tsv ON {DOCS} USING GIN (tsv)",
    f"CREATE INDEX IF NOT EXISTS ix_{DOCS}_date ON {DOCS} (date DESC, obj_id DESC)",
)

_docs = table(DOCS, column("kind"), column("obj_id"), column("date"), column("tsv"))
# ts_rank's weights are given for D, C, B, A; normalised so that a title hit scores 1.
_RANK_WEIGHTS = "{" + ",".join(f"{w / WEIGHTS[0]:.2f}" for w in reversed(WEIGHTS)) + "}"


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(fields: Sequence[list[str]]) -> str:
    """``'lexeme':1A,7A 'other':3B ...`` with positions kept per field and gaps between them."""
    positions: dict[str, list[str]] = defaultdict(list)
    pos = 0
    for label, tokens in zip(LABELS, fields, strict=True):
        suffix = "" if label == "D" else label
        for token in tokens:
            pos += 1
            where = positions[token]
            if len(where) < MAX_POSITIONS_PER_LEXEME:
                where.append(f"{min(pos, MAX_POSITION)}{suffix}")
        pos += FIELD_GAP - 1
    return " ".join(f"{_quote(tok)}:{','.join(where)}" for tok, where in positions.items())


def _match(m: Match, label: str) -> str:
    if isinstance(m, Token):
        return f"{_quote(m.value)}{':' + label if label else ''}"
    if isinstance(m, Prefix):
        return f"{_quote(m.value)}:*{label}"
    return " <-> ".join(f"{_quote(v)}{':' + label if label else ''}" for v in m.values)


def _clause(c: MatchClause) -> str:
    label = FIELD_LABEL[c.field] if c.field else ""
    return "(" + " | ".join(f"({_match(m, label)})" for m in c.alternatives) + ")"


def tsquery_literal(plan: Plan) -> str:
    parts = [_clause(c) for c in plan.must] + [f"!{_clause(c)}" for c in plan.must_not]
    return " & ".join(parts)


class PostgresBackend(Backend):
    name = "postgres"

    @classmethod
    def create_tables(cls, conn: Connection, state: IndexState) -> None:
        for ddl in _SCHEMA:
            conn.exec_driver_sql(ddl)

    def write(self, session: Session, docs: Sequence[AnalysedDocument], *,
              fresh: bool = False) -> None:
        if not docs:
            return
        rows = [{"kind": int(d.kind), "obj_id": d.obj_id, "date": d.date,
                 "tsv": tsvector_literal(d.fields)} for d in docs]
        session.connection().execute(text(
            f"INSERT INTO {DOCS} (kind, obj_id, date, tsv) "
            "VALUES (:kind, :obj_id, :date, CAST(:tsv AS tsvector)) "
            "ON CONFLICT (kind, obj_id) DO UPDATE SET date = EXCLUDED.date, tsv = EXCLUDED.tsv"
        ), rows)

    def delete(self, session: Session, kind: Kind, ids: Sequence[int]) -> None:
        if ids:
            session.connection().execute(
                text(f"DELETE FROM {DOCS} WHERE kind = :kind AND obj_id = ANY(:ids)"),
                {"kind": int(kind), "ids": list(ids)},
            )

    def clear(self, session: Session, kinds: Sequence[Kind]) -> None:
        conn = session.connection()
        if set(kinds) == set(Kind):
            conn.exec_driver_sql(f"TRUNCATE {DOCS}")
            return
        conn.execute(text(f"DELETE FROM {DOCS} WHERE kind = ANY(:kinds)"),
                     {"kinds": [int(k) for k in kinds]})

    def indexed_ids(self, session: Session, kind: Kind) -> set[int]:
        return set(session.connection().execute(
            text(f"SELECT obj_id FROM {DOCS} WHERE kind = :k"), {"k": int(kind)}).scalars())

    def search(self, session: Session, plan: Plan, order: Order, limit: int,
               offset: int) -> list[RawHit]:
        by_rank = order == "relevance" and plan.has_text
        where: list[Any] = []
        score: ColumnElement[float] = literal_column("0.0")
        if plan.has_text:
            query = cast(bindparam("tsq", tsquery_literal(plan), type_=String), TSQUERY)
            where.append(_docs.c.tsv.op("@@")(query))
            if by_rank:
                score = func.ts_rank(literal_column(f"'{_RANK_WEIGHTS}'::float4[]"),
                                     _docs.c.tsv, query)
        if plan.after is not None:
            where.append(_docs.c.date >= plan.after)
        if plan.before is not None:
            where.append(_docs.c.date < plan.before)
        sparse = plan.has_text and self._fewer_matches_than(session, where, SPARSE)
        window = plan.relevance_window
        if by_rank and window > 0 and not (sparse and SPARSE <= window):  # as in FTS5
            recent = (select(_docs.c.date).where(*where).order_by(_docs.c.date.desc())
                      .offset(window).limit(1))
            found = (self._with_bitmap_only(session, recent) if sparse
                     else session.execute(recent).all())
            cut = found[0][0] if found else None
            if cut is not None:
                where.append(_docs.c.date > cut)
                plan.notices.append(f"ranked by relevance among the {plan.relevance_window:,} "
                                    "most recent matches")
        if Kind.LETTER in plan.kinds or Kind.EVENT in plan.kinds:
            plan.readable_mailboxes = readable_mailbox_ids(session, plan.user, plan.policy)
        # One branch per kind, so that each kind's rights are a plain condition of its own
        # branch: inside one OR, PostgreSQL hashes every readable letter id before the first row.
        branches = []
        for kind in sorted(plan.kinds):
            single = dataclasses.replace(plan, kinds=frozenset({kind}))
            branch = (select(_docs.c.kind, _docs.c.obj_id, _docs.c.date, score.label("score"))
                      .where(*where, _docs.c.kind == int(kind),
                             visible_and_filtered(session, single, _docs.c.kind, _docs.c.obj_id)))
            if by_rank:
                branch = branch.order_by(score.desc(), _docs.c.date.desc())
            else:
                branch = branch.order_by(_docs.c.date.desc(), _docs.c.obj_id.desc())
            branches.append(branch.limit(limit + offset))
        merged = union_all(*branches).subquery()
        newest = (merged.c.date.desc(), merged.c.obj_id.desc(), merged.c.kind.desc())
        ordering = (merged.c.score.desc(), *newest) if by_rank else newest
        stmt = (select(merged.c.kind, merged.c.obj_id, merged.c.score).order_by(*ordering)
                .limit(limit).offset(offset))
        if sparse:  # few matches: from the GIN index, then sort (see _fewer_matches_than)
            rows = self._with_bitmap_only(session, stmt)
        else:
            rows = list(session.execute(stmt).all())
        return [RawHit(Kind(k), obj_id, float(s)) for k, obj_id, s in rows]

    @staticmethod
    def _with_bitmap_only(session: Session, stmt: Any) -> list[Any]:
        """Run ``stmt`` with plain index and sequential scans off, in a savepoint rolled back
        afterwards (which also undoes the SET LOCAL): the GIN bitmap is then the only way in."""
        conn = session.connection()
        savepoint = conn.begin_nested()
        try:
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return list(conn.execute(stmt).all())
        finally:
            savepoint.rollback()

    def _fewer_matches_than(self, session: Session, where: list[Any], cap: int) -> bool:
        """Whether fewer than ``cap`` documents match, counted through the GIN index.

        PostgreSQL estimates a query of several words as if the words were independent; when
        they hardly ever meet (or a phrase hardly ever forms), it walks the date index checking
        every document's tsvector — seconds at 200,000 letters. Counting through the GIN bitmap
        costs a millisecond for a sparse query and stops at ``cap`` for a dense one."""
        probe = select(func.count()).select_from(
            select(literal_column("1")).select_from(_docs).where(*where).limit(cap).subquery())
        (count,) = self._with_bitmap_only(session, probe)[0]
        return int(count) < cap

    def finish(self, session: Session) -> None:
        session.connection().exec_driver_sql(f"ANALYZE {DOCS}")

    def size_bytes(self, session: Session) -> int:
        return int(session.connection().execute(
            text("SELECT pg_total_relation_size(to_regclass(:t))"), {"t": DOCS}).scalar() or 0)
