"""How a kind of ERP file is described: its columns, where each goes, and the header aliases.

A :class:`Kind` lists :class:`Field` s in the order of DESIGN.md. A field either fills a column of
the kind's table or, with ``child`` set, a list of child rows (phones, e-mails, participants)
that an import replaces when it changed. :func:`map_header` matches a file's header to the fields:
English names as documented, or the Russian names of a 1C export, in any case and spacing;
:func:`fits_header` tells the header line of a 1C report from the title lines above it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table

from letterpress.errors import UserError

if TYPE_CHECKING:
    from letterpress.crm.erp_import.conversions import Conversion
    from letterpress.crm.erp_import.lookups import Lookups
    from letterpress.crm.erp_import.rules import Rule

_HEADER_NOISE_RE = re.compile(r"[\s_\-.:\"']+")


@dataclass(frozen=True)
class Env:
    """What converters may depend on besides the cell: the company currency and the database."""

    currency: str
    lookups: Lookups


@dataclass(frozen=True)
class ChildTable:
    """Rows of ``table`` hanging off the parent by ``parent_key``; ``value`` holds one list item.

    With ``label`` (the column of a phone's or address's label) the items of the list are
    ``(value, label)`` pairs. Several fields may fill one child table (the addresses from the
    columns address, legal_address, ...): the file's columns for it then make one list together.
    """

    table: Table
    parent_key: str
    value: str
    position: str | None = "position"
    label: str | None = None


@dataclass(frozen=True)
class Field:
    """One column of the file.

    ``conversion`` says what its cells become. An empty cell and a column missing from the
    header convert alike (the converter sees ``""``); a missing column is, besides, never
    written over on update, unless a field named in ``filled_by`` is in the header (a rule of
    the kind then derives this one from it). Fields whose conversion is ``required`` must be in
    the header and non-empty.
    """

    name: str
    conversion: Conversion
    aliases: tuple[str, ...] = ()
    column: str | None = None
    child: ChildTable | None = None
    filled_by: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.conversion.required

    @property
    def target(self) -> str | None:
        """The parent table's column this field fills (None for child lists)."""
        if self.child is not None:
            return None
        return self.column or self.name


Problems = dict[int, tuple[int, str]]
"""The rows of a chunk that cannot be imported: position in the chunk -> (field index, reason)."""

Finisher = Callable[[list[list[Any]], Problems], None]
"""Applies a kind's rules to a chunk's converted columns (one list per field), in place."""


@dataclass(frozen=True)
class Kind:
    """One kind of ERP file: its table, its fields, and the rules that span several fields.

    ``rules`` run in order on the converted columns of each chunk (see :mod:`.rules`).
    ``header_needs`` lists groups of which the header must name at least one field each.
    ``insert_values`` gives columns the file never holds their value on insert; callables are
    called once per import (e.g. the time stamp). With ``report_changes`` an import lists the ids
    of the records it created or updated (for the search index, which SQL-level writes bypass).
    """

    name: str
    table: Table
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    header_needs: tuple[tuple[str, ...], ...] = ()
    insert_values: dict[str, Any] = field(default_factory=dict)
    report_changes: bool = False

    def index(self, name: str) -> int:
        for i, f in enumerate(self.fields):
            if f.name == name:
                return i
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def finisher(self) -> Finisher | None:
        """The kind's rules bound to its field positions, as one function (None if no rules)."""
        steps = [rule.finisher(self) for rule in self.rules]
        if not steps:
            return None
        if len(steps) == 1:
            return steps[0]

        def finish(columns: list[list[Any]], problems: Problems) -> None:
            for step in steps:
                step(columns, problems)

        return finish


def header_key(name: str) -> str:
    """A header name as matched: case-, space-, underscore- and ``ё``-insensitive."""
    return _HEADER_NOISE_RE.sub("", name.casefold()).replace("ё", "е")


def _field_keys(kind: Kind) -> dict[str, int]:
    """Every accepted header spelling (as :func:`header_key` folds it) -> the field's index."""
    keys: dict[str, int] = {}
    for i, f in enumerate(kind.fields):
        for name in (f.name, *f.aliases):
            keys.setdefault(header_key(name), i)
    return keys


def named_fields(kind: Kind, header: Sequence[str]) -> dict[str, int]:
    """The fields of ``kind`` that ``header`` names, each with its first column's position.

    Unlike :func:`map_header` this never fails: unknown and doubled columns are passed over.
    """
    keys = _field_keys(kind)
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        index = keys.get(header_key(name))
        if index is not None:
            found.setdefault(kind.fields[index].name, position)
    return found


def fits_header(kind: Kind, named: Iterable[str]) -> bool:
    """Whether a line naming the fields ``named`` (see :func:`named_fields`) has every column
    the kind requires: its required fields and one of each of its ``header_needs``."""
    present = set(named)
    return (all(f.name in present for f in kind.fields if f.required)
            and all(present.intersection(group) for group in kind.header_needs))


def required_columns(kind: Kind) -> str:
    """The columns a header of ``kind`` must have, for messages: ``external_id, date, ...``."""
    names = [f.name for f in kind.fields if f.required]
    names += [" or ".join(group) for group in kind.header_needs]
    return ", ".join(names)


def map_header(kind: Kind, header: Sequence[str], path: Path) -> list[int | None]:
    """For each field of ``kind``, the index of its column in ``header`` (None if absent).

    Raises :class:`UserError` naming the file and the column for an unknown or doubled column
    and for a required column that is missing. Columns with an empty name are ignored (a
    trailing delimiter in the header line).
    """
    keys = _field_keys(kind)
    found: list[int | None] = [None] * len(kind.fields)
    for position, name in enumerate(header):
        if not header_key(name):
            continue
        index = keys.get(header_key(name))
        if index is None:
            known = ", ".join(kind.column_names)
            raise UserError(
                f"{path}: unknown column {name.strip()!r} for {kind.name} (expected: {known})"
            )
        i = index
        previous = found[i]
        if previous is not None:
            raise UserError(
                f"{path}: columns {header[previous].strip()!r} and {name.strip()!r} both mean "
                f"{kind.fields[i].name!r}"
            )
        found[i] = position
    for i, f in enumerate(kind.fields):
        if f.required and found[i] is None:
            raise UserError(f"{path}: required column {f.name!r} is missing for {kind.name}")
    for group in kind.header_needs:
        if all(found[kind.index(name)] is None for name in group):
            raise UserError(
                f"{path}: {kind.name} need a column {' or '.join(repr(g) for g in group)}"
            )
    return found
