"""Planning, moving and closing events and closing tasks from the calendar: through the forms,
with the CSRF token (and refused without it), POST-redirect-GET, errors in Russian by field."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Event, Task
from letterpress.testing.web import csrf_token, login_as
from tests.web.calendar_world import WEEK, CalendarWorld, at, world_fixture  # noqa: F401
from tests.web.conftest import People

UTC = dt.UTC


def _fresh(session: Session) -> None:
    """Read what the app committed: end the test's transaction (SQLite keeps its snapshot)
    and forget the loaded rows."""
    session.rollback()
    session.expire_all()


def _token(client: FlaskClient) -> str:
    return csrf_token(client, f"/calendar/week?date={WEEK}")


def _new_event(**fields: str) -> dict[str, str]:
    data = {"new-kind": "meeting", "new-subject": "Встреча с типографией",
            "new-start_at": "2025-03-07T14:30", "new-duration": "45",
            "new-counterparty": "", "new-description": "Привезти образцы.", "new-view": "week"}
    data.update({f"new-{k}": v for k, v in fields.items()})
    return data


def test_the_week_leads_to_the_form_with_the_day_filled_in(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.manager)
    week = client.get(f"/calendar/week?date={WEEK}").get_data(as_text=True)
    assert f'href="/calendar/events/new?date={WEEK}&amp;view=week"' in week
    assert 'href="/calendar/events/new?date=2025-03-07&amp;view=week"' in week  # Friday's «+»
    response = client.get("/calendar/events/new?date=2025-03-07&view=month")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="new-start_at" required type="datetime-local" value="2025-03-07T10:00"' in page
    assert 'name="new-view" type="hidden" value="month"' in page
    assert '<option selected value="meeting">Встреча</option>' in page
    assert 'href="/calendar/month?date=2025-03-07">Календарь</a>' in page
    assert client.get("/calendar/events/new?date=7.3.2025").status_code == 400


def test_planning_an_event_from_the_week(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    data = _new_event(counterparty="ромашка", csrf_token=_token(client))
    response = client.post("/calendar/events", data=data)
    assert response.status_code == 302
    event = session.scalars(select(Event).where(Event.subject == "Встреча с типографией")).one()
    assert response.headers["Location"] == f"/calendar/week?date=2025-03-07#event-{event.id}"
    assert event.state == "planned" and event.kind == "meeting"
    assert event.start_at == at(7, 11, 30)  # 14:30 in Moscow
    assert event.end_at == at(7, 12, 15)
    assert event.responsible_id == people.manager.id and event.author_id == people.manager.id
    assert event.counterparty_id == world.romashka.id
    assert event.content == "Привезти образцы."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Событие запланировано." in page and "Встреча с типографией" in page


def test_planning_without_a_counterparty_back_to_the_month(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    data = _new_event(view="month", duration="0", kind="outgoing_call",
                      csrf_token=_token(client))
    response = client.post("/calendar/events", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/calendar/month?date=2025-03-07#event-")
    event = session.scalars(select(Event)).one()
    assert event.counterparty_id is None and event.end_at == event.start_at
    assert event.kind == "outgoing_call"


def test_the_counterparty_may_be_named_by_its_inn(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    assert world.romashka.inn
    data = _new_event(counterparty=world.romashka.inn, csrf_token=_token(client))
    assert client.post("/calendar/events", data=data).status_code == 302
    event = session.scalars(select(Event).where(Event.subject == "Встреча с типографией")).one()
    assert event.counterparty_id == world.romashka.id


def test_planning_without_the_csrf_token_is_refused(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    _token(client)  # the session has a token; the form does not send it
    response = client.post("/calendar/events", data=_new_event())
    assert response.status_code == 400
    assert session.scalars(select(Event)).all() == []


def test_errors_come_back_in_russian_naming_the_field(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    data = _new_event(subject=" ", start_at="", duration="2000", counterparty="Холдинг",
                      csrf_token=_token(client))
    response = client.post("/calendar/events", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Событие не сохранено. Исправьте поля:" in page
    assert '<a href="#new-subject">Тема</a>: Укажите тему.' in page
    assert '<a href="#new-start_at">Начало</a>: Укажите дату и время.' in page
    assert '<a href="#new-duration">Длительность, минут</a>: ' \
           "Укажите длительность от 0 до 1440 минут." in page
    assert 'aria-invalid="true"' in page and "<h1>Запланировать событие</h1>" in page
    assert 'value="Привезти образцы."' not in page  # a textarea keeps its text as content
    assert "Привезти образцы.</textarea>" in page and 'value="2000"' in page
    assert session.scalars(select(Event).where(Event.subject == "Встреча с типографией")).all() \
        == []
    # The counterparty is checked once the rest is right: two «Холдинг», then none.
    data = _new_event(counterparty="Холдинг", csrf_token=_token(client))
    page = client.post("/calendar/events", data=data).get_data(as_text=True)
    assert ('<a href="#new-counterparty">Контрагент</a>: Подходят несколько контрагентов '
            "«Холдинг»: введите полное название или ИНН.") in page
    data = _new_event(counterparty="Лютик", csrf_token=_token(client))
    response = client.post("/calendar/events", data=data)
    assert response.status_code == 400
    assert "Контрагент</a>: Не найден контрагент «Лютик»." in response.get_data(as_text=True)
    assert session.scalars(select(Event).where(Event.subject == "Встреча с типографией")).all() \
        == []


def test_moving_an_event_keeps_its_length(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    token = csrf_token(client, "/calendar/day?date=2025-03-03")
    response = client.post(f"/calendar/events/{world.meeting.id}/move",
                           data={"start_at": "2025-03-12T16:00", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/calendar/day?date=2025-03-12#event-{world.meeting.id}"
    _fresh(session)
    moved = session.get(Event, world.meeting.id)
    assert moved is not None
    assert moved.start_at == at(12, 13) and moved.end_at == at(12, 14)
    assert "Событие перенесено." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_moving_needs_the_token_a_time_and_a_planned_event(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/calendar/events/{world.meeting.id}/move"
    assert client.post(path, data={"start_at": "2025-03-12T16:00"}).status_code == 400
    token = csrf_token(client, "/calendar/day?date=2025-03-03")
    response = client.post(path, data={"start_at": "", "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Новое начало: Укажите дату и время." in page
    assert '<details class="event__close" open>' in page
    _fresh(session)
    assert session.get(Event, world.meeting.id).start_at == at(3, 7)  # type: ignore[union-attr]
    done = f"/calendar/events/{world.call_done.id}/move"
    assert client.post(done, data={"start_at": "2025-03-12T16:00", "csrf_token": token}) \
        .status_code == 409
    assert client.post("/calendar/events/999999/move",
                       data={"start_at": "2025-03-12T16:00", "csrf_token": token}) \
        .status_code == 404


def test_closing_an_event_with_its_result(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/calendar/events/{world.meeting.id}/close"
    assert client.post(path, data={"state": "done", "result": "x"}).status_code == 400
    token = csrf_token(client, "/calendar/day?date=2025-03-03")
    response = client.post(path, data={"state": "done", "result": "Договорились о тираже.",
                                       "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/calendar/day?date=2025-03-03#event-{world.meeting.id}"
    _fresh(session)
    closed = session.get(Event, world.meeting.id)
    assert closed is not None and closed.state == "done"
    assert closed.content == "Обсудить сроки.\n\nДоговорились о тираже."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Событие выполнено." in page and "Договорились о тираже." in page
    assert "cal-entry--overdue" not in page  # done is not overdue
    assert client.post(path, data={"state": "done", "csrf_token": token}).status_code == 409
    cancel = f"/calendar/events/{world.late_sunday.id}/close"
    assert client.post(cancel, data={"state": "cancelled", "csrf_token": token}) \
        .status_code == 302
    _fresh(session)
    assert session.get(Event, world.late_sunday.id).state == "cancelled"  # type: ignore[union-attr]
    week = client.get(f"/calendar/week?date={WEEK}").get_data(as_text=True)
    assert "Поздний воскресный план" not in week  # cancelled events leave the calendar


def test_completing_a_task(
    client: FlaskClient, people: People, world: CalendarWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/calendar/tasks/{world.task.id}/complete"
    assert client.post(path, data={"result": "Отправлено"}).status_code == 400
    token = csrf_token(client, "/calendar/day?date=2025-03-06")
    response = client.post(path, data={"result": "Отправлено клиенту", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/calendar/day?date=2025-03-06#task-{world.task.id}"
    _fresh(session)
    task = session.get(Task, world.task.id)
    assert task is not None and task.state == "done" and task.result == "Отправлено клиенту"
    assert task.completed_at is not None
    assert client.post(path, data={"csrf_token": token}).status_code == 409


def test_the_day_offers_the_forms_only_for_open_items_of_ones_own_calendar(
    client: FlaskClient, people: People, world: CalendarWorld
) -> None:
    login_as(client, people.manager)
    page = client.get("/calendar/day?date=2025-03-03").get_data(as_text=True)
    assert f'action="/calendar/events/{world.meeting.id}/move"' in page
    assert f'action="/calendar/events/{world.meeting.id}/close"' in page
    tuesday = client.get("/calendar/day?date=2025-03-04").get_data(as_text=True)
    assert "Звонок бухгалтеру" in tuesday and "/move" not in tuesday  # done already
    thursday = client.get("/calendar/day?date=2025-03-06").get_data(as_text=True)
    assert f'action="/calendar/tasks/{world.task.id}/complete"' in thursday
    login_as(client, people.head)
    theirs = client.get(f"/calendar/day?date=2025-03-03&user={people.manager.id}")
    text = theirs.get_data(as_text=True)
    assert theirs.status_code == 200 and "Встреча о тираже" in text
    assert "/move" not in text and "/close" not in text and "/calendar/events/new" not in text
    assert "только просмотр" in text
