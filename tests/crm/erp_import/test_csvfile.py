"""Reading exports: encodings, delimiters, header names and aliases, row numbering."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from letterpress.crm.erp_import.csvfile import parse_csv, read_csv
from letterpress.crm.erp_import.kinds import KINDS
from letterpress.crm.erp_import.schema import header_key, map_header
from letterpress.errors import UserError

HERE = Path("export.csv")


@pytest.mark.parametrize(("data", "encoding"), [
    ("Код;Наименование\r\n1;Альфа\r\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "Код;Наименование\r\n1;Альфа\r\n".encode(), "utf-8-sig"),
    ("Код;Наименование\r\n1;Альфа\r\n".encode("cp1251"), "cp1251"),
    ("Код\tНаименование\r\n1\tАльфа\r\n".encode("utf-16"), "utf-16"),
])
def test_encodings(data: bytes, encoding: str) -> None:
    csv_file = parse_csv(data, HERE)
    assert csv_file.encoding == encoding
    assert csv_file.header == ("Код", "Наименование")
    assert list(csv_file.records()) == [["1", "Альфа"]]


@pytest.mark.parametrize(("line", "delimiter"), [
    ("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"), ('"x;y",b,c', ","), ("single", ","),
])
def test_delimiter_from_the_header(line: str, delimiter: str) -> None:
    assert parse_csv(line.encode() + b"\n", HERE).delimiter == delimiter


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        read_csv(tmp_path / "missing.csv")
    with pytest.raises(UserError, match="is a directory"):
        read_csv(tmp_path)
    with pytest.raises(UserError, match="Excel workbook"):
        parse_csv(b"PK\x03\x04rest", HERE)
    with pytest.raises(UserError, match="empty file"):
        parse_csv(b"", HERE)
    with pytest.raises(UserError, match=r"not valid utf-8 text \(byte 10 is 0xff\)"):
        parse_csv(codecs.BOM_UTF8 + b"a,b\n1,\xff\n", HERE)


def test_header_aliases_in_any_case_and_spacing() -> None:
    orders = KINDS["orders"]
    header = ["КОД", "Вид заказа", "Номер", "Дата", "Контрагент", "Сумма", "planned  Payment",
              "Planned_Shipment", ""]
    columns = map_header(orders, header, HERE)
    named = {orders.fields[i].name: header[p] for i, p in enumerate(columns) if p is not None}
    assert named == {"external_id": "КОД", "direction": "Вид заказа", "number": "Номер",
                     "date": "Дата", "counterparty": "Контрагент", "amount": "Сумма",
                     "planned_payment": "planned  Payment", "planned_shipment": "Planned_Shipment"}


def test_header_errors_name_the_column_and_the_file() -> None:
    orders = KINDS["orders"]
    base = ["external_id", "direction", "number", "date", "counterparty", "amount"]
    with pytest.raises(UserError) as caught:
        map_header(orders, [*base, "colour"], HERE)
    assert str(caught.value).startswith("export.csv: unknown column 'colour' for orders")
    with pytest.raises(UserError, match="columns 'amount' and 'Сумма' both mean 'amount'"):
        map_header(orders, [*base, "Сумма"], HERE)
    with pytest.raises(UserError, match="required column 'date' is missing for orders"):
        map_header(orders, [c for c in base if c != "date"], HERE)
    with pytest.raises(UserError, match="shipments need a column 'counterparty' or 'order'"):
        map_header(KINDS["shipments"], ["external_id", "date", "revenue"], HERE)


def test_aliases_do_not_collide_within_a_kind() -> None:
    for kind in KINDS.values():
        owners: dict[str, str] = {}
        for f in kind.fields:
            for name in (f.name, *f.aliases):
                owner = owners.setdefault(header_key(name), f.name)
                assert owner == f.name, f"{kind.name}: {name!r} means {owner} and {f.name}"


def test_rows_count_records_like_a_spreadsheet() -> None:
    data = b'a,b\n1,"two\nlines"\n3,4\n\n5,6\n'
    records = list(parse_csv(data, HERE).records())
    assert records == [["1", "two\nlines"], ["3", "4"], [], ["5", "6"]]


@pytest.mark.parametrize("text", [
    "a,b\r\n1,2\r\n3,4\r\n",                # Excel's line breaks
    "a,b\n1,2\n\n3,4\n,\n5,6,\n7\n8,9,10",   # blank, empty-celled, short and long rows; no last \n
    "a\n1\n\n2\n \n",                        # one column: a blank line is not an empty cell
    "a;b;c\n1;2;3\n4;5;6\n7;8;9\n",
    'a,b\n1,"x\ny"\n2,3\n',                  # quotes: the csv module reads it
    "a,b\n1,2\r3,4\n",                       # a lone carriage return ends a record too
    "a,b\n",
    "a,b",
])
@pytest.mark.parametrize("size", [1, 2, 5000])
def test_chunks_hold_the_records_the_csv_module_reads(text: str, size: int) -> None:
    csv_file = parse_csv(text.encode(), HERE)
    records, row = [], 2
    for chunk in csv_file.chunks(size):
        assert chunk.first_row == row
        if chunk.columns is not None:
            assert all(len(column) == chunk.count for column in chunk.columns)
            part = [list(record) for record in zip(*chunk.columns, strict=True)]
        else:
            assert chunk.records is not None
            part = chunk.records
        assert len(part) == chunk.count
        records += part
        row += chunk.count
    assert records == list(csv_file.records())


def test_regular_lines_come_as_columns() -> None:
    chunks = list(parse_csv(b"a,b\n1,2\n3,4\n5,6\n", HERE).chunks(2))
    assert [(c.first_row, c.count, c.columns) for c in chunks] == [
        (2, 2, [["1", "3"], ["2", "4"]]), (4, 1, [["5"], ["6"]])]
