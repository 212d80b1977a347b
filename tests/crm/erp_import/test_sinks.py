"""Rows into the database in bulk: COPY's text format, and awkward text through both roads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.config import ImportSettings, Settings
from letterpress.crm.erp_import import import_file
from letterpress.crm.erp_import.sinks import copy_text
from letterpress.crm.model import Order
from tests.crm.erp_import.conftest import WriteCsv


def test_copy_text_escapes_only_what_copy_reads_specially() -> None:
    assert copy_text([["a", "b\tc", None, "\\N", "x\r\ny"], ["1", None, "0", "", "7"]]) == (
        "a\t1\nb\\tc\t\\N\n\\N\t0\n\\\\N\t\n"
        "x\\r\\ny\t7\n")
    assert copy_text([[3, None], ["", "é"]]) == "3\t\n\\N\té\n"
    assert copy_text([[], []]) == ""


def _escaped(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    for special, escape in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(special, escape)
    return text


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda width: st.lists(
    st.tuples(*[st.one_of(st.none(), st.text("ab\\N\t\n\r.é", max_size=4),
                          st.integers(0, 99)) for _ in range(width)]),
    min_size=1, max_size=6)))
def test_copy_text_agrees_with_escaping_every_cell(rows: list[tuple[object, ...]]) -> None:
    """The quick road (join, then count what the join put there) and the escaping road give
    the same text, whatever the cells hold."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    expected = "".join("\t".join(map(_escaped, row)) + "\n" for row in rows)
    assert copy_text(columns) == expected


NUMBERS = ["tab\there", "back\\slash", "\\N", "two\nlines", "\\.", "кириллица", "x"]


@pytest.mark.parametrize("threshold", [1, 1_000_000], ids=["direct", "staged"])
def test_awkward_text_arrives_as_it_was(crm: Session, write_csv: WriteCsv,
                                       threshold: int) -> None:
    rows = [["external_id", "direction", "number", "date", "counterparty", "amount"]]
    rows += [[f"O-{i}", "customer", number, "2024-01-01", "CP-1", "1"]
             for i, number in enumerate(NUMBERS)]
    settings = Settings(imports=ImportSettings(batch_size=3))
    result = import_file(crm, "orders", write_csv(rows), settings=settings,
                         bulk_threshold=threshold)
    crm.commit()
    assert (result.created, result.rejected) == (len(NUMBERS), [])
    stored = dict(crm.execute(select(Order.external_id, Order.number)).all())
    assert stored == {f"O-{i}": number for i, number in enumerate(NUMBERS)}
    again = import_file(crm, "orders", write_csv(rows), settings=settings)
    assert again.unchanged == len(NUMBERS)
