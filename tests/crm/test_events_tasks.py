from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy.orm import Session

from letterpress.crm import events, tasks, users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import Event
from letterpress.errors import PermissionDenied, ValidationError

MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def test_event_times_stay_aware_through_the_database(session: Session) -> None:
    m = users.add_user(session, "m1")
    cp = create_counterparty(session, CounterpartyData(name="C"))
    start = dt.datetime(2025, 12, 30, 15, 0, tzinfo=MSK)
    ev = events.register_event(session, author=m, kind="meeting", state="planned",
                               start_at=start, end_at=start + dt.timedelta(hours=1),
                               counterparty_id=cp.id, subject="Макет календаря")
    session.commit()
    session.expire_all()
    loaded = session.get(Event, ev.id)
    assert loaded is not None
    assert loaded.start_at == start and loaded.start_at.tzinfo is not None
    assert loaded.responsible_id == m.id and loaded.uid


def test_event_rules(session: Session) -> None:
    m = users.add_user(session, "m1")
    other = users.add_user(session, "m2")
    with pytest.raises(ValidationError, match="time zone"):
        events.register_event(session, author=m, kind="meeting", start_at=dt.datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="kind"):
        events.register_event(session, author=m, kind="party",
                              start_at=dt.datetime(2025, 1, 1, tzinfo=MSK))
    ev = events.register_event(session, author=m, kind="outgoing_call", state="planned",
                               start_at=dt.datetime(2025, 1, 1, 10, tzinfo=MSK))
    with pytest.raises(PermissionDenied):
        events.set_state(session, other, ev.id, "done")
    events.set_state(session, m, ev.id, "done", content="договорились о макете")
    assert ev.state == "done" and ev.content == "договорились о макете"


def test_task_by_curator(session: Session) -> None:
    head = users.add_user(session, "head", role="head")
    m = users.add_user(session, "m1", supervisor="head")
    due = dt.datetime(2025, 2, 1, 18, tzinfo=MSK)
    task = tasks.set_task(session, curator=head, assignee_id=m.id, subject="Позвонить", due_at=due)
    assert [t.id for t in tasks.open_tasks(session, m.id)] == [task.id]
    tasks.complete_task(session, m, task.id, result="позвонил")
    assert tasks.open_tasks(session, m.id) == []
    assert task.completed_at is not None and task.result == "позвонил"


def test_who_may_set_a_task_to_whom(session: Session) -> None:
    head = users.add_user(session, "head", role="head")
    m1 = users.add_user(session, "m1", supervisor="head")
    m2 = users.add_user(session, "m2", supervisor="head")
    admin = users.add_user(session, "root", role="admin")
    assert tasks.set_task(session, curator=m1, assignee_id=m1.id, subject="Себе").assignee_id == m1.id
    with pytest.raises(PermissionDenied):
        tasks.set_task(session, curator=m1, assignee_id=m2.id, subject="Коллеге")
    with pytest.raises(PermissionDenied):
        tasks.set_task(session, curator=m1, assignee_id=head.id, subject="Начальнику")
    assert tasks.set_task(session, curator=head, assignee_id=m2.id, subject="Отчёт").id
    assert tasks.set_task(session, curator=admin, assignee_id=head.id, subject="План").id
