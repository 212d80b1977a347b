"""The kinds of things the search index holds, their stored codes and the names people type."""

from __future__ import annotations

import enum


class Kind(enum.IntEnum):
    """A searchable kind; the integer is what the index stores (never renumber)."""

    LETTER = 1
    COUNTERPARTY = 2
    CONTACT = 3
    EVENT = 4
    TASK = 5

    @property
    def label(self) -> str:
        """The name used in results, JSON and ``kind:`` filters."""
        return self.name.lower()


ALL_KINDS: tuple[Kind, ...] = tuple(Kind)

#: What ``kind:VALUE`` in a query and ``reindex --kind`` accept, folded to lower case.
KIND_NAMES: dict[str, Kind] = {
    "letter": Kind.LETTER, "letters": Kind.LETTER, "mail": Kind.LETTER, "email": Kind.LETTER,
    "письмо": Kind.LETTER, "письма": Kind.LETTER,
    "counterparty": Kind.COUNTERPARTY, "counterparties": Kind.COUNTERPARTY,
    "company": Kind.COUNTERPARTY, "контрагент": Kind.COUNTERPARTY, "контрагенты": Kind.COUNTERPARTY,
    "contact": Kind.CONTACT, "contacts": Kind.CONTACT, "person": Kind.CONTACT,
    "контакт": Kind.CONTACT, "контакты": Kind.CONTACT,
    "event": Kind.EVENT, "events": Kind.EVENT, "событие": Kind.EVENT, "события": Kind.EVENT,
    "task": Kind.TASK, "tasks": Kind.TASK, "задача": Kind.TASK, "задачи": Kind.TASK,
}


def kind_named(name: str) -> Kind | None:
    return KIND_NAMES.get(name.strip().lower().replace("ё", "е"))
