"""The calendar's pages: what the day, week, month and workload show, time zones, overdue marks,
navigation, and how many queries the week costs."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from letterpress.crm.tasks import set_task
from letterpress.testing import factories
from letterpress.testing.web import login_as
from letterpress.web.calendar import display
from letterpress.web.calendar.routes import card_prefix
from tests.web.calendar_world import (  # noqa: F401
    WEEK,
    CalendarWorld,
    at,
    day_sections,
    world_fixture,
)
from tests.web.conftest import People

_CELL = re.compile(r'<td class="num[^"]*" data-label="[^"]*">\s*(.*?)\s*</td>', re.DOTALL)


def _cells(html: str) -> list[list[str]]:
    """The workload cells of ``html`` as their words: ["1", "/", "0", "1"] (the last: overdue)."""
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in _CELL.findall(html)]


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_calendar_section_opens_on_the_week(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    response = client.get("/calendar/")
    assert response.status_code == 302 and response.headers["Location"] == "/calendar/week"
    page = _page(client, "/calendar/week")
    assert 'aria-current="page">Календарь</a>' in page  # the main navigation
    assert 'href="/tasks/"' in page


def test_every_calendar_page_renders(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    for path in ("/calendar/day", "/calendar/week", "/calendar/month", "/calendar/workload",
                 f"/calendar/day?date={WEEK}", f"/calendar/week?date={WEEK}",
                 f"/calendar/month?date={WEEK}", f"/calendar/workload?date={WEEK}"):
        page = _page(client, path)
        assert "Иван Петров" in page, path
        assert "<h1>" in page, path


def test_the_week_shows_events_and_tasks_by_local_day(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    page = _page(client, f"/calendar/week?date={WEEK}")
    days = day_sections(page)
    assert list(days) == [f"2025-03-0{d}" for d in range(3, 10)]  # Monday to Sunday
    monday = days["2025-03-03"]
    assert "Встреча о тираже" in monday and ">10:00<" in monday  # 07:00 UTC is 10:00 in Moscow
    assert f'href="/counterparties/{world.romashka.id}">ООО Ромашка</a>' in monday
    assert "Звонок бухгалтеру" in days["2025-03-04"]
    assert "Подготовить коммерческое предложение" in days["2025-03-06"]
    assert ">15:00<" in days["2025-03-06"]
    # Letters are history, not appointments; another manager's items are not here.
    assert "Письмо от клиента" not in page
    assert "Звонок Петра клиенту" not in page and "Задача Петра" not in page
    assert "Встреча в будущем" not in page
    # Weeks start on Monday; the steps go a week either way.
    assert 'rel="prev" href="/calendar/week?date=2025-02-26"' in page
    assert 'rel="next" href="/calendar/week?date=2025-03-12"' in page


def test_an_event_late_on_sunday_stays_on_sunday(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    """23:30 in Moscow on Sunday is 20:30 UTC on Sunday, and 00:30 on Monday is still Sunday in
    UTC: each shows on its local day, in its own week."""
    login_as(client, people.manager)
    days = day_sections(_page(client, f"/calendar/week?date={WEEK}"))
    assert "Поздний воскресный план" in days["2025-03-09"] and ">23:30<" in days["2025-03-09"]
    assert all("Ранний понедельник" not in html for html in days.values())
    following = day_sections(_page(client, "/calendar/week?date=2025-03-10"))
    assert "Ранний понедельник" in following["2025-03-10"] and ">00:30<" in following["2025-03-10"]
    assert "Поздний воскресный план" not in _page(client, "/calendar/day?date=2025-03-10")
    assert "Поздний воскресный план" in _page(client, "/calendar/day?date=2025-03-09")


def test_overdue_items_are_marked_and_others_are_not(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    days = day_sections(_page(client, f"/calendar/week?date={WEEK}"))
    assert "cal-item--overdue" in days["2025-03-03"] and "просрочено" in days["2025-03-03"]
    assert "cal-item--overdue" in days["2025-03-06"]  # the open task past due
    assert "cal-item--overdue" not in days["2025-03-04"]  # done
    assert "cal-item--done" in days["2025-03-04"]
    future_day = world.future.start_at.astimezone(dt.timezone(dt.timedelta(hours=3))).date()
    day = _page(client, f"/calendar/day?date={future_day.isoformat()}")
    assert "Встреча в будущем" in day and "Задача на будущее" in day
    assert "просрочено" not in day.split('id="new-event"')[0]


def test_a_done_task_is_not_overdue(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    from letterpress.crm.tasks import complete_task

    complete_task(session, people.manager, world.task.id, "Отправлено")
    session.commit()
    login_as(client, people.manager)
    thursday = day_sections(_page(client, f"/calendar/week?date={WEEK}"))["2025-03-06"]
    assert "Подготовить коммерческое предложение" in thursday
    assert "cal-item--overdue" not in thursday


def test_the_month_is_a_grid_of_whole_weeks(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    page = _page(client, f"/calendar/month?date={WEEK}")
    days = day_sections(page)
    # March 2025 starts on a Saturday and ends on a Monday: 24 Feb to 6 Apr, five weeks and two
    # days padded to six whole weeks.
    assert next(iter(days)) == "2025-02-24" and list(days)[-1] == "2025-04-06"
    assert len(days) == 42
    assert "Встреча о тираже" in days["2025-03-03"]
    assert "Ранний понедельник" in days["2025-03-10"]
    assert "<h1>Март 2025</h1>" in page
    assert 'rel="prev" href="/calendar/month?date=2025-02-01"' in page
    assert 'rel="next" href="/calendar/month?date=2025-04-01"' in page
    assert "cal-cell--outside" in page  # the padding days, hidden on a phone


def test_the_day_lists_items_with_their_details(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    page = _page(client, "/calendar/day?date=2025-03-03")
    assert "Встреча о тираже" in page and "Обсудить сроки." in page
    assert "10:00</time>" in page and "11:00</time>" in page
    assert f'id="event-{world.meeting.id}"' in page
    assert "<h1>понедельник, 3 марта 2025 г.</h1>" in page.replace("\u202f", " ")
    assert 'rel="prev" href="/calendar/day?date=2025-03-02"' in page


def test_bad_arguments_are_refused(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    for path in ("/calendar/week?date=2025-13-01", "/calendar/week?date=yesterday",
                 "/calendar/day?date=2025-3-5", "/calendar/week?user=abc",
                 "/calendar/workload?date=05.03.2025"):
        assert client.get(path).status_code == 400, path
    assert client.get("/calendar/week?user=999999").status_code == 404


def test_today_follows_the_company_time_zone(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=3))).date()  # Moscow: UTC+3 all year
    page = _page(client, "/calendar/day")
    assert f'data-date="{today.isoformat()}"' in page
    assert f'href="/calendar/day?date={today.isoformat()}">Сегодня</a>' in page


def test_the_workload_counts_per_person_and_day(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.head)
    page = _page(client, f"/calendar/workload?date={WEEK}")
    rows = {name: row for name, row in re.findall(
        r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>(.*?)</tr>', page, re.DOTALL)}
    assert set(rows) == {"Ольга Руководитель", "Иван Петров", "Пётр Сидоров"}
    cells = _cells(rows["Иван Петров"])
    # Monday: the overdue meeting; Tuesday: the done call; Thursday: the overdue task;
    # Sunday: the late plan (overdue); then the week and the overdue total (the three overdue
    # of this week and the early Monday plan of the next).
    assert cells[0] == ["1", "/", "0", "1"]
    assert cells[1] == ["1", "/", "0"]
    assert cells[2] == ["—"]
    assert cells[3] == ["0", "/", "1", "1"]
    assert cells[6] == ["1", "/", "0", "1"]
    assert cells[7] == ["3", "/", "1"]
    assert cells[8] == ["4"]
    petr = _cells(rows["Пётр Сидоров"])
    assert petr[2] == ["1", "/", "0", "1"] and petr[4] == ["0", "/", "1", "1"]
    assert f'href="/calendar/week?date={WEEK}&amp;user={people.manager.id}"' in page


def test_the_workload_buckets_by_local_day(
    client: FlaskClient, people: People, session: Session
) -> None:
    """An item at 23:30 local on Sunday counts on Sunday, one at 00:30 on Monday not at all."""
    factories.make_event(session, None, author=people.manager, state="planned",
                         kind="meeting", start_at=at(9, 20, 30))
    factories.make_event(session, None, author=people.manager, state="planned",
                         kind="meeting", start_at=at(9, 21, 30))
    set_task(session, curator=people.head, assignee_id=people.manager.id, subject="Т",
             due_at=at(2, 21, 0))  # Monday 00:00 local: the first instant of the week
    session.commit()
    login_as(client, people.manager)
    page = _page(client, f"/calendar/workload?date={WEEK}")
    cells = _cells(page)
    assert cells[0][:3] == ["0", "/", "1"]
    assert cells[6][:3] == ["1", "/", "0"]
    assert cells[7] == ["1", "/", "1"]


def test_the_week_costs_the_same_few_queries_however_full(
    client: FlaskClient, people: People, session: Session, engine: Engine
) -> None:
    statements: list[str] = []

    def count(path: str) -> int:
        statements.clear()

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        try:
            _page(client, path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    login_as(client, people.manager)
    empty = count(f"/calendar/week?date={WEEK}")
    romashka = factories.make_counterparty(session, "ООО Ромашка")
    for i in range(60):
        factories.make_event(session, romashka if i % 2 else None, author=people.manager,
                             state="planned", kind="meeting", start_at=at(3 + i % 7, 6 + i % 9))
        set_task(session, curator=people.head, assignee_id=people.manager.id,
                 subject=f"Задача {i}", due_at=at(3 + i % 7, 8), counterparty_id=romashka.id)
    session.commit()
    full = count(f"/calendar/week?date={WEEK}")
    assert full == empty, statements
    items = [s for s in statements if re.search(r"\bFROM (events|tasks)\b", s)]
    assert len(items) == 2, statements  # one for events, one for tasks
    assert full <= 7, statements  # and the user, the switcher's people, what the frame asks


def test_items_link_their_day_and_counterparty_as_url_for_would(
    app: Flask, client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    """The week and month build these links by hand (routes.card_prefix, the day's link)."""
    login_as(client, people.head)
    path = f"?date={WEEK}&user={people.manager.id}"
    week, month = _page(client, f"/calendar/week{path}"), _page(client, f"/calendar/month{path}")
    with app.test_request_context("/"):
        card = url_for("counterparties.card", counterparty_id=world.romashka.id)
        day = url_for("calendar.day", date="2025-03-03", user=people.manager.id,
                      _anchor=f"event-{world.meeting.id}")
        assert card_prefix() + str(world.romashka.id) == card
    for page in (week, month):
        assert f'href="{card}"' in page
        assert f'href="{html.escape(day)}"' in page
        assert ">10:00</time>" in page and 'datetime="2025-03-03T10:00:00+03:00"' in page
        assert "Встреча" in page  # the meeting's kind, named once a page


def test_day_names_are_the_readers_language(app: Flask) -> None:
    from flask_babel import force_locale, format_date

    monday = dt.date(2025, 3, 3)
    with app.test_request_context("/"):
        for language in ("ru", "en"):
            with force_locale(language):
                assert display.day_heading(monday) == format_date(monday, "EEE, d MMMM")
                assert display.day_short(monday) == format_date(monday, "EEE d")
                assert display.weekday_short(monday) == format_date(monday, "EEE")
                assert display.day_title(monday) == format_date(monday, "full")
        with force_locale("en"):
            assert display.day_heading(monday) == "Mon, 3 March"
        assert display.day_heading(monday) == "пн, 3 марта"
