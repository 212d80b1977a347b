"""The list's and the card's rows as written in Python (issue 7: the two pages' CPU): the list's
rows (counterparties/rows.py), the card's rows read as rows rather than ORM objects
(counterparties/card.py) and written out once (counterparties/display.py). They must show what
the templates and the ORM showed: escaped, in the same order, with the same permissions."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from letterpress.crm import ledger
from letterpress.crm.model import ContactPhone, CounterpartyAddress, CounterpartyPhone
from letterpress.testing import factories
from letterpress.testing.web import login_as
from letterpress.web.templating import formats
from tests.web.conftest import People

UTC = dt.UTC


def _row(page: str, name: str) -> str:
    """The list's <tr> that holds ``name`` (as escaped in the page)."""
    rows = [row for row in page.split("<tr>") if name in row]
    assert len(rows) == 1, name
    return rows[0].split("</tr>")[0]


def test_list_rows_escape_values_and_leave_empty_cells_empty(
    client: FlaskClient, people: People, session: Session
) -> None:
    f = factories
    f.make_counterparty(session, '<b>"Ромашка" & Co</b>', legal_name="<i>ООО</i>",
                        manager=people.manager, phones=["+7 (495) 123-45-67"])
    f.make_counterparty(session, "Бета", city="Тверь", inn=f.valid_inn(3),
                        emails=["Sales@beta.example"])
    session.commit()
    login_as(client, people.manager)
    page = client.get("/counterparties/").get_data(as_text=True)
    assert "<b>" not in page and "<i>ООО" not in page
    row = _row(page, "&lt;b&gt;&#34;Ромашка&#34; &amp; Co&lt;/b&gt;")
    assert '<span class="cell-sub">&lt;i&gt;ООО&lt;/i&gt;</span>' in row
    # Nothing in an empty cell, not even a space: on a phone td:empty hides it.
    assert '<td data-label="ИНН" class="mono"></td>' in row
    assert '<td data-label="Город"></td>' in row
    assert '<td data-label="Последний контакт" class="num"></td>' in row
    assert '<a class="contacts__phone" href="tel:+74951234567">+7 (495) 123-45-67</a>' in row
    # Its menu: the card, a done event, a planned one; no letter without an address.
    menu = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', row)
    assert [label for _href, label in menu] == [
        "Открыть карточку", "Зарегистрировать выполненное событие", "Запланировать событие"]
    assert menu[1][0].endswith("?new_event=done#new-event")
    assert '<span class="visually-hidden">: &lt;b&gt;' in row  # the toggle's accessible name
    beta = _row(page, ">Бета</a>")
    assert '<td data-label="Город">Тверь</td>' in beta
    assert ('<a class="contacts__email" href="mailto:sales@beta.example">sales@<wbr>'
            'beta.example</a>') in beta
    assert '<li><a href="mailto:sales@beta.example">Написать письмо</a></li>' in beta


def test_the_list_speaks_the_viewers_language_whatever_the_one_before(
    app: Flask, people: People, session: Session
) -> None:
    """The words translated once per language (i18n.per_language) are each language's own."""
    factories.make_counterparty(session, "Альфа", manager=people.manager)
    people.other.language = "en"
    session.commit()
    russian, english = app.test_client(), app.test_client()
    login_as(russian, people.manager)
    login_as(english, people.other)
    for _ in range(2):
        assert "<td data-label=\"Вид\">Покупатель</td>" in russian.get(
            "/counterparties/").get_data(as_text=True)
        page = english.get("/counterparties/").get_data(as_text=True)
        assert '<td data-label="Kind">Customer</td>' in page and "Open the card" in page


def test_formats_follow_the_locale_of_the_moment(app: Flask) -> None:
    """The request's Formats are remembered beside the locale, so force_locale still wins."""
    moment = dt.datetime(2025, 3, 3, 7, 30, tzinfo=UTC)
    with app.test_request_context():
        assert formats().date(moment) == "03.03.2025"
        with force_locale("en"):
            assert formats().date(moment) == "3 Mar 2025"
            assert formats().datetime(moment) == "3 Mar 2025, 10:30"
        assert formats().datetime(moment) == "03.03.2025 10:30"


def test_the_cards_unfulfilled_orders_are_the_ledgers_in_its_order(
    client: FlaskClient, people: People, session: Session
) -> None:
    f = factories
    cp = f.make_counterparty(session, "Ромашка", manager=people.manager)
    for number, direction, planned, date in (
        ("П-3", "supplier", dt.date(2025, 1, 5), dt.date(2025, 1, 1)),
        ("К-2", "customer", dt.date(2025, 3, 1), dt.date(2025, 1, 2)),
        ("К-1", "customer", dt.date(2025, 2, 1), dt.date(2025, 1, 3)),
        ("К-0", "customer", None, dt.date(2025, 1, 4)),
        ("К-4", "customer", dt.date(2025, 2, 1), dt.date(2024, 12, 1)),
        ("П-5", "supplier", None, dt.date(2025, 1, 6)),
    ):
        f.make_order(session, cp, number=number, direction=direction, planned_execution=planned,
                     date=date, planned_shipment=dt.date(2020, 1, 1))
    f.make_order(session, cp, number="К-9", state="completed")
    session.commit()
    expected = [o.number for o in ledger.unfulfilled_orders(session, cp.id, direction=None)]
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{cp.id}").get_data(as_text=True)
    section = page.split('id="open-orders"')[1].split("</section>")[0]
    assert re.findall(r"<span>(\S+) от ", section) == expected
    assert section.count("просрочено") == len(expected)  # planned shipments long past


def test_the_cards_channels_and_contacts_in_their_order(
    client: FlaskClient, people: People, session: Session
) -> None:
    f = factories
    cp = f.make_counterparty(session, "Ромашка", manager=people.manager,
                             emails=["first@romashka.ru", "second@romashka.ru"])
    session.add_all([
        CounterpartyPhone(counterparty_id=cp.id, value="+7 222", label="склад", position=2),
        CounterpartyPhone(counterparty_id=cp.id, value="+7 111", position=1),
        CounterpartyAddress(counterparty_id=cp.id, value="Тверь, ул. Мира, 2", position=0),
    ])
    yulia = f.make_contact(session, cp, "юлия Абрамова", emails=["yulia@romashka.ru"])
    session.add(ContactPhone(contact_id=yulia.id, value="+7 916 2", label="мобильный",
                             position=1))
    session.add(ContactPhone(contact_id=yulia.id, value="+7 916 1", position=0))
    f.make_contact(session, cp, "Ёлкин Борис")
    f.make_contact(session, cp, "Личный Петра", owner=people.other, phones=["+7 999"])
    other = f.make_counterparty(session, "Другая")
    stranger = f.make_contact(session, other, "Чужой Контакт")
    f.make_event(session, cp, author=people.manager, contact=stranger, subject="С чужим")
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{cp.id}").get_data(as_text=True)
    channels = page.split('id="channels-title"')[1].split("</section>")[0]
    assert channels.index("+7 111") < channels.index("+7 222") < channels.index("(склад)")
    assert channels.index("first@") < channels.index("second@")
    assert "Тверь, ул. Мира, 2" in channels
    assert 'href="mailto:first@romashka.ru">Написать письмо' in page
    contacts = page.split('id="contacts"')[1].split("</section>")[0]
    # by name whatever the case, ё as е; someone else's personal contact is not there
    assert contacts.index("Ёлкин") < contacts.index("юлия") and "Личный Петра" not in contacts
    assert "+7 999" not in page
    assert contacts.index("+7 916 1") < contacts.index("+7 916 2") < contacts.index("(мобильный)")
    assert "yulia@romashka.ru" in contacts
    # an event's contact person of another counterparty is still named
    assert "с Чужой Контакт" in page
    options = page.split('name="event-contact_person"')[1].split("</select>")[0]
    assert re.findall(r'<option[^>]*>([^<]+)</option>', options) == [
        "—", "Ёлкин Борис", "юлия Абрамова"]
