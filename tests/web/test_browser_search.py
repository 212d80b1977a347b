"""Search in a real browser: Debian's Chromium driven by Playwright against a real
``letterpress serve`` on a loopback port, with a SQLite data directory prepared first (the search
index made as migration 0002 makes it; the data written through the ORM and the mail pipeline,
which index it as the web app and the daemon do).

Sign in, type a Russian word form into the header's search box, see the matches marked in the
results (a letter whose plain text carries ``<script>`` and ``<b>`` among them, shown as text),
open the letter. Screenshots at desktop and phone widths go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from letterpress.db.session import session_factory
from letterpress.search import create_schema, install_hooks
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

pytestmark = pytest.mark.slow

SUBJECT = "Договор поставки бумаги"
MARKUP = "Проект договора: <script>alert('XSS')</script> и <b>важно</b> подписать до пятницы."


def _prepare(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    install_hooks()
    with fresh_engine(sqlite_url(data_dir)) as engine:
        with engine.begin() as conn:
            create_schema(conn)
        with session_factory(engine)() as session:
            factories.make_user(session, "manager1", name="Иван Петров",
                                email="ivan@letterpress.test")
            factories.make_user(session, "manager2", name="Пётр Сидоров")
            romashka = factories.make_counterparty(
                session, "ООО Ромашка", domains=["romashka.ru"], city="Москва",
                notes="Договоры на печать каталогов.")
            factories.make_event(session, romashka, subject="Звонок по договору",
                                 content="Обсудили сроки.")
            mine = mailstore.mailbox(session, "m1-box", owner="manager1")
            theirs = mailstore.mailbox(session, "m2-box", owner="manager2")
            anna = ("Анна Смирнова", "anna@romashka.ru")
            ivan = ("Иван Петров", "ivan@letterpress.test")
            mailstore.deliver(session, mine, [
                letters.letter(message_id="contract@romashka.ru", subject=SUBJECT, sender=anna,
                               to=[ivan], body=MARKUP,
                               date=dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)),
                letters.letter(message_id="other@romashka.ru", subject="Макет обложки",
                               sender=anna, to=[ivan], body="Макет во вложении.",
                               date=dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)),
            ])
            mailstore.deliver(session, theirs, [letters.letter(
                message_id="secret@romashka.ru", subject="Договор для Петра", sender=anna,
                to=[("Пётр Сидоров", "petr@letterpress.test")], body="Только для Петра.",
                date=dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC))])
            session.commit()


search_server = server_fixture(_prepare, "browser-search")


def test_a_manager_searches_from_the_header_and_opens_the_letter(
    search_server: str, browser: tuple[Any, Watch]  # noqa: F811 - a fixture
) -> None:
    context, watch = browser
    page = context.pages[0] if context.pages else context.new_page()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    sign_in(page, search_server, "manager1")

    # A word form found in none of the texts as typed: договоров -> договор, договора, ...
    box = page.get_by_role("search", name="Поиск везде").get_by_label("Поиск")
    box.fill("договоров")
    shot(page, "29-search-box-desktop")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Поиск", level=1).is_visible()
    assert page.locator("#q").input_value() == "договоров"

    results = page.locator("ol.search-results")
    letter = results.locator("li.search-hit--letter").filter(has_text=SUBJECT)
    assert letter.count() == 1
    assert letter.locator("h2 mark").first.inner_text() == "Договор"
    assert letter.locator(".search-hit__snippet mark").first.inner_text() == "договора"
    # the letter's markup is text on the page, never elements
    snippet = letter.locator(".search-hit__snippet")
    assert "<script>alert('XSS')</script>" in snippet.inner_text()
    assert "<b>важно</b>" in snippet.inner_text()
    assert snippet.locator("script, b").count() == 0
    assert results.locator("li.search-hit--counterparty").filter(
        has_text="ООО Ромашка").count() == 1
    assert results.locator("li.search-hit--event").count() == 1
    assert "Договор для Петра" not in results.inner_text()  # manager2's mailbox
    shot(page, "30-search-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "31-search-phone")
    page.set_viewport_size(DESKTOP)

    # Filters: only letters, by relevance.
    page.get_by_text("Фильтры и сортировка").click()
    page.locator("select[name=kind]").select_option("letter")
    page.locator("select[name=order]").select_option("relevance")
    page.get_by_role("button", name="Применить").click()
    page.wait_for_url(re.compile(r"kind=letter"))
    assert page.locator("li.search-hit").count() == 1
    assert "по релевантности" in page.get_by_role("status").inner_text()

    # A malformed search: a message, not an error page.
    page.locator("#q").fill('"договор')
    page.locator("#q").press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").filter(has_text="Кавычка в позиции 1 не закрыта").is_visible()
    shot(page, "32-search-error-desktop")

    # Open the hit.
    page.locator("#q").fill("договоров")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=%D0"))
    page.get_by_role("link", name=re.compile("Договор поставки")).click()
    page.wait_for_url(re.compile(r"/mail/letters/\d+$"))
    assert page.title() == f"{SUBJECT} · Letterpress"
    shot(page, "33-search-letter-desktop")
    assert watch.dialogs == [] and watch.remote == [], (watch.dialogs, watch.remote)
