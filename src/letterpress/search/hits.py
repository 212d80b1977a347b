"""Typed search results: a page of :class:`Hit`, each with title, snippet, date, counterparty.

A backend answers with (kind, id, score) only; :func:`hydrate` reads what a person needs to see
for that page from the CRM tables (by primary key, a few queries per kind) and cuts the
snippets. Attachment texts are not extracted again for snippets: a letter found by an attachment
shows the matching file name or the start of its text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from letterpress.crm.model import ContactPerson, Counterparty, Event, LetterLink, Task
from letterpress.search.backends import RawHit
from letterpress.search.documents import Document, load
from letterpress.search.kinds import Kind
from letterpress.search.snippets import Highlighter, Snippet, Span


@dataclass(frozen=True)
class Hit:
    kind: str  # letter, counterparty, contact, event, task
    id: int
    title: str
    snippet: Snippet
    date: dt.datetime
    counterparty: str | None = None
    counterparty_id: int | None = None
    score: float = 0.0
    title_highlights: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``letterpress search --format json``)."""
        return {
            "kind": self.kind, "id": self.id, "title": self.title,
            "snippet": self.snippet.text, "highlights": [list(h) for h in self.snippet.highlights],
            "title_highlights": [list(h) for h in self.title_highlights],
            "date": self.date.isoformat(), "counterparty": self.counterparty,
            "counterparty_id": self.counterparty_id, "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    has_more: bool
    order: str
    offset: int
    limit: int
    index_complete: bool = True
    notices: tuple[str, ...] = field(default_factory=tuple)


_UNTITLED = {
    Kind.LETTER: "(no subject)", Kind.EVENT: "(event)", Kind.TASK: "(task)",
    Kind.CONTACT: "(contact)", Kind.COUNTERPARTY: "(counterparty)",
}


def _counterparties(conn: Connection, kind: Kind, ids: list[int]) -> dict[int, tuple[int, str]]:
    out: dict[int, tuple[int, str]] = {}
    if kind is Kind.LETTER:
        rows = conn.execute(
            select(LetterLink.letter_id, Counterparty.id, Counterparty.name)
            .join(Counterparty, Counterparty.id == LetterLink.counterparty_id)
            .where(LetterLink.letter_id.in_(ids)).order_by(LetterLink.id.desc())
        ).all()
    elif kind is Kind.COUNTERPARTY:
        rows = conn.execute(select(Counterparty.id, Counterparty.id, Counterparty.name)
                            .where(Counterparty.id.in_(ids))).all()
    else:
        model: Any = {Kind.CONTACT: ContactPerson, Kind.EVENT: Event, Kind.TASK: Task}[kind]
        rows = conn.execute(
            select(model.id, Counterparty.id, Counterparty.name)
            .join(Counterparty, Counterparty.id == model.counterparty_id)
            .where(model.id.in_(ids))
        ).all()
    for obj_id, cp_id, name in rows:  # letters: ordered so that the first link wins
        out[obj_id] = (cp_id, name)
    return out


def _snippet(doc: Document, highlighter: Highlighter) -> Snippet:
    for text in (doc.body, doc.keys, doc.more):
        found = highlighter.snippet(text) if text else None
        if found is not None:
            return found
    return highlighter.lead(doc.body or doc.keys or doc.more)


def hydrate(conn: Connection, raw: Sequence[RawHit], highlighter: Highlighter) -> list[Hit]:
    by_kind: dict[Kind, list[int]] = defaultdict(list)
    for r in raw:
        by_kind[r.kind].append(r.obj_id)
    docs: dict[tuple[Kind, int], Document] = {}
    cps: dict[tuple[Kind, int], tuple[int, str]] = {}
    for kind, ids in by_kind.items():
        for doc in load(conn, kind, ids, attachment_text=False):
            docs[kind, doc.obj_id] = doc
        for obj_id, cp in _counterparties(conn, kind, ids).items():
            cps[kind, obj_id] = cp
    hits: list[Hit] = []
    for r in raw:
        found = docs.get((r.kind, r.obj_id))
        if found is None:  # deleted since it was indexed
            continue
        title = found.title.strip() or _UNTITLED[r.kind]
        link = cps.get((r.kind, r.obj_id))
        hits.append(Hit(
            kind=r.kind.label, id=r.obj_id, title=title, snippet=_snippet(found, highlighter),
            date=found.date, counterparty=link[1] if link else None,
            counterparty_id=link[0] if link else None, score=r.score,
            title_highlights=highlighter.highlight(title),
        ))
    return hits
