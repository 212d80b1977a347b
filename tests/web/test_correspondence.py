"""A counterparty's correspondence (полная информация о клиенте): threads, newest first, each
letter with its headers, text or sanitised HTML, attachments and original; and the card's
summary of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress.testing import letters, mailstore
from letterpress.testing.web import login_as
from tests.web.conftest import INVOICE_NAME, MailWorld, People


def _threads(page: str) -> list[str]:
    return re.findall(r'<h2 class="thread__subject">(.*?)</h2>', page, re.DOTALL)


def test_letters_come_grouped_by_thread_newest_first(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    response = client.get(f"/counterparties/{mail_world.romashka}/letters")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    subjects = _threads(page)
    # The secret letter (5 March) is newest but not the manager's: a bare line, no subject.
    assert len(subjects) == 3
    assert "Письмо (нет доступа)" in subjects[0]
    assert "Макет обложки" in subjects[1] and "Заявка на тираж" in subjects[2]
    thread = page.split(f'id="thread-{mail_world.hostile}"')[1].split("</section>")[0]
    assert "2 письма" in thread
    # Newest first inside the thread too: the reply, then the original.
    assert thread.index("Спасибо, получили макет.") < thread.index('">Макет обложки</a>')
    for text in ("Анна Смирнова &lt;anna@romashka.ru&gt;",
                 "Иван Петров &lt;ivan@letterpress.test&gt;",
                 "03.03.2025 13:00", "04.03.2025 12:00", INVOICE_NAME, "Скачать .eml",
                 f'src="/mail/letters/{mail_world.hostile}/body"',
                 f'href="/mail/letters/{mail_world.hostile}/original.eml"',
                 f'href="/mail/letters/{mail_world.hostile}/attachments/{mail_world.invoice}"'):
        assert text in thread, text
    assert "4 письма, 3 цепочки" in page  # the secret letter counts, as a bare line
    assert "Секретное" not in page and "Конфиденциальные" not in page
    assert "evil.example" not in page and "<script" not in page.lower()


def test_show_images_is_per_letter(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    path = f"/counterparties/{mail_world.romashka}/letters"
    page = client.get(path).get_data(as_text=True)
    link = f'href="{path}?images={mail_world.hostile}#letter-{mail_world.hostile}"'
    assert link in page
    page = client.get(f"{path}?images={mail_world.hostile}").get_data(as_text=True)
    assert f'src="/mail/letters/{mail_world.hostile}/body?images=1"' in page
    assert "Показать изображения" not in page


def test_threads_page(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    box = mailstore.mailbox(session, "more", owner="manager1")
    mailstore.deliver(session, box, [
        letters.letter(message_id=f"t{i}@romashka.ru", subject=f"Цепочка {i}",
                       sender=("Анна Смирнова", "anna@romashka.ru"),
                       date=dt.datetime(2024, 12, 1 + i, tzinfo=dt.UTC))
        for i in range(4)])
    session.commit()
    login_as(client, people.manager)
    path = f"/counterparties/{mail_world.romashka}/letters"
    first = _threads(client.get(path).get_data(as_text=True))
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert len(first) == 5 and len(_threads(second)) == 2  # 7 threads, 5 a page
    assert "Цепочка 1" in second and "Цепочка 0" in second and "Цепочка 3" not in second


def test_the_card_summarises_the_correspondence(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{mail_world.romashka}").get_data(as_text=True)
    section = page.split('id="correspondence"')[1].split("</section>")[0]
    # The newest threads come after the card (js/card.js); the panel holds the link meanwhile.
    assert "Переписка" in section and "Вся переписка" in section
    assert f'data-fragment="/counterparties/{mail_world.romashka}/threads"' in section
    assert 'src="/static/js/card.js"' in page
    fragment = client.get(f"/counterparties/{mail_world.romashka}/threads")
    assert fragment.status_code == 200
    threads = fragment.get_data(as_text=True)
    assert "<html" not in threads and "Вся переписка" in threads
    assert "Макет обложки" in threads and "Заявка на тираж" in threads
    assert "Письмо (нет доступа)" in threads and "Секретное" not in threads
    assert f'href="/counterparties/{mail_world.romashka}/letters#thread-{mail_world.hostile}"' \
        in threads
    assert threads.index("Письмо (нет доступа)") < threads.index("Макет обложки")  # newest first
    # The event history links letters the viewer may read.
    assert f'href="/mail/letters/{mail_world.hostile}"' in page
    assert f'href="/mail/letters/{mail_world.secret}"' not in page


@pytest.mark.parametrize(("who", "readable", "unreadable"), [
    ("manager", {"Макет обложки", "Заявка на тираж"}, {"Секретное предложение"}),
    ("other", {"Секретное предложение"}, {"Макет обложки", "Заявка на тираж"}),
    ("head", set(), {"Макет обложки", "Заявка на тираж", "Секретное предложение"}),
    ("admin", {"Макет обложки", "Заявка на тираж", "Секретное предложение"}, set()),
    (None, set(), set()),
])
def test_the_threads_panel_follows_the_permission_function(
    client: FlaskClient, people: People, mail_world: MailWorld, who: str | None,
    readable: set[str], unreadable: set[str],
) -> None:
    if who is not None:
        login_as(client, getattr(people, who))
    response = client.get(f"/counterparties/{mail_world.romashka}/threads")
    if who is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for subject in readable:
        assert subject in text, (who, subject)
    for subject in unreadable:
        assert subject not in text, (who, subject)
    assert text.count("Письмо (нет доступа)") == len(unreadable)  # one thread each
    assert "Конфиденциальные условия" not in text  # a summary: no letter's text
    assert client.get("/counterparties/999999/threads").status_code == 404


def test_a_counterparty_without_letters(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    from letterpress.testing import factories

    quiet = factories.make_counterparty(session, "Тихий клиент")
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{quiet.id}/letters").get_data(as_text=True)
    assert "Писем с этим контрагентом пока нет." in page
    assert client.get("/counterparties/999999/letters").status_code == 404
