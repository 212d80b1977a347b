"""Keep the index in step with ORM changes, in the same transaction (``after_flush``).

:func:`install_hooks` registers one listener on every :class:`~sqlalchemy.orm.Session`: after
each flush it collects the counterparties, contact persons, events, tasks and letters that were
added, changed or deleted (a changed phone or e-mail counts for its owner) and re-indexes or
removes them before the transaction goes on. The listener costs a type lookup per flushed object
when nothing searchable changed, and nothing at all in a database without a search index.

Core statements (``session.execute(insert(...), rows)``) bypass the ORM and therefore these
hooks: the mail daemon indexes what it stores itself
(:func:`~letterpress.search.index_analysed_letters`),
and bulk loaders (the demo, the ERP import) should call :func:`~letterpress.search.index` for the
ids they wrote or leave it to ``letterpress reindex``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    Attachment,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyPhone,
    Event,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterTopic,
    Task,
)
from letterpress.search.kinds import Kind

#: model -> (kind, attribute holding the searchable object's id, whether it is that object)
WATCHED: dict[type[Any], tuple[Kind, str, bool]] = {
    Counterparty: (Kind.COUNTERPARTY, "id", True),
    CounterpartyPhone: (Kind.COUNTERPARTY, "counterparty_id", False),
    CounterpartyEmail: (Kind.COUNTERPARTY, "counterparty_id", False),
    CounterpartyAddress: (Kind.COUNTERPARTY, "counterparty_id", False),
    CounterpartyDomain: (Kind.COUNTERPARTY, "counterparty_id", False),
    ContactPerson: (Kind.CONTACT, "id", True),
    ContactPhone: (Kind.CONTACT, "contact_id", False),
    ContactEmail: (Kind.CONTACT, "contact_id", False),
    Event: (Kind.EVENT, "id", True),
    Task: (Kind.TASK, "id", True),
    Letter: (Kind.LETTER, "id", True),
    LetterAddress: (Kind.LETTER, "letter_id", False),
    Attachment: (Kind.LETTER, "letter_id", False),
}
#: Changes that matter only to an index keeping facets (whoosh): where a letter is, and why filed.
FACETS: dict[type[Any], tuple[Kind, str, bool]] = {
    LetterLocation: (Kind.LETTER, "letter_id", False),
    LetterLink: (Kind.LETTER, "letter_id", False),
    LetterTopic: (Kind.LETTER, "letter_id", False),
}
DISABLE_KEY = "letterpress.search.hooks.off"


def _collect(session: Session) -> tuple[dict[Kind, set[int]], dict[Kind, set[int]],
                                          dict[Kind, set[int]]]:
    touched: dict[Kind, set[int]] = defaultdict(set)
    facets: dict[Kind, set[int]] = defaultdict(set)
    removed: dict[Kind, set[int]] = defaultdict(set)
    for group, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in group:
            cls = type(obj)
            spec = WATCHED.get(cls)
            target = touched
            if spec is None:
                spec = FACETS.get(cls)
                target = facets
                if spec is None:
                    continue
            kind, attr, is_self = spec
            obj_id = obj.__dict__.get(attr)
            if obj_id is None and is_self:  # expired after a commit: the identity still knows
                identity = inspect(obj).identity
                obj_id = identity[0] if identity else None
            if obj_id is None:
                continue
            if deleted and is_self:
                removed[kind].add(obj_id)
            else:
                target[kind].add(obj_id)
    return touched, facets, removed


def _after_flush(session: Session, _flush_context: Any) -> None:
    if session.info.get(DISABLE_KEY):
        return
    touched, facets, removed = _collect(session)
    if not (touched or facets or removed):
        return
    from letterpress.search.backends import backend_class
    from letterpress.search.meta import state_of
    from letterpress.search.service import index, remove

    state = state_of(session)
    if state is None:
        return
    if backend_class(state.backend).external:
        for kind, ids in facets.items():
            touched[kind] |= ids
    for kind, ids in touched.items():
        index(session, kind, ids - removed.get(kind, set()))
    for kind, ids in removed.items():
        remove(session, kind, ids)


def install_hooks() -> None:
    """Index ORM changes automatically (idempotent; process-wide)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def uninstall_hooks() -> None:
    if event.contains(Session, "after_flush", _after_flush):
        event.remove(Session, "after_flush", _after_flush)


def hooks_disabled(session: Session, disabled: bool = True) -> None:
    """Turn the hooks off for one session (a bulk job that reindexes at its end)."""
    session.info[DISABLE_KEY] = disabled
