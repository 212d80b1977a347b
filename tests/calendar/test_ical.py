"""The pure translator: parsing clients' objects, rendering CRM records, merging, folding."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from letterpress.calendar.ical import IcalError, merge_event, parse_object
from letterpress.calendar.icalwriter import birthday_occurs, fold, render_event, render_task
from letterpress.crm.calendar_data import BirthdayView, EventView, TaskView
from letterpress.testing.icalendar_samples import RECURRING_WITH_EXCEPTIONS, vevent, vtodo

MSK = ZoneInfo("Europe/Moscow")
UTC = dt.UTC


def test_parse_event_fields_and_range() -> None:
    start = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)
    data = parse_object(vevent("u1", start, start + dt.timedelta(hours=1), "Звонок клиенту",
                               "ATTENDEE;CN=X:mailto:X@Client.Example", "STATUS:CANCELLED"), MSK)
    assert data.uid == "u1" and data.component == "VEVENT" and not data.recurring
    assert data.range_start == start and data.range_end == start + dt.timedelta(hours=1)
    assert data.event is not None and data.event.attendees == ("x@client.example",)
    assert data.event.cancelled and data.event.subject == "Звонок клиенту"


def test_all_day_and_floating_times_use_the_zone() -> None:
    text = vevent("d", dt.datetime(2025, 1, 1, tzinfo=UTC)).replace(
        "DTSTART:20250101T000000Z", "DTSTART;VALUE=DATE:20250310")
    data = parse_object(text, MSK)
    assert data.event is not None and data.event.all_day
    assert data.range_start == dt.datetime(2025, 3, 10, tzinfo=MSK)
    assert data.range_end == dt.datetime(2025, 3, 11, tzinfo=MSK)


def test_recurring_object_is_unbounded() -> None:
    data = parse_object(RECURRING_WITH_EXCEPTIONS, MSK)
    assert data.recurring and data.range_end is None
    assert data.event is not None and data.event.subject == "Weekly planning"


@pytest.mark.parametrize("text", [
    "", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "not a calendar",
    vevent("a", dt.datetime(2025, 1, 1, tzinfo=UTC)).replace("UID:a\r\n", ""),
    vevent("a", dt.datetime(2025, 1, 1, tzinfo=UTC)) .replace(
        "END:VEVENT", "END:VEVENT\r\nBEGIN:VTODO\r\nUID:a\r\nEND:VTODO"),
])
def test_bad_objects_are_refused(text: str) -> None:
    with pytest.raises(IcalError):
        parse_object(text, MSK)


def test_task_fields() -> None:
    due = dt.datetime(2025, 5, 1, 12, tzinfo=UTC)
    data = parse_object(vtodo("t", "Сделать", due, "STATUS:COMPLETED",
                              "COMPLETED:20250430T100000Z"), MSK)
    assert data.task is not None and data.task.state == "done" and data.task.due_at == due
    assert data.task.completed_at == dt.datetime(2025, 4, 30, 10, tzinfo=UTC)


def test_render_and_parse_agree() -> None:
    start = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)
    view = EventView(uid="x@letterpress", subject="Встреча; важная, очень", content="a\nb",
                     location="", start_at=start, end_at=start + dt.timedelta(minutes=30),
                     kind="meeting", state="planned")
    data = parse_object(render_event(view), MSK)
    assert data.event is not None and data.event.subject == view.subject
    assert data.event.content == "a\nb" and data.event.kind == "meeting"
    task = TaskView(uid="t", subject="Задача", description="", due_at=start, state="done",
                    completed_at=start)
    parsed = parse_object(render_task(task), MSK)
    assert parsed.task is not None and parsed.task.state == "done"


def test_merge_keeps_unmodelled_properties() -> None:
    start = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)
    text = vevent("m", start, start + dt.timedelta(hours=1), "Old", "X-KEEP;P=1:yes",
                  "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT5M", "END:VALARM")
    view = EventView(uid="m", subject="New", content="", location="", start_at=start,
                     end_at=start + dt.timedelta(hours=2), kind="meeting", state="cancelled")
    merged = merge_event(text, view, MSK)
    assert "SUMMARY:New" in merged and "X-KEEP;P=1:yes" in merged and "TRIGGER:-PT5M" in merged
    assert "STATUS:CANCELLED" in merged and "DTEND:20250303T110000Z" in merged


def test_fold_never_splits_a_character() -> None:
    line = "SUMMARY:" + "Ж" * 100
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_birthday_occurs_in_its_month_every_year() -> None:
    view = BirthdayView(uid="b", date=dt.date(1980, 2, 29), person="P", label="birthday")
    march = (dt.datetime(2027, 3, 1, tzinfo=UTC), dt.datetime(2027, 4, 1, tzinfo=UTC))
    feb = (dt.datetime(2027, 2, 1, tzinfo=UTC), dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert birthday_occurs(view, *feb, MSK) and not birthday_occurs(view, *march, MSK)
    assert not birthday_occurs(view, dt.datetime(1970, 1, 1, tzinfo=UTC),
                               dt.datetime(1971, 1, 1, tzinfo=UTC), MSK)
