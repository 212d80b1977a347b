"""The seam: index, remove, query. Callers never see a backend.

- :func:`index` (re)indexes objects of one kind by id, inside the caller's transaction: the
  ORM hooks (:mod:`letterpress.search.hooks`) call it for CRM objects; ids that no longer exist,
  or are not indexable, are removed from the index.
- :func:`index_analysed_letters` writes letters the mail daemon has just stored, analysed
  already by its parser workers (:func:`letters_analyzer` says with which analyzer);
  :func:`index_new_letters` reads and analyses them instead.
- :func:`remove` drops objects from the index.
- :func:`query` answers a search for one user with a :class:`~letterpress.search.hits.SearchPage`.

The backend and analyzer are those recorded in the database (``search_meta``). Indexing where
no index exists is a no-op (``letterpress reindex`` or the migration creates it); a search there,
or with settings naming another analyzer or backend than the index's, is refused with a message
saying to run ``letterpress reindex``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from letterpress.crm.model import User
from letterpress.crm.permissions import MailPolicy
from letterpress.search.analysis import get_analyzer
from letterpress.search.backends import AnalysedDocument, Order, analyse, open_backend
from letterpress.search.documents import Facets, load
from letterpress.search.hits import SearchPage, hydrate
from letterpress.search.kinds import Kind
from letterpress.search.letterdoc import LetterFields
from letterpress.search.meta import (
    IndexMismatch,
    IndexMissing,
    IndexState,
    resolve_backend,
    state_of,
)
from letterpress.search.plan import build_plan
from letterpress.search.querylang import QueryError, parse
from letterpress.search.snippets import Highlighter

if TYPE_CHECKING:
    from letterpress.config import Settings

MAX_LIMIT = 200
MAX_OFFSET = 10_000


def index(session: Session, kind: Kind, ids: Iterable[int]) -> int:
    """Index (or re-index) objects of ``kind`` in the session's transaction; returns how many."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    state = state_of(session)
    if state is None:
        return 0
    backend = open_backend(state)
    docs = load(session.connection(), kind, wanted, facets=backend.external)
    backend.write(session, analyse(docs, get_analyzer(state.analyzer)))
    gone = set(wanted) - {d.obj_id for d in docs}
    if gone:
        backend.delete(session, kind, sorted(gone))
    return len(docs)


def remove(session: Session, kind: Kind, ids: Iterable[int]) -> None:
    """Drop objects from the index (in the session's transaction)."""
    wanted = sorted(set(ids))
    state = state_of(session) if wanted else None
    if state is not None:
        open_backend(state).delete(session, kind, wanted)


def index_new_letters(session: Session, letter_ids: Iterable[int]) -> int:
    """Index letters the mail daemon has just stored, in its store transaction."""
    return index(session, Kind.LETTER, letter_ids)


def letters_analyzer(session: Session) -> str | None:
    """The analyzer id with which to prepare new letters for :func:`index_analysed_letters`,
    or None when the index wants letter ids instead (no index, or one outside the database,
    which also keeps facets that exist only after filing)."""
    state = state_of(session)
    if state is None or open_backend(state).external:
        return None
    return state.analyzer


def index_analysed_letters(
    session: Session, letters: Sequence[tuple[int, dt.datetime, LetterFields | None]],
    analyse: Callable[[int, str], LetterFields],
) -> int:
    """Index letters just stored (in the store transaction: searchable at its commit, gone
    with its rollback) from their analysed fields, made by :func:`letters_analyzer`'s analyzer.

    ``analyse(letter_id, analyzer_id)`` makes the fields of a letter that came without them,
    or with fields of another analyzer (the index was rebuilt meanwhile). An index outside the
    database reads the letters back instead.
    """
    if not letters:
        return 0
    state = state_of(session)
    if state is None:
        return 0
    backend = open_backend(state)
    if backend.external:
        return index(session, Kind.LETTER, [letter_id for letter_id, _d, _f in letters])
    wanted = state.analyzer
    backend.write(session, [
        AnalysedDocument(Kind.LETTER, letter_id, date, (
            fields if fields is not None and fields.analyzer == wanted
            else analyse(letter_id, wanted)).tokens, Facets())
        for letter_id, date, fields in letters
    ])
    return len(letters)


def index_counterparties(session: Session, ids: Iterable[int]) -> int:
    return index(session, Kind.COUNTERPARTY, ids)


def index_contacts(session: Session, ids: Iterable[int]) -> int:
    return index(session, Kind.CONTACT, ids)


def index_events(session: Session, ids: Iterable[int]) -> int:
    return index(session, Kind.EVENT, ids)


def index_tasks(session: Session, ids: Iterable[int]) -> int:
    return index(session, Kind.TASK, ids)


def check_settings(state: IndexState, settings: Settings, dialect: str) -> None:
    """Refuse to search an index built otherwise than the settings say."""
    wanted = get_analyzer(settings.search.analyzer)
    if state.analyzer != wanted.id:
        raise IndexMismatch(
            f"the search index was built with the {state.analyzer} analyzer, but the settings "
            f"ask for {wanted.id}: run `letterpress reindex` to rebuild it"
        )
    backend = resolve_backend(settings.search.backend, dialect)
    if state.backend != backend:
        raise IndexMismatch(
            f"the search index is kept by the {state.backend} backend, but the settings ask "
            f"for {backend}: run `letterpress reindex` to rebuild it"
        )


def mail_policy(settings: Settings) -> MailPolicy:
    return MailPolicy(
        head_sees_team_mail=settings.mail.head_sees_team_mail,
        history_visible_without_rights=settings.mail.history_visible_without_rights,
    )


def query(
    session: Session, user: User, text: str, *, settings: Settings | None = None,
    order: Order = "newest", limit: int = 20, offset: int = 0,
    policy: MailPolicy | None = None,
) -> SearchPage:
    """A page of what ``user`` may see that matches ``text``, newest first or by relevance.

    Raises :class:`~letterpress.search.querylang.QueryError` for a malformed search and
    :class:`~letterpress.search.meta.IndexMissing` / :class:`IndexMismatch` when the index
    cannot answer; all are :class:`~letterpress.errors.UserError`.
    """
    from letterpress.config import Settings

    settings = settings or Settings()
    if order not in ("newest", "relevance"):
        raise QueryError(f"unknown order {order!r}: use newest or relevance")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}")
    parsed = parse(text)
    state = state_of(session)
    if state is None:
        raise IndexMissing("there is no search index yet: run `letterpress reindex`")
    check_settings(state, settings, session.get_bind().dialect.name)
    analyzer = get_analyzer(state.analyzer)
    plan = build_plan(session, parsed, analyzer, user, policy or mail_policy(settings),
                      settings.company.tz)
    plan.relevance_window = settings.search.relevance_window
    raw = [] if plan.empty else open_backend(state).search(session, plan, order, limit + 1, offset)
    hits = hydrate(session.connection(), raw[:limit], Highlighter(analyzer, plan))
    notices = tuple(plan.notices) + (() if state.complete else (
        "the search index is not complete: run `letterpress reindex` to index older data",))
    return SearchPage(hits=hits, has_more=len(raw) > limit, order=order, offset=offset,
                      limit=limit, index_complete=state.complete, notices=notices)
