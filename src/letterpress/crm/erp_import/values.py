"""Cell converters: text, money, dates, choices, yes/no and ``|``-separated lists.

A converter takes one cell (a ``str`` straight from the CSV reader) and returns the value to stage
in the database's own spelling, or raises :class:`CellError` whose message is the reason a user
reads in the import report. Converters are built once per import, as closures over their options
and caches, because they run for every cell of files with hundreds of thousands of rows: the
common spelling of a value is tried first with one dictionary look-up or one precompiled match.

What is staged:

* text -> ``str`` (surrounding spaces, tabs and no-break spaces removed) or ``None`` when empty;
* money -> a canonical decimal ``str`` such as ``"1234.5"``; both databases read it exactly
  (PostgreSQL's ``numeric`` from COPY text, SQLite through the column's NUMERIC affinity);
* dates -> an ISO ``str`` ``YYYY-MM-DD``, the form SQLAlchemy stores in SQLite and COPY reads;
* choices -> the canonical enumeration value;
* references -> the id as text (see :mod:`.lookups`);
* labelled lists (phones, addresses) -> ``(value, label)`` pairs, the label ``None`` if none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Converter = Callable[[str], Any]

# Spreadsheets and 1C put no-break spaces (U+00A0, U+202F) around and inside values. Digits are
# ASCII [0-9] only: Python's \d also matches other scripts' digits, which databases do not read.
WHITESPACE = " \t\r\n\xa0\u202f"
_THOUSANDS = str.maketrans("", "", " \xa0\u202f'")
_SPACES_RE = re.compile(r"\s+")

MONEY_RE = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,2})?")
"""An amount in the form it is staged in (the money converter returns such a cell unchanged)."""
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]*)?|-?\.[0-9]+")
_ISO_DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
# 1C writes dates as 31.12.2024 and date-times as "31.12.2024 0:00:00".
_DMY_DATE_RE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOMAIN_RE = re.compile(r"(?:[a-z0-9\u0400-\u04ff](?:[a-z0-9\u0400-\u04ff-]*[a-z0-9\u0400-\u04ff])?\.)+"
                        r"[a-z\u0400-\u04ff][a-z0-9\u0400-\u04ff-]*")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
# A label such as "рабочий", "моб.", "Юридический адрес": letters, then letters, spaces, dots or
# hyphens. No digits, commas or colons, so that "(495)" or "г. Москва, ул. Ленина, 1" is never one.
_LABEL_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .\-])*")
_DATE_CACHE_LIMIT = 100_000

LIST_SEPARATOR = "|"


class CellError(ValueError):
    """A cell cannot be imported; ``str(error)`` is the reason shown to the user."""


def quoted(cell: str) -> str:
    """The cell as a reason quotes it; long cells are cut so that one report line stays short."""
    cell = cell.strip(WHITESPACE)
    return repr(cell if len(cell) <= 60 else cell[:57] + "...")


def normalise_word(cell: str) -> str:
    """Case-, space- and ``ё``-insensitive spelling used to match choices and aliases."""
    return _SPACES_RE.sub(" ", cell.strip(WHITESPACE).casefold()).replace("ё", "е")


REQUIRED = "a value is required"


def text(*, max_length: int, required: bool = False) -> Converter:
    def convert(cell: str) -> str | None:
        value = cell.strip(WHITESPACE)
        if not value:
            if required:
                raise CellError(REQUIRED)
            return None
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters")
        return value

    return convert


def money(*, required: bool = False) -> Converter:
    """Amounts with a decimal point or comma and spaces as thousands separators, at most 2 decimals.

    Ambiguous spellings such as ``1,234.56`` are refused rather than guessed.
    """
    plain = MONEY_RE.fullmatch

    def convert(cell: str) -> str | None:
        if plain(cell):
            return cell
        value = cell.strip(WHITESPACE).translate(_THOUSANDS).replace(",", ".")
        if plain(value):
            return value
        if not value:
            if required:
                raise CellError(REQUIRED)
            return None
        if value.startswith("-") and plain(value[1:]):
            raise CellError(f"negative amount {quoted(cell)}")
        if _NUMBER_RE.fullmatch(value):
            raise CellError(f"amount {quoted(cell)} has more than 2 decimals or too many digits")
        raise CellError(f"not an amount: {quoted(cell)}")

    return convert


def date(*, required: bool = False) -> Converter:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (a time after the date, as 1C writes it, is ignored)."""
    cache: dict[str, str] = {}

    def parse(cell: str) -> str | None:
        value = cell.strip(WHITESPACE)
        if not value:
            if required:
                raise CellError(REQUIRED)
            return None
        if m := _ISO_DATE_RE.fullmatch(value):
            year, month, day = m.groups()
        elif m := _DMY_DATE_RE.fullmatch(value):
            day, month, year = m.groups()
        else:
            raise CellError(f"not a date: {quoted(cell)} (expected YYYY-MM-DD or DD.MM.YYYY)")
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            raise CellError(f"no such date: {quoted(cell)}") from None

    def convert(cell: str) -> str | None:
        iso = cache.get(cell)
        if iso is None:
            iso = parse(cell)
            if iso is not None:
                if len(cache) >= _DATE_CACHE_LIMIT:
                    cache.clear()
                cache[cell] = iso
        return iso

    return convert


def choice(
    aliases: Mapping[str, str], *, required: bool = False, default: str | None = None
) -> Converter:
    """One of a closed set of values; ``aliases`` maps every accepted spelling to its value.

    Canonical values are accepted as they are; matching is case-, space- and ``ё``-insensitive.
    An empty cell gives ``default`` (or fails when ``required`` and there is no default).
    """
    table = {normalise_word(k): v for k, v in aliases.items()}
    table.update({v: v for v in aliases.values()})
    expected = ", ".join(dict.fromkeys(aliases.values()))

    def convert(cell: str) -> str | None:
        value = table.get(cell)
        if value is not None:
            return value
        key = normalise_word(cell)
        if not key:
            if default is None and required:
                raise CellError(REQUIRED)
            return default
        value = table.get(key)
        if value is None:
            raise CellError(f"expected one of {expected}, got {quoted(cell)}")
        return value

    return convert


YES_WORDS = ("yes", "true", "да", "y", "д")
NO_WORDS = ("no", "false", "нет", "n", "н")
_YES_NO = {**{w: True for w in YES_WORDS}, **{w: False for w in NO_WORDS}}


def yes_no(cell: str) -> bool | None:
    """True or False for the words of :data:`YES_WORDS` / :data:`NO_WORDS`, else None."""
    return _YES_NO.get(normalise_word(cell))


def currency(default: str) -> Converter:
    """An ISO 4217 code; empty cells take the company's currency, 1C's ``руб.`` means RUB."""
    spellings = {"руб": "RUB", "руб.": "RUB", "рубль": "RUB", "₽": "RUB", "$": "USD", "€": "EUR"}

    cache: dict[str, str] = {}

    def parse(cell: str) -> str:
        value = cell.strip(WHITESPACE)
        if not value:
            return default
        code = spellings.get(value.casefold(), value.upper())
        if not _CURRENCY_RE.fullmatch(code):
            raise CellError(f"not a currency code: {quoted(cell)} (expected e.g. RUB, USD, EUR)")
        return code

    def convert(cell: str) -> str:
        code = cache.get(cell)
        if code is None:
            code = parse(cell)
            if len(cache) < 1000:
                cache[cell] = code
        return code

    return convert


def reference(
    known: Mapping[str, Any], what: str, *, required: bool = False, fold_case: bool = False
) -> Converter:
    """The id (or record) ``known`` holds for an external id or login, else a CellError."""
    lookup = known.get

    def convert(cell: str) -> Any:
        found = lookup(cell)
        if found is not None:
            return found
        key = cell.strip(WHITESPACE)
        if fold_case:
            key = key.lower()
        if not key:
            if required:
                raise CellError(REQUIRED)
            return None
        found = lookup(key)
        if found is None:
            raise CellError(f"unknown {what} {quoted(cell)}")
        return found

    return convert


def split_list(cell: str) -> list[str]:
    """The non-empty items of a ``|``-separated cell, stripped, in order."""
    if not cell:
        return []
    return [item for part in cell.split(LIST_SEPARATOR) if (item := part.strip(WHITESPACE))]


def unique(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


def text_list(*, max_length: int) -> Converter:
    def convert(cell: str) -> tuple[str, ...]:
        items = split_list(cell)
        for item in items:
            if len(item) > max_length:
                raise CellError(f"item {quoted(item)} is longer than {max_length} characters")
        return unique(items)

    return convert


def split_label(item: str, max_label: int) -> tuple[str, str | None]:
    """An item of a phone or address list and its label, as 1C and people write them:
    ``рабочий: +7 495 123-45-67`` or ``+7 495 123-45-67 (рабочий)`` -> ``("+7 495 123-45-67",
    "рабочий")``.

    What would be the label must look like one (see :data:`_LABEL_RE`) and be at most
    ``max_label`` characters, else the item is all value (``8 (495) 123-45-67``, ``... (доб.
    12)``, ``г. Москва, ...``) and the label None.
    """
    head, colon, tail = item.partition(":")
    if colon:
        label, value = _label(head, max_label), tail.strip(WHITESPACE)
        if label is not None and value:
            return value, label
    if item.endswith(")"):
        opening = item.rfind("(")
        if opening > 0:
            label, value = _label(item[opening + 1:-1], max_label), item[:opening].strip(WHITESPACE)
            if label is not None and value:
                return value, label
    return item, None


def _label(text: str, max_label: int) -> str | None:
    label = _SPACES_RE.sub(" ", text.strip(WHITESPACE))
    return label if len(label) <= max_label and _LABEL_RE.fullmatch(label) else None


def labelled_list(*, max_length: int, max_label: int) -> Converter:
    """Items with an optional label each (see :func:`split_label`); an item whose value came
    before is dropped, its label with it."""

    def convert(cell: str) -> tuple[tuple[str, str | None], ...]:
        items: dict[str, str | None] = {}
        for item in split_list(cell):
            value, label = split_label(item, max_label)
            if len(value) > max_length:
                raise CellError(f"item {quoted(value)} is longer than {max_length} characters")
            items.setdefault(value, label)
        return tuple(items.items())

    return convert


def labelled_single(*, max_length: int, max_label: int, label: str | None = None) -> Converter:
    """A one-item list from a single-valued column; its label is ``label`` if given (the column
    says what the value is), else read from the cell as :func:`split_label` does."""
    convert = text(max_length=max_length)

    def single(cell: str) -> tuple[tuple[str, str | None], ...]:
        value = convert(cell)
        if value is None:
            return ()
        if label is not None:
            return ((value, label),)
        return (split_label(value, max_label),)

    return single


def email_list(cell: str) -> tuple[str, ...]:
    items = [item.lower() for item in split_list(cell)]
    for item in items:
        if len(item) > 320 or not _EMAIL_RE.fullmatch(item):
            raise CellError(f"not an e-mail address: {quoted(item)}")
    return unique(items)


def domain_list(cell: str) -> tuple[str, ...]:
    items = [item.lower().removeprefix("@") for item in split_list(cell)]
    for item in items:
        if len(item) > 255 or not _DOMAIN_RE.fullmatch(item):
            raise CellError(f"not a mail domain: {quoted(item)}")
    return unique(items)


def reference_list(known: Mapping[str, Any], what: str) -> Converter:
    def convert(cell: str) -> tuple[Any, ...]:
        found = []
        for item in split_list(cell):
            value = known.get(item)
            if value is None:
                raise CellError(f"unknown {what} {quoted(item)}")
            found.append(value)
        return unique(found)

    return convert


def constant(value: Any) -> Converter:
    """For a column the file does not have: every row gets the same value."""
    return lambda _cell: value
