"""The web UI in a real browser: Debian's Chromium driven by Playwright against a real
``letterpress serve`` (gunicorn) on a loopback port, with a SQLite data directory prepared first.

One walk through, in Russian: sign in, open a counterparty from the list, register an event with
the card's form, open a letter whose HTML is hostile (a script, an ``onerror`` handler, a remote
image, CSS ``url()``) and see it shown harmlessly: no dialog, no request to any host but the
server, the page's title and ``window.name`` untouched. Screenshots at desktop and phone widths
go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import pytest

from letterpress.db.session import session_factory
from letterpress.testing import factories, letters, mailstore
from letterpress.testing.database import fresh_engine, sqlite_url
from tests.web.browser_support import (  # noqa: F401 - browser is a fixture
    DESKTOP,
    PHONE,
    Watch,
    browser,
    server_fixture,
    shot,
    sign_in,
)
from tests.web.conftest import HOSTILE_HTML, INVOICE_NAME, PNG_1PX

pytestmark = pytest.mark.slow


def _prepare(data_dir: Path) -> None:
    """The schema (stamped at the head, so that serve's upgrade finds nothing to do), then
    people, counterparties and letters."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with fresh_engine(sqlite_url(data_dir)) as engine, session_factory(engine)() as session:
        head = factories.make_user(session, "head", role="head", name="Ольга Руководитель")
        factories.make_user(session, "manager1", name="Иван Петров", supervisor=head,
                            email="ivan@letterpress.test")
        factories.make_user(session, "admin", role="admin", name="Администратор")
        romashka = factories.make_counterparty(
            session, "ООО Ромашка", legal_name="ООО «Ромашка»", inn=factories.valid_inn(1),
            city="Москва", manager=None, phones=["+7 495 123-45-67"],
            emails=["info@romashka.ru"], domains=["romashka.ru"])
        factories.make_contact(session, romashka, "Анна Смирнова", position="Менеджер",
                               emails=["anna@romashka.ru"])
        for name, city in (("Альфа-Полиграф", "Тверь"), ("Бета Принт", "Казань"),
                           ("ИП Сидоров", "Москва")):
            factories.make_counterparty(session, name, city=city)
        box = mailstore.mailbox(session, "m1-box", owner="manager1",
                                folders=("INBOX", "Sent"), sent_folders=("Sent",))
        anna = ("Анна Смирнова", "anna@romashka.ru")
        mailstore.deliver(session, box, [
            letters.letter(
                message_id="hostile@romashka.ru", subject="Макет обложки", sender=anna,
                to=[("Иван Петров", "ivan@letterpress.test")],
                body="Добрый день! Макет во вложении.", html=HOSTILE_HTML,
                date=dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC),
                attachments=[
                    letters.Attachment(INVOICE_NAME, "application/pdf", letters.invoice_pdf()),
                    letters.Attachment("logo.png", "image/png", PNG_1PX, inline=True,
                                       content_id="logo@romashka")]),
            letters.letter(message_id="new@newprint.ru", subject="Знакомство: НьюПринт",
                           sender=("Ольга Новикова", "olga@newprint.ru"),
                           body="Предлагаем сотрудничество.",
                           date=dt.datetime(2025, 3, 6, 8, 0, tzinfo=dt.UTC)),
        ])
        mailstore.deliver(session, box, [letters.reply(
            "hostile@romashka.ru", message_id="reply@letterpress.test",
            subject="Re: Макет обложки", sender=("Иван Петров", "ivan@letterpress.test"),
            to=[anna], body="Спасибо, получили макет.\n\n> Добрый день! Макет во вложении.",
            date=dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC))], folder="Sent")
        session.commit()


server = server_fixture(_prepare, "browser")


def test_a_manager_works_with_a_counterparty_and_a_hostile_letter(
    server: str, browser: tuple[Any, Watch]  # noqa: F811 - a fixture
) -> None:
    context, watch = browser
    page = context.pages[0] if context.pages else context.new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, server, "manager1", check_form=True)
    assert page.get_by_role("link", name="ООО Ромашка").is_visible()
    shot(page, "01-counterparties-desktop")

    page.get_by_role("link", name="ООО Ромашка").click()
    page.wait_for_url(re.compile(r"/counterparties/\d+$"))
    assert page.get_by_role("heading", name="ООО Ромашка", level=1).is_visible()

    # Register an event through the card's form.
    form = page.locator("form.event-form")
    form.locator("select[name=event-kind]").select_option("incoming_call")
    form.locator("input[name=event-subject]").fill("Звонок о тираже")
    form.locator("textarea[name=event-content]").fill("Тираж 5000 экз., сроки до пятницы.")
    form.get_by_role("button", name="Сохранить событие").click()
    page.wait_for_url(re.compile(r"/counterparties/\d+#history$"))
    assert page.get_by_text("Событие зарегистрировано.").is_visible()
    history = page.locator("#history")
    assert history.get_by_text("Звонок о тираже").is_visible()
    assert history.get_by_text("Тираж 5000 экз., сроки до пятницы.").is_visible()
    shot(page, "02-card-desktop")

    # The newest threads come into the card after it (js/card.js, under the CSP).
    threads = page.locator("#correspondence .thread-list")
    threads.wait_for()
    assert threads.get_by_role("link", name="Макет обложки").is_visible()

    # The correspondence, from the card.
    page.locator("#correspondence").get_by_role("link", name="Вся переписка").click()
    page.wait_for_url(re.compile(r"/letters$"))
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name=re.compile("Переписка")).is_visible()
    shot(page, "03-correspondence-desktop")

    # The mail section, a mailbox, the hostile letter.
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Почта").click()
    page.wait_for_url(re.compile(r"/mail/$"))
    shot(page, "04-mail-desktop")
    page.get_by_role("link", name="m1-box").click()
    page.wait_for_url(re.compile(r"/mail/boxes/\d+$"))
    shot(page, "05-mailbox-desktop")
    page.get_by_role("link", name="Макет обложки", exact=True).click()
    page.wait_for_url(re.compile(r"/mail/letters/\d+$"))
    page.wait_for_load_state("networkidle")
    title = page.title()
    assert title == "Макет обложки · Letterpress"

    frame = page.frame_locator("iframe.letter__frame")
    assert frame.get_by_text("Добрый день! Макет во вложении.").is_visible()
    assert frame.get_by_role("link", name="Каталог").is_visible()
    body = page.frame(url=re.compile(r"/body$"))
    assert body is not None
    html = body.content()
    assert "PWNED" not in html and "<script" not in html and "onerror" not in html
    time.sleep(0.5)  # give a script that slipped through the time to run
    assert page.title() == title
    assert page.evaluate("window.name") == ""
    assert watch.dialogs == []
    assert watch.remote == [], watch.remote
    assert page.get_by_text("1 внешнее изображение скрыто").is_visible()
    shot(page, "06-letter-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "07-letter-phone")
    page.set_viewport_size(DESKTOP)

    # Asked for, the remote image is requested (and our route stops it); still no script.
    page.get_by_role("link", name="Показать изображения").click()
    page.wait_for_url(re.compile(r"\?images=1$"))
    page.wait_for_load_state("networkidle")
    assert any("evil.example/pixel.png" in url for url in watch.remote), watch.remote
    assert not any("style-bg" in url or "inline-bg" in url or "/frame" in url
                   for url in watch.remote), watch.remote
    assert page.title() == title and watch.dialogs == []

    # The attachment downloads under its Cyrillic name.
    with page.expect_download() as info:
        page.get_by_role("link", name=INVOICE_NAME).click()
    assert info.value.suggested_filename == INVOICE_NAME

    # The phone width of the pages a manager uses most.
    page.set_viewport_size(PHONE)
    for path, name in (("/counterparties/", "08-counterparties-phone"),
                       ("/mail/", "09-mail-phone"), ("/mail/unfiled", "10-unfiled-phone")):
        page.goto(f"{server}{path}")
        shot(page, name)
    page.goto(f"{server}/counterparties/")
    page.get_by_role("link", name="ООО Ромашка").click()
    page.wait_for_load_state("networkidle")
    shot(page, "11-card-phone")
    page.locator("#correspondence").get_by_role("link", name="Вся переписка").click()
    page.wait_for_load_state("networkidle")
    shot(page, "12-correspondence-phone")
    assert watch.dialogs == []


def test_an_administrator_pages(
    server: str, browser: tuple[Any, Watch]  # noqa: F811 - a fixture
) -> None:
    context, watch = browser
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, server, "admin", check_form=True)
    for path, name in (("/admin/users", "20-admin-users"),
                       ("/admin/mailboxes", "21-admin-mailboxes"),
                       ("/admin/handover", "22-admin-handover"), ("/mail/unfiled", "23-unfiled")):
        page.goto(f"{server}{path}")
        assert page.locator("main h1").is_visible()
        shot(page, f"{name}-desktop")
        page.set_viewport_size(PHONE)
        shot(page, f"{name}-phone")
        page.set_viewport_size(DESKTOP)
    page.goto(f"{server}/mail/unfiled")
    page.get_by_role("link", name="Разнести").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "24-refile-desktop")
    page.get_by_role("button", name="Создать контрагента").click()
    page.wait_for_url(re.compile(r"/counterparties/\d+$"))
    assert page.get_by_text("Контрагент создан.").is_visible()
    assert watch.dialogs == [] and watch.remote == []
