"""The caldav library as a scripted client: events and tasks created, found by time range,
updated and deleted, each becoming a CRM change, and CRM changes reaching the client."""

from __future__ import annotations

import datetime as dt

import caldav
from sqlalchemy import select

from letterpress.crm.model import Event, Task, User
from letterpress.crm.tasks import complete_task
from letterpress.db.session import session_factory
from letterpress.testing.davserver import DavWorld
from letterpress.testing.factories import make_contact, make_counterparty

UTC = dt.UTC


def _calendar(world: DavWorld, slug: str, login: str = "ivan") -> caldav.Calendar:
    client = caldav.DAVClient(url=world.server.dav_url, username=login,
                              password=world.passwords[login])
    calendars = client.principal().calendars()
    return next(c for c in calendars if str(c.url).rstrip("/").endswith("/" + slug))


def test_events_round_trip_through_the_crm(world: DavWorld) -> None:
    with session_factory(world.engine)() as session:
        company = make_counterparty(session, "ООО Ромашка", domains=["romashka.example"])
        make_contact(session, company, "Пётр Сидоров", emails=["petr@romashka.example"])
        session.commit()
    events = _calendar(world, "events")
    assert events.get_display_name() == "События"
    start = dt.datetime(2025, 5, 12, 9, tzinfo=UTC)
    saved = events.save_event(
        dtstart=start, dtend=start + dt.timedelta(hours=1), summary="Встреча в Ромашке",
        description="Обсудить тираж", location="Офис клиента", uid="client-ev-1",
        attendee="mailto:petr@romashka.example")
    with session_factory(world.engine)() as session:
        event = session.scalars(select(Event).where(Event.uid == "client-ev-1")).one()
        assert (event.subject, event.content, event.location) == (
            "Встреча в Ромашке", "Обсудить тираж", "Офис клиента")
        assert event.kind == "meeting" and event.state == "planned"
        assert event.start_at == start and event.responsible_id == world.user_ids["ivan"]
        assert event.counterparty is not None and event.counterparty.name == "ООО Ромашка"
        assert event.contact_person is not None and event.contact_person.name == "Пётр Сидоров"

    found = events.search(start=dt.datetime(2025, 5, 1, tzinfo=UTC),
                          end=dt.datetime(2025, 6, 1, tzinfo=UTC), event=True)
    assert [f.icalendar_component["UID"] for f in found] == ["client-ev-1"]
    assert events.search(start=dt.datetime(2025, 6, 1, tzinfo=UTC),
                         end=dt.datetime(2025, 7, 1, tzinfo=UTC), event=True) == []

    saved.icalendar_component["SUMMARY"] = "Встреча перенесена"
    saved.save()
    with session_factory(world.engine)() as session:
        assert session.scalars(select(Event.subject).where(Event.uid == "client-ev-1")
                               ).one() == "Встреча перенесена"

    events.event_by_uid("client-ev-1").delete()
    with session_factory(world.engine)() as session:
        event = session.scalars(select(Event).where(Event.uid == "client-ev-1")).one()
        assert event.state == "cancelled"  # history is kept; the item left the calendar
    assert events.events() == []


def test_crm_events_appear_with_an_alarm(world: DavWorld) -> None:
    from letterpress.crm.events import register_event

    with session_factory(world.engine)() as session:
        ivan = session.get(User, world.user_ids["ivan"])
        assert ivan is not None
        register_event(session, author=ivan, kind="outgoing_call", state="planned",
                       start_at=dt.datetime(2025, 5, 13, 8, tzinfo=UTC), subject="Позвонить",
                       uid="crm-call-1")
        register_event(session, author=ivan, kind="incoming_email",
                       start_at=dt.datetime(2025, 5, 13, 8, tzinfo=UTC), subject="Письмо")
        session.commit()
    events = _calendar(world, "events")
    (only,) = events.events()
    component = only.icalendar_component
    assert component["UID"] == "crm-call-1" and component["X-LETTERPRESS-KIND"] == "outgoing_call"
    alarm = component.subcomponents[0]
    assert alarm.name == "VALARM" and alarm["TRIGGER"].dt == -dt.timedelta(minutes=15)


def test_tasks_round_trip(world: DavWorld) -> None:
    tasks = _calendar(world, "tasks")
    due = dt.datetime(2025, 5, 20, 15, tzinfo=UTC)
    todo = tasks.save_todo(summary="Подготовить КП", due=due, uid="todo-1",
                           description="на календари")
    with session_factory(world.engine)() as session:
        task = session.scalars(select(Task).where(Task.uid == "todo-1")).one()
        assert (task.subject, task.due_at, task.state) == ("Подготовить КП", due, "open")
        assert task.assignee_id == world.user_ids["ivan"]
    found = tasks.search(todo=True, start=dt.datetime(2025, 5, 19, tzinfo=UTC),
                         end=dt.datetime(2025, 5, 21, tzinfo=UTC))
    assert [t.icalendar_component["UID"] for t in found] == ["todo-1"]
    todo.complete()
    with session_factory(world.engine)() as session:
        task = session.scalars(select(Task).where(Task.uid == "todo-1")).one()
        assert task.state == "done" and task.completed_at is not None
    assert tasks.todos() == []
    assert len(tasks.todos(include_completed=True)) == 1

    # a task set in the CRM, completed in the CRM, reaches the client
    from letterpress.crm.tasks import set_task

    with session_factory(world.engine)() as session:
        head = session.get(User, world.user_ids["head"])
        assert head is not None
        task = set_task(session, curator=head, assignee_id=world.user_ids["ivan"],
                        subject="Отчёт за месяц", due_at=due, uid="crm-task-1")
        session.commit()
        task_id = task.id
    assert "crm-task-1" in [t.icalendar_component["UID"] for t in tasks.todos()]
    with session_factory(world.engine)() as session:
        ivan = session.get(User, world.user_ids["ivan"])
        assert ivan is not None
        complete_task(session, ivan, task_id, "готово")
        session.commit()
    done = tasks.todo_by_uid("crm-task-1").icalendar_component
    assert str(done["STATUS"]) == "COMPLETED"
    tasks.todo_by_uid("todo-1").delete()
    assert len(tasks.todos(include_completed=True)) == 1
