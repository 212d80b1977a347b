"""Labels of phones and addresses: ``рабочий: +7 ...``, ``+7 ... (рабочий)``, and 1C's columns
"Юридический адрес", "Фактический адрес", "Почтовый адрес"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.erp_import import import_file
from letterpress.crm.erp_import.kinds import LABEL_LENGTH
from letterpress.crm.model import (
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyPhone,
)
from tests.crm.erp_import.conftest import WriteCsv

HEADER = ["Код", "Наименование", "Телефоны", "Адрес", "Юридический адрес", "Фактический адрес",
          "Почтовый адрес"]
ROWS = [
    HEADER,
    ["L-1", "Альфа", "рабочий: +7 495 123-45-67|+7 900 111-11-11 (мобильный)|8 (800) 000-00-00",
     "склад: Подольск, ул. Заводская, 5", "г. Москва, ул. Ленина, д. 1", "г. Москва, Тверская, 7",
     ""],
    ["L-2", "Бета", "", "", "", "", "а/я 15, Москва"],
]


def _phones(session: Session, external_id: str) -> list[tuple[str, str | None]]:
    cp = session.scalars(select(Counterparty).filter_by(external_id=external_id)).one()
    return [(p.value, p.label) for p in cp.phones]


def _addresses(session: Session, external_id: str) -> list[tuple[str, str | None]]:
    cp = session.scalars(select(Counterparty).filter_by(external_id=external_id)).one()
    return [(a.value, a.label) for a in cp.addresses]


def test_labelled_phones_and_addresses_import_once_and_edits_update(
    crm: Session, write_csv: WriteCsv
) -> None:
    path = write_csv(ROWS, delimiter=";", encoding="cp1251")
    first = import_file(crm, "counterparties", path)
    crm.commit()
    assert first.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "rejected": []}
    assert _phones(crm, "L-1") == [("+7 495 123-45-67", "рабочий"),
                                   ("+7 900 111-11-11", "мобильный"), ("8 (800) 000-00-00", None)]
    assert _addresses(crm, "L-1") == [("Подольск, ул. Заводская, 5", "склад"),
                                      ("г. Москва, ул. Ленина, д. 1", "юридический"),
                                      ("г. Москва, Тверская, 7", "фактический")]
    assert _addresses(crm, "L-2") == [("а/я 15, Москва", "почтовый")]

    again = import_file(crm, "counterparties", path)
    crm.commit()
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 2, "rejected": []}

    edited = [list(row) for row in ROWS]
    edited[1][2] = "офис: +7 495 123-45-67|+7 900 111-11-11 (мобильный)|8 (800) 000-00-00"
    edited[2][5], edited[2][6] = edited[2][6], ""  # the same address, now as the actual one
    result = import_file(crm, "counterparties", write_csv(edited))
    crm.commit()
    assert result.as_dict() == {"created": 0, "updated": 2, "unchanged": 0, "rejected": []}
    assert _phones(crm, "L-1")[0] == ("+7 495 123-45-67", "офис")
    assert _addresses(crm, "L-2") == [("а/я 15, Москва", "фактический")]
    # Only a label taken away is a change too.
    edited[1][2] = "+7 495 123-45-67|+7 900 111-11-11 (мобильный)|8 (800) 000-00-00"
    result = import_file(crm, "counterparties", write_csv(edited))
    crm.commit()
    assert (result.updated, result.unchanged) == (1, 1)
    assert _phones(crm, "L-1")[0] == ("+7 495 123-45-67", None)


def test_the_address_columns_make_one_list(crm: Session, write_csv: WriteCsv) -> None:
    """Any address column in a file replaces the whole list (as the other lists are replaced);
    a file without one leaves the addresses alone."""
    import_file(crm, "counterparties", write_csv(ROWS))
    crm.commit()
    import_file(crm, "counterparties", write_csv([["Код", "Наименование"], ["L-1", "Альфа"]]))
    crm.commit()
    assert len(_addresses(crm, "L-1")) == 3
    result = import_file(crm, "counterparties", write_csv([
        ["Код", "Наименование", "Юридический адрес"],
        ["L-1", "Альфа", "г. Москва, ул. Ленина, д. 1"]]))
    crm.commit()
    assert result.updated == 1
    assert _addresses(crm, "L-1") == [("г. Москва, ул. Ленина, д. 1", "юридический")]
    assert crm.scalars(select(CounterpartyAddress.position)
                       .join(Counterparty).filter_by(external_id="L-1")).all() == [0]


def test_contacts_phones_take_labels_too(crm: Session, write_csv: WriteCsv) -> None:
    rows = [["external_id", "counterparty", "name", "phones"],
            ["K-1", "CP-1", "Анна Смирнова", "мобильный: +7 916 000-00-01|+7 495 111-11-11 (доб.)"]]
    assert import_file(crm, "contacts", write_csv(rows)).created == 1
    crm.commit()
    anna = crm.scalars(select(ContactPerson).filter_by(external_id="K-1")).one()
    assert [(p.value, p.label, p.position) for p in anna.phones] == [
        ("+7 916 000-00-01", "мобильный", 0), ("+7 495 111-11-11", "доб.", 1)]
    assert import_file(crm, "contacts", write_csv(rows)).unchanged == 1
    rows[1][3] = "личный: +7 916 000-00-01|+7 495 111-11-11 (доб.)"
    assert import_file(crm, "contacts", write_csv(rows)).updated == 1
    crm.commit()
    assert crm.scalars(select(ContactPhone.label).order_by(ContactPhone.position)).all() == [
        "личный", "доб."]


def test_labels_fit_the_label_columns() -> None:
    """The import reads labels up to LABEL_LENGTH characters: what every label column holds."""
    for model in (CounterpartyPhone, CounterpartyAddress, ContactPhone):
        assert getattr(model.__table__.c.label.type, "length", None) == LABEL_LENGTH
