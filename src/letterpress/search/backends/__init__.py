"""Search backends behind one interface: ``sqlite`` (FTS5), ``postgres`` (tsvector), ``whoosh``.

A backend stores analysed documents and answers a :class:`~letterpress.search.plan.Plan` with a
page of (kind, id, score); everything else (loading documents, analysing, permissions' rules,
snippets) is shared. One contract test suite (``tests/search/test_contract.py``) runs against
each.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from letterpress.errors import ConfigError
from letterpress.search.documents import Document, Facets
from letterpress.search.kinds import Kind
from letterpress.search.letterdoc import FIELDS

if TYPE_CHECKING:
    from letterpress.search.analysis import Analyzer
    from letterpress.search.meta import IndexState
    from letterpress.search.plan import Plan

Order = Literal["newest", "relevance"]
#: Relative weights of the fields (title, keys, more, body) in relevance ranking.
WEIGHTS: tuple[float, ...] = (5.0, 3.0, 2.0, 1.0)


@dataclass(frozen=True)
class AnalysedDocument:
    kind: Kind
    obj_id: int
    date: dt.datetime
    texts: tuple[str, ...]  # tokens of title, keys, more, body, each field's joined by spaces
    facets: Facets

    @property
    def fields(self) -> tuple[list[str], ...]:
        """The tokens of each field."""
        return tuple(t.split(" ") if t else [] for t in self.texts)


def analyse(docs: Iterable[Document], analyzer: Analyzer) -> list[AnalysedDocument]:
    return [
        AnalysedDocument(d.kind, d.obj_id, d.date,
                         tuple(" ".join(analyzer.analyze(d.text(f))) for f in FIELDS), d.facets)
        for d in docs
    ]


@dataclass(frozen=True)
class RawHit:
    kind: Kind
    obj_id: int
    score: float


class Backend(ABC):
    """Where analysed documents are kept and searched."""

    name: str
    #: True for an index outside the database: documents then carry facets (filters, rights).
    external: bool = False

    def __init__(self, state: IndexState) -> None:
        self.state = state

    @classmethod
    @abstractmethod
    def create_tables(cls, conn: Connection, state: IndexState) -> None:
        """Create what the backend keeps, if missing (idempotent)."""

    @abstractmethod
    def write(self, session: Session, docs: Sequence[AnalysedDocument], *,
              fresh: bool = False) -> None:
        """Add or replace ``docs`` (``fresh``: none of them is in the index yet)."""

    @abstractmethod
    def delete(self, session: Session, kind: Kind, ids: Sequence[int]) -> None:
        """Remove documents; unknown ids are ignored."""

    @abstractmethod
    def clear(self, session: Session, kinds: Sequence[Kind]) -> None:
        """Remove every document of ``kinds``."""

    @abstractmethod
    def indexed_ids(self, session: Session, kind: Kind) -> set[int]:
        """The ids of ``kind`` the index holds (for sweeping deleted objects)."""

    @abstractmethod
    def search(self, session: Session, plan: Plan, order: Order, limit: int,
               offset: int) -> list[RawHit]:
        """A page of hits, newest first or best first, permissions and filters applied."""

    def finish(self, session: Session) -> None:
        """After a full reindex: compact the index (optional)."""

    @abstractmethod
    def size_bytes(self, session: Session) -> int:
        """The index's size on disk."""


def backend_class(name: str) -> type[Backend]:
    if name == "sqlite":
        from letterpress.search.backends.sqlite import SqliteBackend

        return SqliteBackend
    if name == "postgres":
        from letterpress.search.backends.postgres import PostgresBackend

        return PostgresBackend
    if name == "whoosh":
        from letterpress.search.backends.whoosh import WhooshBackend

        return WhooshBackend
    raise ConfigError(f"unknown search backend {name!r}: expected auto, sqlite, postgres or whoosh")


def open_backend(state: IndexState) -> Backend:
    return backend_class(state.backend)(state)

