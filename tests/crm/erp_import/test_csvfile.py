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


def _report(*lines: str) -> bytes:
    """A file as 1C saves a report: title lines, then the table; Windows-1251, ``;``."""
    return "\r\n".join(lines).encode("cp1251") + b"\r\n"


def test_the_header_of_a_1c_report_follows_its_title() -> None:
    data = _report("Контрагенты;;;", ";;;", "Сформирован: 27.11.2026 10:00;;;", "",
                   "Код;Наименование;ИНН;Телефоны", "CP-1;Альфа;;", "CP-2;Бета;;", "",
                   "CP-3;Гамма;;")
    csv_file = parse_csv(data, HERE, KINDS["counterparties"])
    assert (csv_file.encoding, csv_file.delimiter, csv_file.header_row) == ("cp1251", ";", 5)
    assert csv_file.header == ("Код", "Наименование", "ИНН", "Телефоны")
    assert list(csv_file.records()) == [["CP-1", "Альфа", "", ""], ["CP-2", "Бета", "", ""], [],
                                        ["CP-3", "Гамма", "", ""]]
    chunks = list(csv_file.chunks(2))
    assert [(c.first_row, c.count) for c in chunks] == [(6, 2), (8, 2)]  # the file's lines
    assert csv_file.estimated_rows() == 4
    quoted = parse_csv(_report('"Отчёт; ""по контрагентам""";', "", 'Код;"Наименование"',
                               "CP-1;Альфа"), HERE, KINDS["counterparties"])
    assert (quoted.header_row, [c.first_row for c in quoted.chunks(10)]) == (3, [4])


def test_a_header_on_the_first_line_is_taken_at_once() -> None:
    data = b"external_id,name\nCP-1,Alpha\n"
    csv_file = parse_csv(data, HERE, KINDS["counterparties"])
    assert (csv_file.header_row, csv_file.first_data_row, csv_file.text) == (1, 2, data.decode())


def test_a_file_without_a_header_is_refused_naming_the_columns_expected() -> None:
    with pytest.raises(UserError) as caught:
        parse_csv(_report("Контрагенты", "", "CP-1;Альфа", "CP-2;Бета"), HERE,
                  KINDS["counterparties"])
    assert str(caught.value) == (
        "export.csv: no header found in the first 20 lines; expected a line with the columns "
        "external_id, name for counterparties (see docs/import.md)")
    with pytest.raises(UserError, match="columns external_id, date, revenue, counterparty or "
                                        "order for shipments"):
        parse_csv(b"a;b\n1;2\n", HERE, KINDS["shipments"])
    with pytest.raises(UserError, match="^export.csv: empty file; expected a header with the "
                                        "columns external_id, name for counterparties$"):
        parse_csv(b"\r\n;;\r\n", HERE, KINDS["counterparties"])
    # Below the 20th line a header is not looked for.
    late = _report(*["Отчёт"] * 20, "Код;Наименование", "CP-1;Альфа")
    with pytest.raises(UserError, match="no header found in the first 20 lines"):
        parse_csv(late, HERE, KINDS["counterparties"])
    assert parse_csv(late[late.index(b"\r\n") + 2:], HERE, KINDS["counterparties"]).header_row == 20


def test_a_header_lacking_a_column_is_blamed_for_it() -> None:
    """A line naming some of the kind's columns is the header that went wrong: the message says
    what it lacks or does not know, as for a header on the first line."""
    orders = KINDS["orders"]
    with pytest.raises(UserError, match="^export.csv: required column 'date' is missing"):
        parse_csv(_report("Заказы", "Код;Вид заказа;Номер;Контрагент;Сумма", "1;продажа;1;CP-1;5"),
                  HERE, orders)
    # A line with the required columns is the header; its other columns are checked on import.
    csv_file = parse_csv(b"external_id,name,colour\nCP-1,Alpha,red\n", HERE,
                         KINDS["counterparties"])
    assert csv_file.header_row == 1
    with pytest.raises(UserError, match="^export.csv: unknown column 'colour'"):
        map_header(KINDS["counterparties"], csv_file.header, HERE)


@pytest.mark.parametrize(("last", "cut"), [
    ("Итого;;;;5 000,00", True),
    ("ИТОГО:;;;;5 000,00;;", True),
    ('"Итого";;;;"5 000,00"', True),
    ("Итого;ИТ-1;;;5", False),        # an external id: a row like any other
    ("Итоговый заказ;;;;5", True),     # starts with Итого, no id: the totals line
    ("Всего;;;;5", False),
    ("Итого", True),                   # a short row
])
def test_a_totals_line_at_the_end_of_a_1c_report_is_cut_off(last: str, cut: bool) -> None:
    header, row = "Наименование;Код;Дата;Заказ;Выручка", "Альфа;S-1;01.02.2024;;5 000,00"
    data = _report("Отгрузки", "", header, row, last, ";;;;", "")
    csv_file = parse_csv(data, HERE, KINDS["shipments"])
    records = [r for r in csv_file.records() if any(r)]
    assert records[0] == row.split(";")
    assert len(records) == (1 if cut else 2)
    assert sum(chunk.count for chunk in csv_file.chunks(10)) == len(list(csv_file.records()))


def test_a_totals_line_is_only_cut_at_the_end_and_outside_quotes() -> None:
    counterparties = KINDS["counterparties"]
    middle = parse_csv(b"name,external_id\nItogo,1\n\xd0\x98\xd1\x82\xd0\xbe\xd0\xb3\xd0\xbe,\n"
                       b"Alpha,CP-1\n", HERE, counterparties)
    assert len(list(middle.records())) == 3  # not the last row: rejected as any bad row
    inside = 'name,external_id,address\nAlpha,CP-1,"Москва\nИтого"\n'.encode()
    assert list(parse_csv(inside, HERE, counterparties).records()) == [
        ["Alpha", "CP-1", "Москва\nИтого"]]
