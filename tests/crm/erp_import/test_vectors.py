"""Whole-column conversion agrees with the cell converters, cell by cell, good and bad."""

from __future__ import annotations

from typing import Any

import pytest

from letterpress.crm.erp_import import conversions as c
from letterpress.crm.erp_import import values as v
from letterpress.crm.erp_import.lookups import Lookups
from letterpress.crm.erp_import.schema import Env

LOOKUPS = Lookups.empty()
LOOKUPS.counterparties.update({"CP-1": "1", "CP-2": "2"})
LOOKUPS.users.update({"manager1": "7"})
ENV = Env(currency="RUB", lookups=LOOKUPS)

CELLS = {
    "text": ["ab", " ab ", "", "  ", "x" * 10, "x" * 11, "a\tb", "\xa0c\xa0", "ab"],
    "money": ["1", "1.5", "1,50", "1 000,5", "", " ", "-1", "abc", "1.234", "1.5", "00.10"],
    "date": ["2024-01-31", "31.01.2024", "", "31.02.2024", "soon", "2024-01-31", " 1.2.2024 "],
    "choice": ["customer", "Покупатель", "", "partner", "customer"],
    "currency": ["", "USD", "руб.", "рубли", "usd", ""],
    "reference": ["CP-1", " CP-2 ", "", "CP-9", "CP-1", "cp-1"],
    "user": ["manager1", "Manager1", "", "nobody"],
}
CONVERSIONS: list[tuple[c.Conversion, str]] = [
    (c.Text(10), "text"), (c.Text(10, required=True), "text"),
    (c.Text(10, not_null=True), "text"),
    (c.Money(), "money"), (c.Money(required=True), "money"),
    (c.Date(), "date"), (c.Date(required=True), "date"),
    (c.Choice({"покупатель": "customer", "customer": "customer"}, default="customer"), "choice"),
    (c.Choice({"customer": "customer"}, required=True), "choice"),
    (c.Currency(), "currency"),
    (c.Reference("counterparties"), "reference"),
    (c.Reference("counterparties", required=True), "reference"),
    (c.Reference("users"), "user"),
    (c.Taxpayer("inn"), "money"),
]


def _one_by_one(convert: v.Converter, cells: list[str]) -> tuple[list[Any], dict[int, str]]:
    values: list[Any] = []
    errors: dict[int, str] = {}
    for i, cell in enumerate(cells):
        try:
            values.append(convert(cell))
        except v.CellError as exc:
            values.append(None)
            errors[i] = str(exc)
    return values, errors


@pytest.mark.parametrize(("conversion", "cells"), CONVERSIONS)
def test_a_column_converts_as_its_cells_do(conversion: c.Conversion, cells: str) -> None:
    column = CELLS[cells]
    expected = _one_by_one(conversion.converter(ENV), column)
    values, errors = conversion.column_converter(ENV)(list(column))
    assert (values, {i: str(e) for i, e in errors.items()}) == expected
    # and the quick road, when every cell takes it
    good = [cell for i, cell in enumerate(column) if i not in expected[1]]
    values, errors = conversion.column_converter(ENV)(good)
    assert (values, errors) == (_one_by_one(conversion.converter(ENV), good)[0], {})
