"""What each column's cells become, declared once per column: text of at most N characters, an
amount, a date, one of a set, a reference to a counterparty, ...

A conversion is a small frozen value: kinds declare their columns with them, and
:meth:`Conversion.converter` builds the Python converter (from :mod:`.values`) once per import;
:meth:`Conversion.column_converter` wraps it to convert a whole column (:mod:`.vectors`).
Keeping the declaration apart from the code that runs per cell lets both stay plain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from letterpress.crm.erp_import import values as v
from letterpress.crm.erp_import import vectors
from letterpress.crm.erp_import.schema import Env
from letterpress.crm.inn import normalise_inn, normalise_kpp
from letterpress.errors import ValidationError

ReferenceTarget = Literal["counterparties", "orders", "users"]
REFERENCE_NAMES: dict[str, str] = {
    "counterparties": "counterparty", "orders": "order", "users": "user login",
}


class Conversion:
    """Base of the conversions; ``required`` cells must not be empty (and the column present)."""

    required: bool = False

    def converter(self, env: Env) -> v.Converter:
        raise NotImplementedError

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        """The converter of a whole column; by default the cell converter on every cell."""
        return vectors.per_cell(self.converter(env))


class FewSpellings(Conversion):
    """Columns with few distinct cells (dates, choices, currencies): each converted once."""

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        return vectors.memo(self.converter(env))


@dataclass(frozen=True)
class Text(Conversion):
    max_length: int
    required: bool = False
    not_null: bool = False  # an empty cell gives "" (a NOT NULL column without a default)

    def converter(self, env: Env) -> v.Converter:
        convert = v.text(max_length=self.max_length, required=self.required)
        if self.not_null:
            return lambda cell: convert(cell) or ""
        return convert

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        return vectors.text(self.max_length, self.converter(env))


@dataclass(frozen=True)
class CounterpartyExternalId(Text):
    """A counterparties file's external id. The id of a counterparty since merged into another
    (:mod:`letterpress.crm.counterparty_merge`) becomes the survivor's, so that its row updates
    the survivor instead of bringing the duplicate back."""

    def converter(self, env: Env) -> v.Converter:
        convert = super().converter(env)
        merged = env.lookups.merged_counterparties
        if not merged:
            return convert

        def survivor(cell: str) -> Any:
            value = convert(cell)
            return merged.get(value, value)

        return survivor

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        convert = super().column_converter(env)
        merged = env.lookups.merged_counterparties
        if not merged:
            return convert

        def run(cells: list[str]) -> tuple[list[Any], vectors.Errors]:
            values, errors = convert(cells)
            return list(map(merged.get, values, values)), errors

        return run


@dataclass(frozen=True)
class Money(Conversion):
    required: bool = False

    def converter(self, env: Env) -> v.Converter:
        return v.money(required=self.required)

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        return vectors.money(v.MONEY_RE, self.converter(env))


@dataclass(frozen=True)
class Date(FewSpellings):
    required: bool = False

    def converter(self, env: Env) -> v.Converter:
        return v.date(required=self.required)


@dataclass(frozen=True)
class Choice(FewSpellings):
    """One of the values of ``aliases`` (which maps every accepted spelling to its value)."""

    aliases: Mapping[str, str]
    required: bool = False
    default: str | None = None

    def converter(self, env: Env) -> v.Converter:
        return v.choice(self.aliases, required=self.required, default=self.default)


@dataclass(frozen=True)
class Currency(FewSpellings):
    """An ISO 4217 code; empty cells take the company's currency from the settings."""

    def converter(self, env: Env) -> v.Converter:
        return v.currency(env.currency)


@dataclass(frozen=True)
class Reference(Conversion):
    """The id of the counterparty or order with this external id, or of the user with this login.

    An order reference converts to an :data:`~.lookups.OrderRef` for the kind's rules, which
    keep its id.
    """

    target: ReferenceTarget
    required: bool = False

    def converter(self, env: Env) -> v.Converter:
        known = getattr(env.lookups, self.target)
        return v.reference(known, REFERENCE_NAMES[self.target], required=self.required,
                           fold_case=self.target == "users")

    def column_converter(self, env: Env) -> vectors.ColumnConverter:
        return vectors.references(getattr(env.lookups, self.target), self.converter(env))


@dataclass(frozen=True)
class Taxpayer(Conversion):
    """An INN (checksum verified) or a KPP (format verified)."""

    number: Literal["inn", "kpp"]

    def converter(self, env: Env) -> v.Converter:
        normalise: Callable[[str | None], str | None] = (
            normalise_inn if self.number == "inn" else normalise_kpp
        )

        def convert(cell: str) -> str | None:
            value = cell.strip(v.WHITESPACE)
            if not value:
                return None
            try:
                return normalise(value)
            except ValidationError as exc:
                raise v.CellError(str(exc)) from None

        return convert


@dataclass(frozen=True)
class AmountOrYesNo(Conversion):
    """An amount, or yes/no (meaning all of it or nothing; resolved by a rule of the kind)."""

    def converter(self, env: Env) -> v.Converter:
        amount = v.money()

        def convert(cell: str) -> str | bool | None:
            answer = v.yes_no(cell)
            if answer is not None:
                return answer
            try:
                paid: str | None = amount(cell)
            except v.CellError:
                raise v.CellError(f"expected an amount or yes/no, got {v.quoted(cell)}") from None
            return paid

        return convert


# --- lists, for the child rows of a record ---------------------------------------------------

@dataclass(frozen=True)
class LabelledList(Conversion):
    """Phones, each with an optional label: ``рабочий: +7 ...`` or ``+7 ... (рабочий)``."""

    max_length: int
    max_label: int

    def converter(self, env: Env) -> v.Converter:
        return v.labelled_list(max_length=self.max_length, max_label=self.max_label)


@dataclass(frozen=True)
class LabelledSingle(Conversion):
    """A one-item labelled list from a single-valued column (a counterparty's address); with
    ``label`` every value gets that label (1C's "Юридический адрес" column)."""

    max_length: int
    max_label: int
    label: str | None = None

    def converter(self, env: Env) -> v.Converter:
        return v.labelled_single(max_length=self.max_length, max_label=self.max_label,
                                 label=self.label)


@dataclass(frozen=True)
class EmailList(Conversion):
    def converter(self, env: Env) -> v.Converter:
        return v.email_list


@dataclass(frozen=True)
class DomainList(Conversion):
    def converter(self, env: Env) -> v.Converter:
        return v.domain_list


@dataclass(frozen=True)
class ReferenceList(Conversion):
    target: ReferenceTarget

    def converter(self, env: Env) -> v.Converter:
        return v.reference_list(getattr(env.lookups, self.target), REFERENCE_NAMES[self.target])

