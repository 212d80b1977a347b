"""The card shows the labels of phones and addresses, as the ERP import fills them."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.erp_import import import_file
from letterpress.crm.model import Counterparty
from letterpress.testing.web import login_as
from tests.web.conftest import People


def test_the_card_shows_labels_of_phones_and_addresses(
    client: FlaskClient, people: People, session: Session, tmp_path: Path
) -> None:
    counterparties = tmp_path / "counterparties.csv"
    counterparties.write_text(
        "Код;Наименование;Телефоны;Юридический адрес;Ответственный\n"
        "L-1;ООО Ромашка;рабочий: +7 495 123-45-67|+7 900 000-00-00;Москва, ул. Ленина, 1;"
        f"{people.manager.login}\n", encoding="utf-8")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Код;Контрагент;ФИО;Телефоны\n"
                        "K-1;L-1;Анна Смирнова;+7 916 000-00-01 (мобильный)\n", encoding="utf-8")
    assert import_file(session, "counterparties", counterparties).created == 1
    assert import_file(session, "contacts", contacts).created == 1
    session.commit()
    cp = session.scalars(select(Counterparty).filter_by(external_id="L-1")).one()

    login_as(client, people.manager)
    response = client.get(f"/counterparties/{cp.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in (
        '+7 495 123-45-67</a> <span class="muted">(рабочий)</span>',
        '+7 900 000-00-00</a></dd>',  # no label: nothing after it
        'Москва, ул. Ленина, 1 <span class="muted">(юридический)</span>',
        '+7 916 000-00-01</a> <span class="muted">(мобильный)</span>',
    ):
        assert shown in page, shown
