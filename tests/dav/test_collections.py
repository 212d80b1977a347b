"""MKCALENDAR, PROPPATCH of displayname and colour, stored calendars, deleting them."""

from __future__ import annotations

import datetime as dt

from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import vevent

MKCALENDAR = ('<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" '
              'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
              "<d:displayname>Отпуска</d:displayname>"
              '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
              "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>")
PROPPATCH = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" '
             'xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop>'
             "<d:displayname>Мои события</d:displayname><a:calendar-color>#FF0000FF"
             "</a:calendar-color><a:calendar-order>3</a:calendar-order></d:prop></d:set>"
             "</d:propertyupdate>")


def test_proppatch_displayname_and_color(world: DavWorld) -> None:
    response = world.request("PROPPATCH", "/dav/calendars/ivan/events/", body=PROPPATCH)
    assert response.status_code == 207 and response.text.count("HTTP/1.1 200 OK") == 1
    body = ('<d:propfind xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:prop>'
            "<d:displayname/><a:calendar-color/><a:calendar-order/></d:prop></d:propfind>")
    got = world.request("PROPFIND", "/dav/calendars/ivan/events/", body=body,
                        headers={"Depth": "0"}).text
    assert "Мои события" in got and "#FF0000FF" in got and ">3</" in got
    protected = world.request(
        "PROPPATCH", "/dav/calendars/ivan/events/",
        body='<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname>'
             "<d:getetag>y</d:getetag></d:prop></d:set></d:propertyupdate>")
    assert "HTTP/1.1 403" in protected.text and "HTTP/1.1 424" in protected.text


def test_mkcalendar_stores_items_and_can_be_deleted(world: DavWorld) -> None:
    assert world.request("MKCALENDAR", "/dav/calendars/ivan/vacations/",
                         body=MKCALENDAR).status_code == 201
    assert world.request("MKCALENDAR", "/dav/calendars/ivan/vacations/",
                         body=MKCALENDAR).status_code == 405
    start = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    text = vevent("vac-1", start, start + dt.timedelta(days=14), "Отпуск", "X-ANY:kept")
    assert world.request("PUT", "/dav/calendars/ivan/vacations/v.ics", body=text
                         ).status_code == 201
    assert world.request("GET", "/dav/calendars/ivan/vacations/v.ics").text == text
    listing = world.request("PROPFIND", "/dav/calendars/ivan/", headers={"Depth": "1"}).text
    assert "Отпуска" in listing
    assert world.request("DELETE", "/dav/calendars/ivan/vacations/").status_code == 204
    assert world.request("GET", "/dav/calendars/ivan/vacations/v.ics").status_code == 404
    assert world.request("DELETE", "/dav/calendars/ivan/events/").status_code == 403
