"""The counterparty list in a real browser: Debian's Chromium driven by Playwright against a real
``letterpress serve`` on a loopback port, with a SQLite data directory prepared first.

A manager filters by ABC class and stage, opens a row's menu of actions from the keyboard alone
and plans an event through it (the card's form comes preselected); at a phone's width (390 px)
the page does not scroll sideways and the menu's links are finger-sized. Screenshots at desktop
and phone widths go to ``test-artifacts/browser/`` (``60``-``63``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from letterpress.crm.model import AbcResult, StageChange
from letterpress.db.session import session_factory
from letterpress.testing import factories
from letterpress.testing.database import fresh_engine, sqlite_url
from letterpress.testing.factories import DEFAULT_PASSWORD
from tests.web.browser_support import (  # noqa: F401 - browser is a fixture
    DESKTOP,
    PHONE,
    Watch,
    browser,
    server_fixture,
)
from tests.web.browser_support import shot as _shot

pytestmark = pytest.mark.slow

PERIOD = (dt.date(2024, 6, 1), dt.date(2025, 5, 1))


def _prepare(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    f = factories
    with fresh_engine(sqlite_url(data_dir)) as engine, session_factory(engine)() as session:
        head = f.make_user(session, "head", role="head", name="Ольга Руководитель")
        ivan = f.make_user(session, "manager1", name="Иван Петров", supervisor=head)
        classes = {"ООО Ромашка": ("A", "regular"), "Альфа-Полиграф": ("A", "one_time"),
                   "Бета Принт": ("B", "regular"), "Типография «Вектор»": ("C", "lost")}
        for n, (name, (cls, stage)) in enumerate(classes.items()):
            cp = f.make_counterparty(
                session, name, legal_name=f"Общество с ограниченной ответственностью «{name}»",
                inn=f.valid_inn(n + 1), city="Москва", manager=ivan,
                phones=["+7 495 123-45-67"], emails=[f"info{n}@example.ru"] if n != 2 else [])
            session.add(AbcResult(period_start=PERIOD[0], period_end=PERIOD[1],
                                  measure="revenue", counterparty_id=cp.id, value=100 - n,
                                  share=.1, cumulative_share=.5, rank=n + 1, abc_class=cls))
            session.add(StageChange(counterparty_id=cp.id, month_no=2025 * 12, month=dt.date(
                2025, 1, 1), from_stage=None, to_stage=stage, manager_id=ivan.id))
        f.make_counterparty(session, "ИП Сидоров", kind="person", city="Казань")
        session.commit()


list_server = server_fixture(_prepare, "browser-list")


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.outerHTML : ''"))


def test_a_manager_filters_and_plans_from_a_row_by_keyboard(
    list_server: str, browser: tuple[Any, Watch]  # noqa: F811 (test_browser's fixture)
) -> None:
    context, watch = browser
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{list_server}/login")
    page.fill("input[name=login]", "manager1")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/counterparties/$"))

    page.locator("select[name=abc]").select_option("A")
    page.locator("select[name=stage]").select_option("regular")
    page.get_by_role("button", name="Найти").click()
    page.wait_for_url(re.compile(r"abc=A"))
    rows = page.locator("table.counterparty-list tbody tr")
    assert rows.count() == 1 and "ООО Ромашка" in rows.first.inner_text()
    page.goto(f"{list_server}/counterparties/?sort=abc")
    _shot(page, "60-counterparty-list-desktop")

    # Keyboard only: from the first row's name, Tab reaches its menu (past phone and e-mail).
    first = page.locator("table.counterparty-list tbody tr").first
    first.locator("a.counterparty-link").focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if "row-menu__toggle" in _focused(page):
            break
    assert "row-menu__toggle" in _focused(page)
    page.keyboard.press("Enter")
    menu = first.locator("details.row-menu")
    assert menu.get_attribute("open") is not None
    _shot(page, "61-counterparty-list-menu-desktop")
    page.keyboard.press("Escape")  # js/counterparties.js: closed, focus back on its toggle
    assert menu.get_attribute("open") is None and "row-menu__toggle" in _focused(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert "Открыть карточку" in _focused(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert "Запланировать событие" in _focused(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/counterparties/\d+\?new_event=planned#new-event$"))
    assert page.locator("input[name=event-state][value=planned]").is_checked()
    page.locator("input[name=event-subject]").fill("Позвонить о продлении договора")
    page.get_by_role("button", name="Сохранить событие").click()
    page.wait_for_url(re.compile(r"/counterparties/\d+#planned$"))
    assert page.locator("#planned").get_by_text("Позвонить о продлении договора").is_visible()

    # A phone: no sideways scrolling, and the open menu's links are big enough for a finger.
    page.set_viewport_size(PHONE)
    page.goto(f"{list_server}/counterparties/")
    _shot(page, "62-counterparty-list-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    first = page.locator("table.counterparty-list tbody tr").first
    first.locator("summary").click()
    links = first.locator(".row-menu__list a")
    assert links.count() == 4
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "63-counterparty-list-menu-phone")
    # Opening another row's menu closes the first.
    page.locator("table.counterparty-list tbody tr").nth(1).locator("summary").click()
    assert first.locator("details.row-menu").get_attribute("open") is None
    page.set_viewport_size(DESKTOP)
    assert watch.dialogs == [] and watch.remote == []
