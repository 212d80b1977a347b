"""A head sees each subordinate's calendars read-only; others see nothing of them."""

from __future__ import annotations

import datetime as dt

from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import vevent

T0 = dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC)


def test_head_reads_but_cannot_write(world: DavWorld) -> None:
    assert world.request("PUT", "/dav/calendars/ivan/events/m.ics",
                         body=vevent("m-1", T0, T0, "Ivan's meeting")).status_code == 201
    home = world.request("PROPFIND", "/dav/calendars/head/", "head", headers={"Depth": "1"})
    assert "/dav/calendars/head/ivan~events/" in home.text
    assert "События — Иван Петров" in home.text
    for path in ("/dav/calendars/head/ivan~events/m.ics", "/dav/calendars/ivan/events/m.ics"):
        got = world.request("GET", path, "head")
        assert got.status_code == 200 and "Ivan's meeting" in got.text
        assert world.request("PUT", path, "head", body=vevent("m-1", T0, T0, "x")
                             ).status_code == 403
        assert world.request("DELETE", path, "head").status_code == 403
    new = world.request("PUT", "/dav/calendars/ivan/events/new.ics", "head",
                        body=vevent("h-1", T0, T0))
    assert new.status_code == 403
    props = world.request(
        "PROPFIND", "/dav/calendars/head/ivan~events/", "head", headers={"Depth": "0"},
        body='<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop>'
             "</d:propfind>")
    assert "<D:read/>" in props.text and "<D:write-content/>" not in props.text
    patch = world.request(
        "PROPPATCH", "/dav/calendars/ivan/events/", "head",
        body='<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname>'
             "</d:prop></d:set></d:propertyupdate>")
    assert patch.status_code == 403
    assert "Ivan's meeting" in world.request("GET", "/dav/calendars/ivan/events/m.ics").text


def test_others_see_nothing(world: DavWorld) -> None:
    assert world.request("PROPFIND", "/dav/calendars/ivan/", "olga",
                         headers={"Depth": "0"}).status_code == 404
    assert world.request("GET", "/dav/calendars/ivan/events/x.ics", "olga").status_code == 404
    assert world.request("PROPFIND", "/dav/calendars/head/ivan~events/", "olga",
                         headers={"Depth": "0"}).status_code == 404
    home = world.request("PROPFIND", "/dav/calendars/ivan/", "ivan", headers={"Depth": "1"})
    assert "~" not in home.text  # ivan heads nobody
