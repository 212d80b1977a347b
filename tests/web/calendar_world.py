"""A small calendar world for the calendar's web tests: events and tasks of two managers of one
head in the week of 3-9 March 2025 (Moscow time, UTC+3), some overdue, some in the future."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Event, Task
from letterpress.crm.tasks import set_task
from letterpress.testing import factories
from tests.web.conftest import People

UTC = dt.UTC
WEEK = "2025-03-05"  # a Wednesday: the week is Monday 3 to Sunday 9 March
FUTURE = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=400)


@dataclass
class CalendarWorld:
    romashka: Counterparty
    meeting: Event          # manager1's, planned, Monday 10:00-11:00 local, overdue
    call_done: Event        # manager1's, done, Tuesday
    late_sunday: Event      # manager1's, planned, Sunday 23:30 local (20:30 UTC)
    early_monday: Event     # manager1's, planned, next Monday 00:30 local (Sunday 21:30 UTC)
    others_call: Event      # manager2's, planned, Wednesday
    future: Event           # manager1's, planned, a year ahead: not overdue
    letter: Event           # manager1's incoming e-mail: history, not on a calendar
    task: Task              # manager1's, open, due Thursday: overdue
    future_task: Task       # manager1's, open, due a year ahead
    others_task: Task       # manager2's, open, due Friday


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A UTC instant in March 2025."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(name="world")
def world_fixture(session: Session, people: People) -> CalendarWorld:
    """The world; a test module imports this under its own name and asks for ``world``."""
    f = factories
    m1, m2 = people.manager, people.other
    romashka = f.make_counterparty(session, "ООО Ромашка", manager=m1, inn=f.valid_inn(3))
    f.make_counterparty(session, "Холдинг Север")
    f.make_counterparty(session, "Холдинг Юг")
    built = CalendarWorld(
        romashka=romashka,
        meeting=f.make_event(session, romashka, author=m1, kind="meeting", state="planned",
                             start_at=at(3, 7), end_at=at(3, 8), subject="Встреча о тираже",
                             content="Обсудить сроки."),
        call_done=f.make_event(session, romashka, author=m1, kind="outgoing_call",
                               start_at=at(4, 9), subject="Звонок бухгалтеру"),
        late_sunday=f.make_event(session, None, author=m1, kind="other", state="planned",
                                 start_at=at(9, 20, 30), subject="Поздний воскресный план"),
        early_monday=f.make_event(session, None, author=m1, kind="other", state="planned",
                                  start_at=at(9, 21, 30), subject="Ранний понедельник"),
        others_call=f.make_event(session, romashka, author=m2, kind="outgoing_call",
                                 state="planned", start_at=at(5, 8),
                                 subject="Звонок Петра клиенту"),
        future=f.make_event(session, romashka, author=m1, kind="meeting", state="planned",
                            start_at=FUTURE, end_at=FUTURE + dt.timedelta(minutes=90),
                            subject="Встреча в будущем"),
        letter=f.make_event(session, romashka, author=m1, kind="incoming_email",
                            start_at=at(5, 6), subject="Письмо от клиента"),
        task=set_task(session, curator=people.head, assignee_id=m1.id,
                      subject="Подготовить коммерческое предложение", due_at=at(6, 12),
                      counterparty_id=romashka.id),
        future_task=set_task(session, curator=people.head, assignee_id=m1.id,
                             subject="Задача на будущее", due_at=FUTURE),
        others_task=set_task(session, curator=people.head, assignee_id=m2.id,
                             subject="Задача Петра", due_at=at(7, 9)),
    )
    session.commit()
    return built


_DAY = re.compile(r'<li class="cal-(?:day|cell)[^"]*" data-date="(\d{4}-\d\d-\d\d)">')


def day_sections(html: str) -> dict[str, str]:
    """The HTML of each day of a week or month page, by ISO date."""
    parts = _DAY.split(html)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}
