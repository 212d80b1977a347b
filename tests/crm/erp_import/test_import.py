"""Importing ERP files into the CRM, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import Connection, Table, func, inspect, select, text
from sqlalchemy.orm import Session

from letterpress.config import ImportSettings, Settings
from letterpress.crm.erp_import import bulk, import_file
from letterpress.crm.erp_import.directload import DirectLoad, IdRange
from letterpress.crm.erp_import.rows import Batch
from letterpress.crm.model import (
    Campaign,
    ContactPerson,
    Counterparty,
    CounterpartyPhone,
    Invoice,
    Order,
    Payment,
    Shipment,
)
from tests.crm.erp_import.conftest import COUNTERPARTIES, WriteCsv

ORDER_HEADER = ["external_id", "direction", "number", "date", "counterparty", "manager", "amount",
                "cost", "currency", "planned_execution", "planned_shipment", "planned_payment",
                "state"]
ORDERS = [
    ORDER_HEADER,
    ["O-1", "customer", "101", "2024-01-15", "CP-1", "manager1", "1000.50", "600", "",
     "2024-01-20", "2024-01-25", "2024-02-01", "open"],
    ["O-2", "supplier", "P-7", "16.01.2024", "CP-2", "", "250,00", "", "USD", "", "", "",
     "completed"],
]


def _counterparty(session: Session, external_id: str) -> Counterparty:
    return session.scalars(select(Counterparty).filter_by(external_id=external_id)).one()


def _order(session: Session, external_id: str) -> Order:
    return session.scalars(select(Order).filter_by(external_id=external_id)).one()


def test_importing_twice_changes_nothing_and_an_edited_row_updates(
    crm: Session, write_csv: WriteCsv
) -> None:
    alpha = _counterparty(crm, "CP-1")
    assert (alpha.kind, alpha.name, alpha.manager and alpha.manager.login) == (
        "customer", "Alpha LLC", "manager1")
    assert [p.value for p in alpha.phones] == ["+7 495 111-11-11", "+7 900 111 11 11"]
    assert [e.email for e in alpha.emails] == ["info@alpha.ru"]
    assert [d.domain for d in alpha.domains] == ["alpha.ru"]
    assert [a.value for a in alpha.addresses] == ["Moscow, Tverskaya 1"]
    mill = _counterparty(crm, "CP-2")
    assert mill.kind == "supplier" and mill.inn is None and mill.addresses == []
    assert [e.email for e in mill.emails] == ["sales@paper.ru", "boss@paper.ru"]
    assert _counterparty(crm, "CP-3").manager is None

    again = import_file(crm, "counterparties", write_csv(COUNTERPARTIES))
    crm.commit()
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 3, "rejected": []}
    assert again.changed_ids == []

    edited = [list(row) for row in COUNTERPARTIES]
    edited[1][4] = "+7 495 222-22-22"  # CP-1: only a list changes
    edited[2][2] = "Paper Mill Ltd"    # CP-2: only a column changes
    edited.append(["CP-4", "both", "Newcomer", "", "", "", "", "", ""])
    result = import_file(crm, "counterparties", write_csv(edited))
    crm.commit()
    assert result.as_dict() == {"created": 1, "updated": 2, "unchanged": 1, "rejected": []}
    assert sorted(result.changed_ids) == sorted(  # what the search index must catch up with
        _counterparty(crm, external_id).id for external_id in ("CP-1", "CP-2", "CP-4"))
    assert [p.value for p in _counterparty(crm, "CP-1").phones] == ["+7 495 222-22-22"]
    assert _counterparty(crm, "CP-2").name == "Paper Mill Ltd"
    assert crm.scalar(select(func.count()).select_from(CounterpartyPhone)) == 2
    assert crm.scalar(select(func.count()).select_from(Counterparty)) == 4

    orders = import_file(crm, "orders", write_csv(ORDERS))
    same = import_file(crm, "orders", write_csv(ORDERS))
    changed = [list(row) for row in ORDERS]
    changed[2][12] = "closed"
    edit = import_file(crm, "orders", write_csv(changed))
    crm.commit()
    assert (orders.created, same.unchanged, edit.updated, edit.unchanged) == (2, 2, 1, 1)
    assert _order(crm, "O-2").state == "closed"


def test_every_kind(crm: Session, write_csv: WriteCsv) -> None:
    def run(kind: str, rows: list[list[str]]) -> dict[str, object]:
        result = import_file(crm, kind, write_csv(rows)).as_dict()
        crm.commit()
        return result

    assert run("orders", ORDERS)["created"] == 2
    o1, o2 = _order(crm, "O-1"), _order(crm, "O-2")
    assert (o1.amount, o1.cost, o1.currency, o1.manager and o1.manager.login) == (
        Decimal("1000.50"), Decimal("600.00"), "RUB", "manager1")
    assert (o1.planned_execution, o1.planned_shipment, o1.planned_payment) == (
        dt.date(2024, 1, 20), dt.date(2024, 1, 25), dt.date(2024, 2, 1))
    assert (o2.direction, o2.date, o2.amount, o2.currency, o2.manager, o2.state) == (
        "supplier", dt.date(2024, 1, 16), Decimal("250.00"), "USD", None, "completed")

    assert run("shipments", [
        ["external_id", "order", "counterparty", "date", "revenue", "cost", "currency"],
        ["S-1", "O-1", "", "2024-01-25", "1000.50", "600", ""],
        ["S-2", "", "CP-3", "2024-02-01", "99.99", "", ""],
        ["S-3", "O-1", "CP-2", "2024-02-01", "1", "", ""],
    ])["rejected"] == [
        {"row": 4, "column": "counterparty", "reason": "differs from the counterparty of the order"},
    ]
    s1, s2 = (crm.scalars(select(Shipment).filter_by(external_id=e)).one() for e in ("S-1", "S-2"))
    assert (s1.order_id, s1.counterparty_id, s1.revenue) == (o1.id, o1.counterparty_id,
                                                             Decimal("1000.50"))
    assert (s2.order_id, s2.counterparty_id) == (None, _counterparty(crm, "CP-3").id)

    assert run("payments", [
        ["external_id", "order", "counterparty", "date", "amount", "currency", "direction"],
        ["P-1", "O-1", "", "2024-02-01", "1000.50", "", ""],
        ["P-2", "O-2", "", "2024-02-02", "250", "USD", ""],
        ["P-3", "", "CP-3", "2024-02-03", "10", "", "Поступление"],
        ["P-4", "", "CP-3", "2024-02-03", "10", "", ""],
    ])["rejected"] == [
        {"row": 5, "column": "direction", "reason": "a value is required (or an order)"},
    ]
    directions = dict(crm.execute(select(Payment.external_id, Payment.direction)).all())
    assert directions == {"P-1": "in", "P-2": "out", "P-3": "in"}

    assert run("invoices", [
        ["external_id", "direction", "number", "date", "counterparty", "order", "amount",
         "currency", "due", "paid"],
        ["I-1", "issued", "СЧ-1", "2024-01-15", "", "O-1", "1000.50", "", "2024-01-30", "yes"],
        ["I-2", "received", "77", "2024-01-16", "CP-2", "", "300", "", "", "100,5"],
        ["I-3", "customer", "78", "2024-01-17", "CP-3", "", "50", "", "", "нет"],
        ["I-4", "customer", "79", "2024-01-17", "CP-3", "", "50", "", "", "60"],
    ])["rejected"] == [
        {"row": 5, "column": "paid", "reason": "paid 60 is more than the amount 50"},
    ]
    invoices = {i.external_id: i for i in crm.scalars(select(Invoice))}
    assert (invoices["I-1"].direction, invoices["I-1"].paid, invoices["I-1"].counterparty_id,
            invoices["I-1"].due) == ("customer", Decimal("1000.50"), o1.counterparty_id,
                                     dt.date(2024, 1, 30))
    assert (invoices["I-2"].direction, invoices["I-2"].paid) == ("supplier", Decimal("100.50"))
    assert invoices["I-3"].paid == Decimal(0)

    assert run("campaigns", [
        ["external_id", "name", "kind", "start", "end", "cost", "currency", "participants"],
        ["C-1", "Spring mailing", "mailing", "2024-03-01", "2024-03-31", "5000", "", "CP-1|CP-3"],
        ["C-2", "Expo", "", "2024-05-10", "2024-05-01", "", "", ""],
        ["C-3", "Expo", "", "2024-05-10", "", "", "", "CP-1|CP-404"],
    ])["rejected"] == [
        {"row": 3, "column": "end", "reason": "the campaign ends before it starts"},
        {"row": 4, "column": "participants", "reason": "unknown counterparty 'CP-404'"},
    ]
    campaign = crm.scalars(select(Campaign)).one()
    assert (campaign.name, campaign.kind, campaign.cost, campaign.currency) == (
        "Spring mailing", "mailing", Decimal("5000.00"), "RUB")
    assert sorted(p.counterparty_id for p in campaign.participants) == sorted(
        [_counterparty(crm, "CP-1").id, _counterparty(crm, "CP-3").id])

    assert run("contacts", [
        ["external_id", "counterparty", "name", "position", "phones", "emails", "birthday"],
        ["K-1", "CP-1", "Anna Smirnova", "Director", "+7 900 1", "Anna@Alpha.ru", "12.03.1980"],
        ["K-2", "", "Lone Wolf", "", "", "", ""],
    ])["created"] == 2
    anna = crm.scalars(select(ContactPerson).filter_by(external_id="K-1")).one()
    assert (anna.counterparty_id, anna.position, anna.birthday, anna.created_from_mail) == (
        _counterparty(crm, "CP-1").id, "Director", dt.date(1980, 3, 12), False)
    assert [p.value for p in anna.phones] == ["+7 900 1"]
    assert [e.email for e in anna.emails] == ["anna@alpha.ru"]


def test_unknown_references_are_rejected_with_a_clear_reason(
    crm: Session, write_csv: WriteCsv
) -> None:
    result = import_file(crm, "orders", write_csv([
        ORDER_HEADER,
        ["O-1", "customer", "1", "2024-01-01", "CP-404", "", "1", "", "", "", "", "", ""],
        ["O-2", "customer", "2", "2024-01-01", "CP-1", "nobody", "1", "", "", "", "", "", ""],
        ["O-3", "customer", "3", "2024-01-01", "", "", "1", "", "", "", "", "", ""],
    ]))
    assert result.as_dict()["rejected"] == [
        {"row": 2, "column": "counterparty", "reason": "unknown counterparty 'CP-404'"},
        {"row": 3, "column": "manager", "reason": "unknown user login 'nobody'"},
        {"row": 4, "column": "counterparty", "reason": "a value is required"},
    ]
    result = import_file(crm, "shipments", write_csv([
        ["external_id", "order", "date", "revenue"],
        ["S-1", "O-404", "2024-01-01", "5"],
    ]))
    assert result.as_dict()["rejected"] == [
        {"row": 2, "column": "order", "reason": "unknown order 'O-404'"},
    ]
    assert crm.scalar(select(func.count()).select_from(Order)) == 0


@pytest.mark.parametrize("threshold", [1, 1_000_000], ids=["direct", "staged"])
def test_bad_rows_among_a_thousand(crm: Session, write_csv: WriteCsv, threshold: int) -> None:
    rows = [ORDER_HEADER]
    for i in range(1000):
        rows.append([f"O-{i}", "customer", str(i), "2024-03-01", "CP-1", "manager2",
                     f"{i}.5", "", "", "", "", "", "open"])
    rows[101][3] = "31.02.2024"   # row 102 of the file: the header is row 1
    rows[501][4] = "CP-404"
    rows[901][6] = "abc"
    path = write_csv(rows)
    rejected = [
        {"row": 102, "column": "date", "reason": "no such date: '31.02.2024'"},
        {"row": 502, "column": "counterparty", "reason": "unknown counterparty 'CP-404'"},
        {"row": 902, "column": "amount", "reason": "not an amount: 'abc'"},
    ]
    result = import_file(crm, "orders", path, bulk_threshold=threshold)
    crm.commit()
    assert result.as_dict() == {"created": 997, "updated": 0, "unchanged": 0,
                                "rejected": rejected}
    stored = _orders(crm)
    assert len(stored) == 997
    assert _order(crm, "O-999").amount == Decimal("999.50")
    again = import_file(crm, "orders", path, bulk_threshold=threshold)
    crm.commit()
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 997,
                               "rejected": rejected}
    assert _orders(crm) == stored


@pytest.mark.parametrize("threshold", [1, 1_000_000], ids=["direct", "staged"])
def test_bad_and_repeated_rows_across_batches(crm: Session, write_csv: WriteCsv,
                                              threshold: int) -> None:
    header = ["external_id", "direction", "number", "date", "counterparty", "amount"]
    rows = [header] + [[f"O-{i}", "customer", str(i), "2024-03-01", "CP-1", "5"]
                       for i in range(30)]
    rows[5][3] = "2024-13-01"                         # file row 6
    rows[12][0] = "O-3"                               # row 13 repeats row 5's id
    rows[20] = ["", "", "", "", "", ""]               # row 21: no data, no error
    rows[25] = ["O-25", "customer", "25"]             # row 26: too short
    rows[27][4], rows[27][5] = "CP-404", "-1"         # row 28: the first bad column counts
    settings = Settings(imports=ImportSettings(batch_size=4))
    result = import_file(crm, "orders", write_csv(rows), settings=settings,
                         bulk_threshold=threshold)
    crm.commit()
    assert result.as_dict() == {"created": 25, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 6, "column": "date", "reason": "no such date: '2024-13-01'"},
        {"row": 13, "column": "external_id", "reason": "the same external id as row 5"},
        {"row": 26, "column": "date", "reason": "the row has 3 values, the header has 6"},
        {"row": 28, "column": "counterparty", "reason": "unknown counterparty 'CP-404'"},
    ]}
    assert crm.scalar(select(func.count()).select_from(Order)) == 25


def test_windows_1251_with_semicolons_russian_headers_and_decimal_commas(
    crm: Session, write_csv: WriteCsv
) -> None:
    path = write_csv([
        ["Код", "Вид заказа", "Номер", "Дата", "Контрагент", "Ответственный", "Сумма",
         "Себестоимость", "Валюта", "Состояние"],
        ["ЗК-001", "Заказ покупателя", "ЗК-1", "05.02.2024", "CP-1", "manager1", "1\xa0234,56",
         "1 000,5", "руб.", "Выполнен"],
        ["ЗК-002", "Заказ поставщику", "ЗП-2", "06.02.2024 0:00:00", "CP-2", "", "99,9", "", "",
         "В работе"],
    ], delimiter=";", encoding="cp1251")
    result = import_file(crm, "orders", path)
    crm.commit()
    assert result.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "rejected": []}
    first, second = _order(crm, "ЗК-001"), _order(crm, "ЗК-002")
    assert (first.direction, first.number, first.date, first.amount, first.cost, first.currency,
            first.state) == ("customer", "ЗК-1", dt.date(2024, 2, 5), Decimal("1234.56"),
                             Decimal("1000.50"), "RUB", "completed")
    assert (second.direction, second.date, second.amount, second.state) == (
        "supplier", dt.date(2024, 2, 6), Decimal("99.90"), "open")


def test_columns_missing_from_a_file_are_left_alone(crm: Session, write_csv: WriteCsv) -> None:
    import_file(crm, "orders", write_csv(ORDERS))
    crm.commit()
    result = import_file(crm, "orders", write_csv([
        ["external_id", "direction", "number", "date", "counterparty", "amount"],
        ["O-1", "customer", "101", "2024-01-15", "CP-1", "2000"],
        ["O-9", "customer", "109", "2024-01-15", "CP-1", "5"],
    ]))
    crm.commit()
    assert (result.created, result.updated) == (1, 1)
    o1, o9 = _order(crm, "O-1"), _order(crm, "O-9")
    assert (o1.amount, o1.cost, o1.state, o1.manager_id is not None) == (
        Decimal("2000.00"), Decimal("600.00"), "open", True)
    assert (o9.state, o9.currency, o9.cost) == ("open", "RUB", None)
    phones_before = [p.value for p in _counterparty(crm, "CP-1").phones]
    import_file(crm, "counterparties", write_csv([["external_id", "name"], ["CP-1", "Alpha"]]))
    crm.commit()
    assert [p.value for p in _counterparty(crm, "CP-1").phones] == phones_before


def test_odd_rows(crm: Session, write_csv: WriteCsv) -> None:
    path = write_csv([
        ["external_id", "name", "inn", "address"],
        ["CP-7", "Seven", "", "line one\nline two"],
        ["CP-8", "Eight", "1234567890", ""],
        ["CP-7", "Seven again", "", ""],
        ["", "", "", ""],
        ["CP-9", "Nine"],
        ["CP-10", "Ten", "", "", "", ""],
        ["CP-11", "Eleven", "", "", "surplus"],
    ])
    result = import_file(crm, "counterparties", path)
    crm.commit()
    assert result.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 3, "column": "inn", "reason": "INN '1234567890' is not valid (10 or 12 digits "
                                              "with correct check digits)"},
        {"row": 4, "column": "external_id", "reason": "the same external id as row 2"},
        {"row": 6, "column": "inn", "reason": "the row has 2 values, the header has 4"},
        {"row": 8, "column": "", "reason": "the row has 5 values, the header has 4 "
                                           "(a delimiter inside an unquoted value?)"},
    ]}
    assert [a.value for a in _counterparty(crm, "CP-7").addresses] == ["line one\nline two"]


def _orders(session: Session) -> list[tuple[object, ...]]:
    """Every order as stored, in the order of its external id."""
    return [tuple(row) for row in session.execute(
        select(Order.external_id, Order.id, Order.number, Order.amount, Order.counterparty_id)
        .order_by(Order.external_id))]


def _structure(session: Session | Connection, table: str = "orders") -> tuple[list[str], ...]:
    inspector = inspect(session.connection() if isinstance(session, Session) else session)
    return (sorted(i["name"] or "" for i in inspector.get_indexes(table)),
            sorted(fk["name"] or "" for fk in inspector.get_foreign_keys(table)),
            sorted(u["name"] or "" for u in inspector.get_unique_constraints(table)),
            [inspector.get_pk_constraint(table)["name"] or ""])


def test_big_loads_rebuild_indexes_and_foreign_keys(crm: Session, write_csv: WriteCsv) -> None:
    """Big loads set indexes (and PostgreSQL's foreign keys and keys) aside; they must all come
    back."""
    before = _structure(crm)
    assert {"ix_orders_number", "ix_orders_counterparty_date"} <= set(before[0])
    assert len(before[1]) == 2
    assert before[2:] == (["uq_orders_external_id"], ["pk_orders"])
    shipments_before = _structure(crm, "shipments")
    assert shipments_before[2:] == (["uq_shipments_external_id"], ["pk_shipments"])
    # Into the empty table: rows go straight in (no staging).
    first = import_file(crm, "orders", write_csv(ORDERS), bulk_threshold=1)
    crm.commit()
    assert (first.created, _structure(crm)) == (2, before)
    # More new rows than there are: staged, merged, inserted with the indexes set aside.
    more = [*ORDERS] + [[f"O-{i}", "customer", str(i), "2024-02-01", "CP-3", "", "7", "", "", "",
                         "", "", ""] for i in range(3, 8)]
    more[1] = [*more[1][:6], "1111", *more[1][7:]]
    second = import_file(crm, "orders", write_csv(more), bulk_threshold=1)
    crm.commit()
    assert (second.created, second.updated, second.unchanged) == (5, 1, 1)
    assert _structure(crm) == before
    assert _order(crm, "O-1").amount == Decimal("1111.00")
    assert crm.scalar(select(func.count()).select_from(Order)) == 7
    # A table no other refers to: its primary key too is set aside, and comes back.
    shipments = import_file(crm, "shipments", write_csv([
        ["external_id", "order", "date", "revenue"],
        ["S-1", "O-1", "2024-01-25", "10"], ["S-2", "O-2", "2024-01-26", "20,5"],
    ]), bulk_threshold=1)
    crm.commit()
    assert (shipments.created, _structure(crm, "shipments")) == (2, shipments_before)
    assert sorted(crm.scalars(select(Shipment.revenue))) == [Decimal("10.00"), Decimal("20.50")]


class DiskFull(Exception):
    """What stops a load halfway in the test below."""


@pytest.mark.parametrize("road", ["direct", "staged"])
def test_a_load_that_fails_midway_leaves_the_table_and_its_indexes_as_they_were(
    crm: Session, write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch, road: str
) -> None:
    """Indexes (and PostgreSQL's keys) are set aside in the import's transaction: when the load
    fails between dropping and rebuilding them, the rollback brings them back with the rows."""
    if road == "staged":  # a table with rows: the new ones are merged in, indexes set aside
        import_file(crm, "orders", write_csv(ORDERS))
        crm.commit()
    before, stored = _structure(crm), _orders(crm)
    inside: list[tuple[list[str], ...]] = []
    set_aside = bulk.indexes_set_aside

    @contextmanager
    def failing_set_aside(connection: Connection, table: Table, **options: bool
                          ) -> Iterator[None]:
        with set_aside(connection, table, **options):
            inside.append(_structure(connection))
            yield
            raise DiskFull  # the rows are in (the staged road's INSERT), the indexes are not

    batches = 0
    load = DirectLoad.load

    def failing_load(self: DirectLoad, batch: Batch) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise DiskFull  # in the middle of the COPY (executemany on SQLite)
        load(self, batch)

    monkeypatch.setattr(bulk, "indexes_set_aside", failing_set_aside)
    monkeypatch.setattr(DirectLoad, "load", failing_load)
    rows = [ORDER_HEADER] + [[f"O-{i}", "customer", str(i), "2024-02-01", "CP-3", "", "7", "",
                              "", "", "", "", ""] for i in range(10, 30)]
    settings = Settings(imports=ImportSettings(batch_size=4))
    with pytest.raises(DiskFull):
        import_file(crm, "orders", write_csv(rows), settings=settings, bulk_threshold=1)
    crm.rollback()
    assert inside and inside[0] != before  # they had been set aside ...
    assert (_structure(crm), _orders(crm)) == (before, stored)  # ... and are as they were
    assert batches == (3 if road == "direct" else 0)

    monkeypatch.undo()
    result = import_file(crm, "orders", write_csv(rows), settings=settings, bulk_threshold=1)
    crm.commit()
    assert (result.created, len(_orders(crm)), _structure(crm)) == (20, len(stored) + 20, before)


def test_a_direct_load_numbers_rows_from_the_sequence(crm: Session, write_csv: WriteCsv) -> None:
    """On PostgreSQL a direct load takes its ids from the id sequence in one go; the rows after
    it are numbered after them, and a file whose rows outnumber the reservation still loads."""
    first = import_file(crm, "orders", write_csv(ORDERS), bulk_threshold=1)
    crm.commit()
    later = import_file(crm, "orders", write_csv([ORDER_HEADER, [
        "O-3", "customer", "103", "2024-01-15", "CP-1", "", "1", "", "", "", "", "", ""]]))
    crm.commit()
    assert (first.created, later.created) == (2, 1)
    ids = [row[1] for row in _orders(crm)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    ranges = IdRange.of(crm.connection(), "shipments", 2)
    if crm.connection().dialect.name != "postgresql":
        assert ranges is None  # SQLite numbers rows itself
        return
    assert ranges is not None
    taken = [int(i) for i in ranges.take(1) + ranges.take(4)]  # 2 reserved, then 3 more
    assert taken == sorted(set(taken)) and len(taken) == 5 and taken[1] == taken[0] + 1
    nextval = crm.scalar(text("SELECT nextval(pg_get_serial_sequence('shipments', 'id'))"))
    assert nextval is not None and int(nextval) > max(taken)


def test_the_rebuild_settings_last_only_for_the_rebuild(crm: Session, write_csv: WriteCsv
                                                        ) -> None:
    if crm.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's settings")
    names = list(bulk.REBUILD_SETTINGS)

    def current() -> list[object]:
        return [crm.scalar(text("SELECT current_setting(:name)"), {"name": name})
                for name in names]

    before = current()
    assert before != list(bulk.REBUILD_SETTINGS.values())
    assert import_file(crm, "orders", write_csv(ORDERS), bulk_threshold=1).created == 2
    assert current() == before  # still in the import's transaction
    crm.commit()
