"""The birthdays calendar: generated from contact persons, yearly, read-only, kept current."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from letterpress.crm.model import Anniversary, ContactPerson, User
from letterpress.db.session import session_factory
from letterpress.testing.davserver import DavWorld
from letterpress.testing.factories import make_contact, make_counterparty
from letterpress.testing.icalendar_samples import sync_body, vevent

URL = "/dav/calendars/ivan/birthdays/"


def _people(session: Session, world: DavWorld) -> ContactPerson:
    ivan = session.get(User, world.user_ids["ivan"])
    company = make_counterparty(session, "ООО Вектор", manager=ivan)
    person = make_contact(session, company, "Мария Иванова", birthday=dt.date(1985, 3, 14),
                          phones=["+7 900 000-00-01"])
    person.anniversaries.append(Anniversary(label="Годовщина свадьбы", date=dt.date(2010, 6, 1)))
    make_contact(session, company, "Без даты")
    other = make_counterparty(session, "ООО Чужие")
    make_contact(session, other, "Чужой контакт", birthday=dt.date(1990, 1, 1))
    make_contact(session, None, "Личный", owner=ivan, birthday=dt.date(1992, 2, 29))
    session.commit()
    return person


def test_birthdays_are_yearly_and_read_only(world: DavWorld) -> None:
    with session_factory(world.engine)() as session:
        _people(session, world)
    listing = world.request("PROPFIND", URL, headers={"Depth": "1"}).text
    assert listing.count(".ics</D:href>") == 3  # birthday, anniversary, personal contact
    query = ('<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
             "<d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name=\"VCALENDAR\">"
             '<c:comp-filter name="VEVENT"><c:time-range start="20270301T000000Z" '
             'end="20270401T000000Z"/></c:comp-filter></c:comp-filter></c:filter>'
             "</c:calendar-query>")
    march = world.request("REPORT", URL, body=query, headers={"Depth": "1"}).text
    march = march.replace("\r\n ", "")  # unfold
    assert "День рождения: Мария Иванова (ООО Вектор)" in march
    assert "RRULE:FREQ=YEARLY" in march and "Годовщина" not in march
    feb = world.request("REPORT", URL, body=query.replace("20270301", "20270201").replace(
        "20270401", "20270301"), headers={"Depth": "1"}).text.replace("\r\n ", "")
    assert "Личный" in feb and "BYMONTHDAY=-1" in feb  # 29 February, in a common year
    put = world.request("PUT", URL + "x.ics", body=vevent("x", dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    assert put.status_code == 403


def test_contact_changes_reach_the_birthdays_calendar(world: DavWorld) -> None:
    with session_factory(world.engine)() as session:
        person_id = _people(session, world).id
    first = world.request("REPORT", URL, body=sync_body(), headers={"Depth": "0"}).text
    token = re.search(r"<D:sync-token>([^<]+)<", first).group(1)
    with session_factory(world.engine)() as session:
        person = session.get(ContactPerson, person_id)
        assert person is not None
        person.birthday = dt.date(1985, 3, 15)
        session.commit()
    changed = world.request("REPORT", URL, body=sync_body(token), headers={"Depth": "0"}).text
    assert f"birthday-{person_id}@letterpress.ics" in changed
    with session_factory(world.engine)() as session:
        person = session.get(ContactPerson, person_id)
        assert person is not None
        session.delete(person)
        session.commit()
    gone = world.request("REPORT", URL, body=sync_body(token), headers={"Depth": "0"}).text
    assert gone.count("HTTP/1.1 404") == 2  # the birthday and the anniversary
