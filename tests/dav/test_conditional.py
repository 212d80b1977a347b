"""ETags and conditional writes: 412 on a stale tag, an ETag header on every PUT answer."""

from __future__ import annotations

import datetime as dt
import re

from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import vevent

T0 = dt.datetime(2025, 4, 1, 10, tzinfo=dt.UTC)
URL = "/dav/calendars/ivan/events/cond.ics"


def test_put_returns_etag_matching_getetag(world: DavWorld) -> None:
    created = world.request("PUT", URL, body=vevent("cond", T0, T0), headers={"If-None-Match": "*"})
    assert created.status_code == 201 and created.headers["ETag"].startswith('"')
    got = world.request("GET", URL)
    assert got.headers["ETag"] == created.headers["ETag"]
    listing = world.request("PROPFIND", URL, headers={"Depth": "0"},
                            body='<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop>'
                                 "</d:propfind>")
    assert re.search(r"<D:getetag>([^<]+)</D:getetag>", listing.text).group(1).replace(
        "&quot;", '"') == created.headers["ETag"]
    assert world.request("GET", URL, headers={"If-None-Match": created.headers["ETag"]}
                         ).status_code == 304


def test_stale_or_missing_tags_get_412(world: DavWorld) -> None:
    first = world.request("PUT", URL, body=vevent("cond", T0, T0))
    again = world.request("PUT", URL, body=vevent("cond", T0, T0), headers={"If-None-Match": "*"})
    assert again.status_code == 412
    updated = world.request("PUT", URL, body=vevent("cond", T0, T0, "New"),
                            headers={"If-Match": first.headers["ETag"]})
    assert updated.status_code == 204 and updated.headers["ETag"] != first.headers["ETag"]
    stale = world.request("PUT", URL, body=vevent("cond", T0, T0, "Old"),
                          headers={"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    assert "SUMMARY:New" in world.request("GET", URL).text
    assert world.request("DELETE", URL, headers={"If-Match": first.headers["ETag"]}
                         ).status_code == 412
    missing = world.request("PUT", "/dav/calendars/ivan/events/none.ics",
                            body=vevent("none", T0, T0), headers={"If-Match": '"1-1"'})
    assert missing.status_code == 412
    assert world.request("DELETE", URL, headers={"If-Match": updated.headers["ETag"]}
                         ).status_code == 204


def test_uid_conflict_and_bad_data(world: DavWorld) -> None:
    assert world.request("PUT", URL, body=vevent("same", T0, T0)).status_code == 201
    other = world.request("PUT", "/dav/calendars/ivan/events/other.ics",
                          body=vevent("same", T0, T0))
    assert other.status_code == 403 and "no-uid-conflict" in other.text
    bad = world.request("PUT", "/dav/calendars/ivan/events/bad.ics", body="BEGIN:VCALENDAR\r\n")
    assert bad.status_code == 403 and "valid-calendar-data" in bad.text
    todo = world.request("PUT", "/dav/calendars/ivan/events/todo.ics",
                         body=vevent("x", T0, T0).replace("VEVENT", "VTODO"))
    assert todo.status_code == 403 and "supported-calendar-component" in todo.text
