"""The mail section: mailboxes with their state, a mailbox's letters, unfiled letters and filing
them by hand, the ambiguous queue, and the administrator's list of unparsable letters."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    AmbiguousMatch,
    ContactPerson,
    Counterparty,
    LetterLink,
    MailFolder,
)
from letterpress.testing import letters, mailstore
from letterpress.testing.web import csrf_token, login_as
from tests.web.conftest import MailWorld, People


def test_the_mail_index_lists_mailboxes_with_their_folders_state(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    session.execute(update(MailFolder).where(MailFolder.mailbox_id == mail_world.m1_box,
                                             MailFolder.name == "INBOX")
                    .values(last_sync_at=dt.datetime(2025, 3, 10, 7, 5, tzinfo=dt.UTC)))
    session.execute(update(MailFolder).where(MailFolder.mailbox_id == mail_world.sales_box)
                    .values(last_error="LOGIN failed: authentication failed", last_sync_at=None))
    session.commit()
    login_as(client, people.manager)
    response = client.get("/mail/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Почтовые ящики", "m1-box", "sales", "Личный", "Общий", "Иван Петров",
                 "10.03.2025 10:05", "INBOX", "Sent", "5 писем",
                 "Ошибка: LOGIN failed: authentication failed", "никогда",
                 "Неразобранные", "Неоднозначные", "Написать письмо — скоро"):
        assert text in page, text
    assert "m2-box" not in page
    assert "Неразобранные письма с ошибками" not in page  # for administrators only
    assert 'aria-current="page">Почта' in page
    unfiled = page.split('href="/mail/unfiled"')[1].split("</a>")[0]
    assert '<span class="count">3</span>' in unfiled  # newprint, gmail, and the ambiguous one
    login_as(client, people.admin)
    assert "Неразобранные письма с ошибками" in client.get("/mail/").get_data(as_text=True)


def test_a_user_without_mailboxes_is_told_where_they_come_from(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.head)
    page = client.get("/mail/").get_data(as_text=True)
    assert "У вас пока нет почтовых ящиков" in page


def test_a_mailbox_lists_its_letters_newest_first_in_pages(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    box = mailstore.mailbox(session, "archive", owner="manager1")
    mailstore.deliver(session, box, [
        letters.letter(message_id=f"p{i}@romashka.ru", subject=f"Письмо номер {i:02d}",
                       sender=("Анна Смирнова", "anna@romashka.ru"),
                       date=dt.datetime(2025, 1, 1 + i, 9, 0, tzinfo=dt.UTC))
        for i in range(7)])
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/mail/boxes/{box.id}").get_data(as_text=True)
    assert "7 писем" in page and "показаны 1–5" in page
    order = [page.index(f"Письмо номер {i:02d}") for i in (6, 5, 4, 3, 2)]
    assert order == sorted(order)
    assert "Письмо номер 01" not in page and "ООО Ромашка" in page  # filed to
    second = client.get(f"/mail/boxes/{box.id}?page=2").get_data(as_text=True)
    assert "Письмо номер 01" in second and "Письмо номер 00" in second
    assert "Письмо номер 06" not in second


def test_a_mailbox_filters_by_folder(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    sent = session.scalar(select(MailFolder.id).where(MailFolder.mailbox_id == mail_world.m1_box,
                                                      MailFolder.name == "Sent"))
    login_as(client, people.manager)
    page = client.get(f"/mail/boxes/{mail_world.m1_box}?folder={sent}").get_data(as_text=True)
    assert "Re: Макет обложки" in page and "Знакомство: НьюПринт" not in page
    assert "→ Анна Смирнова" in page  # an outgoing letter names its recipient
    page = client.get(f"/mail/boxes/{mail_world.m1_box}?folder=999").get_data(as_text=True)
    assert "Знакомство: НьюПринт" in page  # a folder of another mailbox: all folders


def test_unfiled_letters_are_listed_with_a_way_to_file_them(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    page = client.get("/mail/unfiled").get_data(as_text=True)
    assert "Знакомство: НьюПринт" in page and "Визитки" in page
    assert "Макет обложки" not in page  # filed
    assert page.index("Визитки") < page.index("Знакомство: НьюПринт")  # newest first
    assert f'href="/mail/unfiled/{mail_world.unfiled}"' in page


def test_the_filing_page_prefills_a_counterparty_from_the_sender(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/mail/unfiled/{mail_world.unfiled}").get_data(as_text=True)
    assert 'name="new-name" required type="text" value="Newprint"' in page
    assert '<option selected value="customer">' in page
    assert "Домен newprint.ru станет доменом контрагента" in page
    assert 'value="Ольга Новикова"' in page  # the contact person's name
    page = client.get(f"/mail/unfiled/{mail_world.unfiled_gmail}").get_data(as_text=True)
    assert 'value="Семён Частников"' in page and '<option selected value="person">' in page
    assert "gmail.com — общедоступная почта" in page


def test_creating_a_counterparty_from_an_unfiled_letter(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/mail/unfiled/{mail_world.unfiled}"
    token = csrf_token(client, path)
    assert client.post(f"{path}/counterparty", data={
        "new-name": "НьюПринт", "new-kind": "customer"}).status_code == 400  # no token
    response = client.post(f"{path}/counterparty", data={
        "new-csrf_token": token, "new-name": "  ", "new-kind": "customer"})
    assert response.status_code == 400 and "Введите название." in response.get_data(as_text=True)
    response = client.post(f"{path}/counterparty", data={
        "new-csrf_token": token, "new-name": "НьюПринт", "new-kind": "customer"})
    assert response.status_code == 302
    session.rollback()
    cp = session.scalars(select(Counterparty).where(Counterparty.name == "НьюПринт")).one()
    assert response.headers["Location"] == f"/counterparties/{cp.id}"
    assert [d.domain for d in cp.domains] == ["newprint.ru"] and cp.manager_id == people.manager.id
    assert session.scalar(select(LetterLink.counterparty_id).where(
        LetterLink.letter_id == mail_world.unfiled)) == cp.id
    card = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Контрагент создан. Разнесено 1 письмо." in card
    assert "Ольга Новикова" in card and "Знакомство: НьюПринт" in card
    assert "Знакомство: НьюПринт" not in client.get("/mail/unfiled").get_data(as_text=True)


def test_adding_the_sender_as_a_contact_person(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/mail/unfiled/{mail_world.unfiled_gmail}"
    page = client.get(f"{path}?q=ромашк").get_data(as_text=True)
    assert f'name="contact-counterparty" value="{mail_world.romashka}"' in page
    assert "ООО Ромашка" in page
    token = csrf_token(client, path)
    response = client.post(f"{path}/contact", data={"contact-csrf_token": token,
                                                    "contact-name": "Семён"})
    assert response.status_code == 400 and "Выберите контрагента." in response.get_data(
        as_text=True)
    response = client.post(f"{path}/contact", data={
        "contact-csrf_token": token, "contact-counterparty": "999999", "contact-name": "Семён"})
    assert response.status_code == 400
    response = client.post(f"{path}/contact", data={
        "contact-csrf_token": token, "contact-counterparty": str(mail_world.romashka),
        "contact-name": "Семён Частников"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/counterparties/{mail_world.romashka}"
    session.rollback()
    person = session.scalars(select(ContactPerson).where(
        ContactPerson.name == "Семён Частников")).one()
    assert person.counterparty_id == mail_world.romashka and person.created_from_mail
    assert session.scalar(select(LetterLink.counterparty_id).where(
        LetterLink.letter_id == mail_world.unfiled_gmail)) == mail_world.romashka
    assert client.post(f"{path}/contact", data={
        "contact-counterparty": str(mail_world.romashka)}).status_code == 400  # no token


def test_strangers_cannot_file_letters_they_cannot_read(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.other)
    token = csrf_token(client, "/mail/")
    path = f"/mail/unfiled/{mail_world.unfiled}"
    assert client.get(path).status_code == 404
    assert client.post(f"{path}/counterparty", data={
        "new-csrf_token": token, "new-name": "Захват", "new-kind": "customer"}).status_code == 404
    assert client.post(f"{path}/contact", data={
        "contact-csrf_token": token, "contact-counterparty": str(mail_world.romashka)},
    ).status_code == 404
    assert session.scalar(select(Counterparty).where(Counterparty.name == "Захват")) is None


def test_the_ambiguous_queue_and_resolving_it(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    item = session.scalars(select(AmbiguousMatch)).one()
    north = session.scalar(select(Counterparty.id).where(Counterparty.name == "Холдинг Север"))
    south = session.scalar(select(Counterparty.id).where(Counterparty.name == "Холдинг Юг"))
    login_as(client, people.other)
    token = csrf_token(client, "/mail/ambiguous")
    assert "Запрос от холдинга" not in client.get("/mail/ambiguous").get_data(as_text=True)
    assert client.post(f"/mail/ambiguous/{item.id}", data={
        "csrf_token": token, "counterparty": str(north)}).status_code == 404
    login_as(client, people.manager)
    page = client.get("/mail/ambiguous").get_data(as_text=True)
    assert "Запрос от холдинга" in page and "buyer@holding.ru" in page
    assert "Отнести к «Холдинг Север»" in page and "Отнести к «Холдинг Юг»" in page
    token = csrf_token(client, "/mail/ambiguous")
    assert client.post(f"/mail/ambiguous/{item.id}",
                       data={"counterparty": str(north)}).status_code == 400  # no token
    assert client.post(f"/mail/ambiguous/{item.id}", data={
        "csrf_token": token, "counterparty": str(mail_world.romashka)}).status_code == 403
    assert client.post(f"/mail/ambiguous/{item.id}", data={
        "csrf_token": token, "counterparty": "x"}).status_code == 400
    response = client.post(f"/mail/ambiguous/{item.id}", data={
        "csrf_token": token, "counterparty": str(south)})
    assert response.status_code == 302 and response.headers["Location"] == "/mail/ambiguous"
    session.rollback()
    session.expire_all()
    assert session.get(AmbiguousMatch, item.id).resolved  # type: ignore[union-attr]
    link = session.scalars(select(LetterLink).where(
        LetterLink.letter_id == mail_world.ambiguous)).one()
    assert (link.counterparty_id, link.rule) == (south, "manual")
    page = client.get("/mail/ambiguous").get_data(as_text=True)
    assert "Письмо разнесено." in page and "Запрос от холдинга" not in page


def test_unparsable_letters_are_listed_for_administrators(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    assert client.get("/mail/errors").status_code == 403
    assert client.get(f"/mail/letters/{mail_world.broken}/original.eml").status_code == 200
    login_as(client, people.admin)
    page = client.get("/mail/errors").get_data(as_text=True)
    assert "Неразобранные письма с ошибками" in page and "ParseFailure" in page
    assert "m1-box / INBOX" in page
    assert f'href="/mail/letters/{mail_world.broken}/original.eml"' in page
    response = client.get(f"/mail/letters/{mail_world.broken}/original.eml")
    assert response.data == mail_world.raws["broken"]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    letter = client.get(f"/mail/letters/{mail_world.broken}").get_data(as_text=True)
    assert "Письмо не удалось разобрать" in letter


def test_mail_pages_hold_no_inline_script(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.admin)
    for path in ("/mail/", f"/mail/boxes/{mail_world.m1_box}", "/mail/unfiled",
                 f"/mail/unfiled/{mail_world.unfiled}", "/mail/ambiguous", "/mail/errors",
                 f"/mail/letters/{mail_world.hostile}",
                 f"/counterparties/{mail_world.romashka}/letters"):
        text = client.get(path).get_data(as_text=True).lower()
        assert "<script" not in text and " onclick=" not in text and " style=" not in text, path
