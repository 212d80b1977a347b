"""Discovery as DAVx5, iOS, Thunderbird and Outlook CalDAV Synchronizer do it (RFC 6764, 5397)."""

from __future__ import annotations

import re

from letterpress.testing.davserver import DavWorld

PROPFIND = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">'
            '<d:prop>{}</d:prop></d:propfind>')


def test_well_known_redirects_to_dav(world: DavWorld) -> None:
    for path in ("/.well-known/caldav", "/.well-known/carddav"):
        response = world.request("PROPFIND", path, headers={"Depth": "0"})
        assert response.status_code == 301
        assert response.headers["Location"] == "/dav/"
    assert world.request("GET", "/").text == "web ui placeholder\n"


def test_principal_and_home_set(world: DavWorld) -> None:
    body = PROPFIND.format("<d:current-user-principal/>")
    response = world.request("PROPFIND", "/dav/", body=body, headers={"Depth": "0"})
    assert response.status_code == 207
    assert "<D:current-user-principal><D:href>/dav/principals/ivan/</D:href>" in response.text
    body = PROPFIND.format("<c:calendar-home-set/><c:calendar-user-address-set/>"
                           "<cs:email-address-set/><d:principal-URL/><d:displayname/>")
    response = world.request("PROPFIND", "/dav/principals/ivan/", body=body,
                             headers={"Depth": "0"})
    assert "<C:calendar-home-set><D:href>/dav/calendars/ivan/</D:href>" in response.text
    assert "mailto:ivan@print.example" in response.text
    assert "<CS:email-address>ivan@print.example</CS:email-address>" in response.text
    assert "Иван Петров" in response.text


def test_home_lists_calendars_with_name_and_components(world: DavWorld) -> None:
    body = PROPFIND.format("<d:resourcetype/><d:displayname/><c:supported-calendar-component-set/>"
                           "<d:current-user-privilege-set/><d:sync-token/><cs:getctag/>"
                           "<d:supported-report-set/>")
    response = world.request("PROPFIND", "/dav/calendars/ivan/", body=body,
                             headers={"Depth": "1"})
    assert response.status_code == 207
    blocks = dict(re.findall(r"<D:href>([^<]+)</D:href>(.*?)</D:response>", response.text))
    events = blocks["/dav/calendars/ivan/events/"]
    assert "<D:displayname>События</D:displayname>" in events
    assert '<C:comp name="VEVENT"/>' in events and "<D:write-content/>" in events
    assert "<D:sync-token>http://letterpress.invalid/sync/" in events
    assert "<CS:getctag>" in events and "<C:calendar-query/>" in events
    assert "<D:sync-collection/>" in events
    assert '<C:comp name="VTODO"/>' in blocks["/dav/calendars/ivan/tasks/"]
    birthdays = blocks["/dav/calendars/ivan/birthdays/"]
    assert "Дни рождения" in birthdays and "<D:write-content/>" not in birthdays


def test_options_advertises_calendar_access(world: DavWorld) -> None:
    response = world.request("OPTIONS", "/dav/")
    assert "calendar-access" in response.headers["DAV"]
    assert "REPORT" in response.headers["Allow"]


def test_depth_infinity_is_refused(world: DavWorld) -> None:
    response = world.request("PROPFIND", "/dav/calendars/ivan/",
                             body=PROPFIND.format("<d:displayname/>"),
                             headers={"Depth": "infinity"})
    assert response.status_code == 403
    assert "propfind-finite-depth" in response.text


def test_unknown_property_is_404_in_propstat(world: DavWorld) -> None:
    body = PROPFIND.format('<x:nothing xmlns:x="urn:example"/><d:displayname/>')
    response = world.request("PROPFIND", "/dav/calendars/ivan/events/", body=body,
                             headers={"Depth": "0"})
    assert "HTTP/1.1 404 Not Found" in response.text and "nothing" in response.text


def test_allprop_and_propname(world: DavWorld) -> None:
    response = world.request("PROPFIND", "/dav/calendars/ivan/events/", headers={"Depth": "0"})
    assert response.status_code == 207 and "<D:displayname>События" in response.text
    body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>'
    response = world.request("PROPFIND", "/dav/calendars/ivan/events/", body=body,
                             headers={"Depth": "0"})
    assert "<C:supported-calendar-component-set/>" in response.text
