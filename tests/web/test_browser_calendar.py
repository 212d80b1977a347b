"""The calendar in a real browser: Debian's Chromium driven by Playwright against a real
``letterpress serve`` on a loopback port, with a SQLite data directory prepared first.

A manager plans an event from the week (the counterparty suggested as they type), moves it and
marks it done on its day; the head of sales switches to the manager's calendar with the select
(submitted by the page's script) and opens the team's workload. Screenshots at desktop and phone
widths go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from letterpress.crm.tasks import set_task
from letterpress.db.session import session_factory
from letterpress.testing import factories
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

MOSCOW = ZoneInfo("Europe/Moscow")


def _monday() -> dt.date:
    today = dt.datetime.now(MOSCOW).date()
    return today - dt.timedelta(days=today.weekday())


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MOSCOW)


def _prepare(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    monday = _monday()
    with fresh_engine(sqlite_url(data_dir)) as engine, session_factory(engine)() as session:
        head = factories.make_user(session, "head", role="head", name="Ольга Руководитель")
        ivan = factories.make_user(session, "manager1", name="Иван Петров", supervisor=head)
        petr = factories.make_user(session, "manager2", name="Пётр Сидоров", supervisor=head)
        romashka = factories.make_counterparty(session, "ООО Ромашка", manager=ivan)
        factories.make_counterparty(session, "Бета Принт")
        f = factories
        f.make_event(session, romashka, author=ivan, kind="meeting", state="planned",
                     start_at=_local(monday, 10), end_at=_local(monday, 11),
                     subject="Встреча о тираже")
        f.make_event(session, romashka, author=ivan, kind="outgoing_call",
                     start_at=_local(monday + dt.timedelta(days=1), 9, 30),
                     subject="Звонок бухгалтеру")
        f.make_event(session, None, author=ivan, kind="other", state="planned",
                     start_at=_local(monday + dt.timedelta(days=6), 23, 30),
                     subject="Поздний воскресный план")
        f.make_event(session, romashka, author=petr, kind="outgoing_call", state="planned",
                     start_at=_local(monday + dt.timedelta(days=2), 12),
                     subject="Звонок Петра клиенту")
        set_task(session, curator=head, assignee_id=ivan.id,
                 subject="Подготовить коммерческое предложение",
                 due_at=_local(monday + dt.timedelta(days=3), 15), counterparty_id=romashka.id)
        session.commit()


calendar_server = server_fixture(_prepare, "browser-calendar")


def test_a_manager_plans_moves_and_completes_and_the_head_watches(
    calendar_server: str, browser: tuple[Any, Watch]  # noqa: F811 - a fixture
) -> None:
    context, watch = browser
    page = context.pages[0] if context.pages else context.new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    base = calendar_server
    monday = _monday()
    wednesday = monday + dt.timedelta(days=2)

    sign_in(page, base, "manager1")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Календарь").click()
    page.wait_for_url(re.compile(r"/calendar/week$"))
    week = page.locator("ol.cal-week")
    assert week.locator(f'li[data-date="{monday.isoformat()}"]').get_by_text(
        "Встреча о тираже").is_visible()
    sunday = week.locator(f'li[data-date="{(monday + dt.timedelta(days=6)).isoformat()}"]')
    assert sunday.get_by_text("Поздний воскресный план").is_visible()
    assert sunday.locator("time").inner_text() == "23:30"
    assert "Звонок Петра клиенту" not in page.content()
    shot(page, "50-calendar-week-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "51-calendar-week-phone")
    page.set_viewport_size(DESKTOP)

    # Plan an event on Wednesday from its «+»; the counterparty is suggested while typing.
    week.locator(f'li[data-date="{wednesday.isoformat()}"] a.cal-day__plan').click()
    page.wait_for_url(re.compile(r"/calendar/events/new\?"))
    page.locator("select[name=new-kind]").select_option("meeting")
    page.locator("input[name=new-subject]").fill("Показ образцов бумаги")
    page.locator("input[name=new-start_at]").fill(f"{wednesday.isoformat()}T15:00")
    page.locator("input[name=new-duration]").fill("90")
    page.locator("input[name=new-counterparty]").press_sequentially("ромаш", delay=30)
    page.locator("#counterparty-names option").first.wait_for(state="attached", timeout=5000)
    assert page.locator("#counterparty-names option").first.get_attribute("value") \
        == "ООО Ромашка"
    page.locator("input[name=new-counterparty]").fill("ООО Ромашка")
    shot(page, "52-calendar-new-event-desktop")
    page.get_by_role("button", name="Запланировать", exact=True).click()
    page.wait_for_url(re.compile(r"/calendar/week\?date=.*#event-\d+$"))
    assert page.get_by_text("Событие запланировано.").is_visible()
    item = week.locator(f'li[data-date="{wednesday.isoformat()}"] li.cal-item').filter(
        has_text="Показ образцов бумаги")
    assert item.locator("time").inner_text() == "15:00"
    assert item.get_by_role("link", name="ООО Ромашка").is_visible()

    # On its day: move it to 16:30, then mark it done with a result.
    item.locator("a.cal-item__link").click()
    page.wait_for_url(re.compile(r"/calendar/day\?date=.*#event-\d+$"))
    entry = page.locator("article.cal-entry").filter(has_text="Показ образцов бумаги")
    entry.get_by_text("Перенести", exact=True).click()
    entry.locator("input[name=start_at]").fill(f"{wednesday.isoformat()}T16:30")
    entry.get_by_role("button", name="Перенести событие").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Событие перенесено.").is_visible()
    entry = page.locator("article.cal-entry").filter(has_text="Показ образцов бумаги")
    assert entry.locator("time").first.inner_text() == "16:30"
    assert entry.locator("time").nth(1).inner_text() == "18:00"  # the 90 minutes stay
    shot(page, "53-calendar-day-desktop")
    entry.get_by_text("Завершить событие").click()
    entry.locator("textarea[name=result]").fill("Клиент выбрал мелованную бумагу.")
    entry.get_by_role("button", name="Отметить выполненным").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Событие выполнено.").is_visible()
    entry = page.locator("article.cal-entry").filter(has_text="Показ образцов бумаги")
    assert entry.get_by_text("Клиент выбрал мелованную бумагу.").is_visible()
    page.set_viewport_size(PHONE)
    shot(page, "54-calendar-day-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("navigation", name="Вид календаря").get_by_role("link", name="Месяц").click()
    page.wait_for_url(re.compile(r"/calendar/month\?"))
    assert page.locator("ol.cal-month__days > li").count() % 7 == 0
    shot(page, "55-calendar-month-desktop")
    page.set_viewport_size(PHONE)
    assert page.locator("ol.cal-month__weekdays").is_hidden()  # a list on a phone
    shot(page, "56-calendar-month-phone")
    page.set_viewport_size(DESKTOP)

    # The head switches to the manager's calendar with the select, then the workload.
    context.clear_cookies()
    sign_in(page, base, "head")
    page.goto(f"{base}/calendar/week")
    page.locator("select#cal-user").select_option(label="Иван Петров")
    page.wait_for_url(re.compile(r"/calendar/week\?date=.*&user=\d+$"))
    assert page.get_by_text("Календарь: Иван Петров").is_visible()
    assert page.get_by_text("Показ образцов бумаги").is_visible()
    assert page.locator("form[action$='/move']").count() == 0  # read only for the head
    shot(page, "57-calendar-head-switch-desktop")
    page.get_by_role("navigation", name="Вид календаря").get_by_role(
        "link", name="Загрузка").click()
    page.wait_for_url(re.compile(r"/calendar/workload\?"))
    rows = page.locator("table.cal-workload__table tbody tr")
    assert rows.count() == 3
    assert page.get_by_role("link", name="Пётр Сидоров").is_visible()
    shot(page, "58-calendar-workload-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "59-calendar-workload-phone")
    assert watch.dialogs == [] and watch.remote == []
