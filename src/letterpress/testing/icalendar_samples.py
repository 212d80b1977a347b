"""Small iCalendar objects for tests, written the way clients write them."""

from __future__ import annotations

import datetime as dt

REPORT_SYNC = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
               "<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>{limit}"
               "<d:prop><d:getetag/></d:prop></d:sync-collection>")


def stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(uid: str, start: dt.datetime, end: dt.datetime | None = None, summary: str = "Event",
           *extra: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Client//EN", "BEGIN:VEVENT",
             f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"DTSTART:{stamp(start)}"]
    if end is not None:
        lines.append(f"DTEND:{stamp(end)}")
    lines += [f"SUMMARY:{summary}", *extra, "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def vtodo(uid: str, summary: str, due: dt.datetime | None = None, *extra: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Client//EN", "BEGIN:VTODO",
             f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{summary}"]
    if due is not None:
        lines.append(f"DUE:{stamp(due)}")
    lines += [*extra, "END:VTODO", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def sync_body(token: str = "", limit: int | None = None) -> str:
    limit_xml = f"<d:limit><d:nresults>{limit}</d:nresults></d:limit>" if limit else ""
    return REPORT_SYNC.format(token=token, limit=limit_xml)


RECURRING_WITH_EXCEPTIONS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
X-WR-CALNAME:Work
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20250101T090000Z
LAST-MODIFIED:20250101T090000Z
DTSTAMP:20250101T090000Z
UID:weekly-standup-42@client.example
SUMMARY:Weekly planning
ORGANIZER;CN=Ivan:mailto:ivan@print.example
ATTENDEE;CN=Partner;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:boss@customer.example
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
EXDATE;TZID=Europe/Berlin:20250113T100000
DTSTART;TZID=Europe/Berlin:20250106T100000
DTEND;TZID=Europe/Berlin:20250106T110000
X-MOZ-GENERATION:3
X-CUSTOM-FLAG;X-PARAM=keep:yes please
BEGIN:VALARM
ACTION:DISPLAY
TRIGGER;VALUE=DURATION:-PT10M
DESCRIPTION:Default Mozilla Description
X-MOZ-LASTACK:20250106T085000Z
END:VALARM
END:VEVENT
BEGIN:VEVENT
CREATED:20250101T090000Z
LAST-MODIFIED:20250102T090000Z
DTSTAMP:20250102T090000Z
UID:weekly-standup-42@client.example
SUMMARY:Weekly planning (moved)
RECURRENCE-ID;TZID=Europe/Berlin:20250120T100000
DTSTART;TZID=Europe/Berlin:20250120T140000
DTEND;TZID=Europe/Berlin:20250120T150000
X-MOZ-GENERATION:4
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")
