"""Hostile request bodies get a 4xx and never a crash (XXE, entity bombs, nesting, size)."""

from __future__ import annotations

import pytest

from letterpress.testing.davserver import DavWorld

XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname></d:prop>'
       '</d:propfind>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + ']><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol9;</d:displayname>'
            '</d:prop></d:propfind>')
DEEP = '<?xml version="1.0"?>' + "<a>" * 5000 + "</a>" * 5000


@pytest.mark.parametrize("body", [XXE, LAUGHS, DEEP, "<not xml", "\x00\xff"],
                         ids=["xxe", "billion-laughs", "deep", "malformed", "binary"])
def test_hostile_bodies_are_refused(world: DavWorld, body: str) -> None:
    for method, path in (("PROPFIND", "/dav/calendars/ivan/"),
                         ("REPORT", "/dav/calendars/ivan/events/"),
                         ("PROPPATCH", "/dav/calendars/ivan/events/")):
        response = world.request(method, path, body=body, headers={"Depth": "0"})
        assert 400 <= response.status_code < 500, (method, response.status_code)
        assert "root:" not in response.text
    assert world.request("PROPFIND", "/dav/", headers={"Depth": "0"}).status_code == 207


def test_oversized_body_gets_413(world: DavWorld) -> None:
    body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>' + " " * 2_000_000 + \
        "</d:prop></d:propfind>"
    response = world.request("PROPFIND", "/dav/calendars/ivan/", body=body,
                             headers={"Depth": "0"})
    assert response.status_code == 413
