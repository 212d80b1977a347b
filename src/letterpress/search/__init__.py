"""Full-text search over letters, counterparties, contact persons, events and tasks.

The seam (three verbs, as in the Flask mega-tutorial; callers never see a backend):

- :func:`index` / :func:`index_new_letters` / :func:`index_counterparties` / ... — (re)index
  objects by id inside the caller's transaction;
- :func:`remove` — drop them;
- :func:`query` — a :class:`SearchPage` of typed :class:`Hit` for one user, newest first or by
  relevance, with the permission function applied inside the query.

Backends (:mod:`letterpress.search.backends`): ``sqlite`` FTS5 in the CRM database (default),
``postgres`` full-text search (chosen automatically on PostgreSQL), ``whoosh`` (optional, an
index directory). Text is analysed in Python (:mod:`letterpress.search.analysis`) for documents
and queries alike. Schema: :func:`create_schema` (idempotent; for migrations); ORM changes are
indexed by :func:`install_hooks`; ``letterpress reindex`` rebuilds (:mod:`.reindex`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letterpress.search.hits import Hit, SearchPage
    from letterpress.search.hooks import install_hooks, uninstall_hooks
    from letterpress.search.kinds import Kind
    from letterpress.search.meta import (
        IndexMismatch,
        IndexMissing,
        create_schema,
        include_in_migrations,
    )
    from letterpress.search.querylang import QueryError
    from letterpress.search.service import (
        index,
        index_analysed_letters,
        index_contacts,
        index_counterparties,
        index_events,
        index_new_letters,
        index_tasks,
        letters_analyzer,
        query,
        remove,
    )
    from letterpress.search.snippets import Snippet

#: Where each public name lives. Loaded on first use, so that the mail daemon's parser workers,
#: which need only the light modules (analysis, extract, letterdoc), do not import the models.
_EXPORTS = {
    "Hit": "hits", "SearchPage": "hits", "install_hooks": "hooks", "uninstall_hooks": "hooks",
    "Kind": "kinds", "IndexMismatch": "meta", "IndexMissing": "meta", "create_schema": "meta",
    "include_in_migrations": "meta", "QueryError": "querylang", "Snippet": "snippets",
    **{name: "service" for name in (
        "index", "index_analysed_letters", "index_contacts", "index_counterparties",
        "index_events", "index_new_letters", "index_tasks", "letters_analyzer", "query",
        "remove")},
}

__all__ = [
    "Hit", "IndexMismatch", "IndexMissing", "Kind", "QueryError", "SearchPage", "Snippet",
    "create_schema", "include_in_migrations", "index", "index_analysed_letters", "index_contacts",
    "index_counterparties", "index_events", "index_new_letters", "index_tasks", "install_hooks",
    "letters_analyzer", "query", "remove", "uninstall_hooks",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
