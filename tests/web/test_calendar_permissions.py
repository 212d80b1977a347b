"""Who sees whose calendar: every calendar page and form through a matrix of viewers (manager,
another manager, their head, an administrator, nobody signed in). The decisions are
``crm.permissions.calendar_access`` and ``report_manager_ids``'."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Event, Task
from letterpress.testing.web import csrf_token, login_as
from tests.web.calendar_world import WEEK, CalendarWorld, world_fixture  # noqa: F401
from tests.web.conftest import People

PAGES = ("/calendar/day", "/calendar/week", "/calendar/month")


@pytest.mark.parametrize("path", ["/calendar/", *PAGES, "/calendar/workload",
                                  "/calendar/counterparty-names?q=ром"])
def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_signed_out_posts_change_nothing(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    token = csrf_token(client)
    for path in ("/calendar/events", f"/calendar/events/{world.meeting.id}/move",
                 f"/calendar/events/{world.meeting.id}/close",
                 f"/calendar/tasks/{world.task.id}/complete"):
        response = client.post(path, data={"csrf_token": token, "start_at": "2025-03-12T10:00",
                                           "state": "done"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    session.rollback()
    session.expire_all()
    assert session.get(Event, world.meeting.id).state == "planned"  # type: ignore[union-attr]


def test_a_manager_sees_their_own_calendar_only(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    for path in PAGES:
        own = client.get(f"{path}?date={WEEK}")
        assert own.status_code == 200
        assert "Звонок Петра клиенту" not in own.get_data(as_text=True)
        assert client.get(f"{path}?date={WEEK}&user={people.manager.id}").status_code == 200
        for someone in (people.other, people.head, people.admin, people.inactive):
            assert client.get(f"{path}?date={WEEK}&user={someone.id}").status_code == 403, \
                (path, someone.login)
    week = client.get(f"/calendar/week?date={WEEK}").get_data(as_text=True)
    assert 'id="cal-user"' not in week  # nobody to switch to
    assert "/calendar/workload" not in week


def test_another_manager_cannot_see_the_first_ones_calendar(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.other)
    for path in PAGES:
        assert client.get(f"{path}?date={WEEK}&user={people.manager.id}").status_code == 403
    own = client.get(f"/calendar/week?date={WEEK}").get_data(as_text=True)
    assert "Звонок Петра клиенту" in own and "Встреча о тираже" not in own


def test_a_managers_workload_is_their_own_row(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/calendar/workload?date={WEEK}").get_data(as_text=True)
    assert "Иван Петров" in page
    assert "Пётр Сидоров" not in page and "Ольга Руководитель" not in page


def test_a_head_sees_both_subordinates_and_the_workload(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.head)
    first = client.get(f"/calendar/week?date={WEEK}&user={people.manager.id}")
    second = client.get(f"/calendar/week?date={WEEK}&user={people.other.id}")
    assert first.status_code == 200 and second.status_code == 200
    first_text, second_text = first.get_data(as_text=True), second.get_data(as_text=True)
    assert "Встреча о тираже" in first_text and "Звонок Петра клиенту" not in first_text
    assert "Календарь: Иван Петров" in first_text
    assert "Звонок Петра клиенту" in second_text and "Задача Петра" in second_text
    # The switcher offers the head and the team; the page remembers whose it is on every link.
    assert '<select class="field__input" id="cal-user" name="user" data-autosubmit>' in first_text
    for person in (people.head, people.manager, people.other):
        assert f'<option value="{person.id}"' in first_text
    assert f'<option value="{people.admin.id}"' not in first_text
    assert f'<option value="{people.manager.id}" selected>' in first_text
    assert f'href="/calendar/month?date={WEEK}&amp;user={people.manager.id}"' in first_text
    workload = client.get(f"/calendar/workload?date={WEEK}")
    assert workload.status_code == 200
    text = workload.get_data(as_text=True)
    assert "Иван Петров" in text and "Пётр Сидоров" in text and "Ольга Руководитель" in text
    assert "Админ" not in text
    # The head may not see the administrator's calendar, nor a stranger's.
    assert client.get(f"/calendar/week?user={people.admin.id}").status_code == 403
    assert client.get(f"/calendar/week?user={people.inactive.id}").status_code == 403


def test_an_administrator_sees_as_the_permission_function_says(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.admin)
    for someone in (people.manager, people.other, people.head, people.inactive):
        response = client.get(f"/calendar/week?date={WEEK}&user={someone.id}")
        assert response.status_code == 200, someone.login
        assert "только просмотр" in response.get_data(as_text=True)
    text = client.get(f"/calendar/workload?date={WEEK}").get_data(as_text=True)
    for name in ("Иван Петров", "Пётр Сидоров", "Ольга Руководитель", "Админ"):
        assert name in text
    assert "Уволенный" not in text  # inactive users have no workload row


def test_nobody_changes_items_of_a_calendar_they_may_not_change(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.other)
    token = csrf_token(client, "/calendar/week")
    assert client.post(f"/calendar/events/{world.meeting.id}/move",
                       data={"start_at": "2025-03-12T10:00", "csrf_token": token}) \
        .status_code == 403
    assert client.post(f"/calendar/events/{world.meeting.id}/close",
                       data={"state": "done", "csrf_token": token}).status_code == 403
    assert client.post(f"/calendar/tasks/{world.task.id}/complete",
                       data={"result": "x", "csrf_token": token}).status_code == 403
    # A new event always lands on the author's own calendar.
    response = client.post("/calendar/events", data={
        "csrf_token": token, "new-kind": "meeting", "new-subject": "Моя встреча",
        "new-start_at": "2025-03-07T10:00", "new-duration": "30", "new-view": "week",
        "user": str(people.manager.id)})
    assert response.status_code == 302
    session.rollback()
    created = session.scalars(select(Event).where(Event.subject == "Моя встреча")).one()
    assert created.responsible_id == people.other.id
    session.expire_all()
    assert session.get(Event, world.meeting.id).state == "planned"  # type: ignore[union-attr]
    assert session.get(Task, world.task.id).state == "open"  # type: ignore[union-attr]


def test_counterparty_names_are_suggested_to_whoever_sees_them(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.other)
    response = client.get("/calendar/counterparty-names?q=холд")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == ["Холдинг Север", "Холдинг Юг"]
    assert client.get("/calendar/counterparty-names?q=х").get_json() == []
