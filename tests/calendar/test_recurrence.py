"""A recurring event with exceptions, time zones, attendees, X- properties and the client's own
alarm survives a round trip byte for byte, is found by time range, expands, and takes CRM
changes without losing the rest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from letterpress.crm.events import move_event
from letterpress.crm.model import Event, User
from letterpress.db.session import session_factory
from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import RECURRING_WITH_EXCEPTIONS

URL = "/dav/calendars/ivan/events/weekly.ics"
QUERY = ('<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
         'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>{data}</d:prop>'
         '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
         '<c:time-range start="{start}" end="{end}"/></c:comp-filter></c:comp-filter>'
         "</c:filter></c:calendar-query>")


def _query(world: DavWorld, start: str, end: str, data: str = "") -> str:
    body = QUERY.format(start=start, end=end, data=data)
    response = world.request("REPORT", "/dav/calendars/ivan/events/", body=body,
                             headers={"Depth": "1"})
    assert response.status_code == 207
    return str(response.text)


def test_round_trip_is_byte_for_byte(world: DavWorld) -> None:
    put = world.request("PUT", URL, body=RECURRING_WITH_EXCEPTIONS,
                        headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert put.status_code == 201
    got = world.request("GET", URL)
    assert got.text == RECURRING_WITH_EXCEPTIONS
    assert got.headers["ETag"] == put.headers["ETag"]


def test_found_by_any_instance_and_not_by_exdate(world: DavWorld) -> None:
    world.request("PUT", URL, body=RECURRING_WITH_EXCEPTIONS)
    assert "weekly.ics" in _query(world, "20250303T000000Z", "20250304T000000Z")  # 8th Monday
    assert "weekly.ics" not in _query(world, "20250113T000000Z", "20250114T000000Z")  # EXDATE
    assert "weekly.ics" not in _query(world, "20250501T000000Z", "20250601T000000Z")  # after COUNT
    moved = _query(world, "20250120T120000Z", "20250120T140000Z")  # the moved instance (14:00 CET)
    assert "weekly.ics" in moved
    assert "weekly.ics" not in _query(world, "20250120T083000Z", "20250120T093000Z")


def test_expand_returns_instances_in_utc(world: DavWorld) -> None:
    world.request("PUT", URL, body=RECURRING_WITH_EXCEPTIONS)
    data = ('<c:calendar-data><c:expand start="20250101T000000Z" end="20250201T000000Z"/>'
            "</c:calendar-data>")
    text = _query(world, "20250101T000000Z", "20250201T000000Z", data)
    assert text.count("BEGIN:VEVENT") == 3  # 6th, (13th excluded), 20th moved, 27th
    assert "DTSTART:20250120T130000Z" in text and "RRULE" not in text


def test_crm_change_merges_into_the_clients_text(world: DavWorld) -> None:
    world.request("PUT", URL, body=RECURRING_WITH_EXCEPTIONS)
    with session_factory(world.engine)() as session:
        event = session.scalars(select(Event).where(
            Event.uid == "weekly-standup-42@client.example")).one()
        assert event.counterparty_id is None  # customer.example is not a known company
        ivan = session.get(User, world.user_ids["ivan"])
        assert ivan is not None
        start = event.start_at + dt.timedelta(hours=1)
        move_event(session, ivan, event.id, start, start + dt.timedelta(hours=1))
        session.commit()
    text = world.request("GET", URL).text
    rule = [line for line in text.split("\r\n") if line.startswith("RRULE:")][-1]
    assert sorted(rule[6:].split(";")) == ["BYDAY=MO", "COUNT=10", "FREQ=WEEKLY"]
    for kept in ("EXDATE;TZID=Europe/Berlin:20250113T100000",
                 "X-CUSTOM-FLAG;X-PARAM=keep:yes please", "X-MOZ-LASTACK:20250106T085000Z",
                 "RECURRENCE-ID;TZID=Europe/Berlin:20250120T100000", "RSVP=TRUE",
                 "SUMMARY:Weekly planning (moved)", "X-WR-CALNAME:Work"):
        assert kept in text, kept
    assert "DTSTART;TZID=Europe/Berlin:20250106T110000" in text
