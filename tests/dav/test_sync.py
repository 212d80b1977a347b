"""sync-collection (RFC 6578) as DAVx5 uses it: initial, incremental, invalid and truncated."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select

from letterpress.config import DavSettings, Settings
from letterpress.crm.events import move_event
from letterpress.crm.model import DavItem, Event, User
from letterpress.db.session import session_factory
from letterpress.mailsvc import scheduler
from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import sync_body, vevent

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def _put(world: DavWorld, name: str, uid: str, hours: int = 0) -> None:
    text = vevent(uid, T0 + dt.timedelta(hours=hours), T0 + dt.timedelta(hours=hours + 1))
    response = world.request("PUT", f"/dav/calendars/ivan/events/{name}", body=text,
                             headers={"Content-Type": "text/calendar"})
    assert response.status_code in (201, 204), response.text


def _sync(world: DavWorld, token: str = "", limit: int | None = None,
          collection: str = "events") -> tuple[int, str, str]:
    response = world.request("REPORT", f"/dav/calendars/ivan/{collection}/",
                             body=sync_body(token, limit), headers={"Depth": "0"})
    found = re.search(r"<D:sync-token>([^<]+)</D:sync-token>", response.text)
    return response.status_code, response.text, found.group(1) if found else ""


def test_empty_token_returns_everything_then_changes_only(world: DavWorld) -> None:
    for i in range(3):
        _put(world, f"e{i}.ics", f"uid-{i}", i)
    status, text, token = _sync(world)
    assert status == 207 and all(f"/events/e{i}.ics" in text for i in range(3))
    status, text, same = _sync(world, token)
    assert status == 207 and "<D:response>" not in text and same == token
    _put(world, "e1.ics", "uid-1", 5)
    assert world.request("DELETE", "/dav/calendars/ivan/events/e2.ics").status_code == 204
    status, text, newer = _sync(world, token)
    assert "/events/e1.ics" in text and "/events/e0.ics" not in text
    assert re.search(r"e2\.ics</D:href><D:status>HTTP/1.1 404", text)
    assert newer != token


def test_crm_change_reaches_the_next_sync(world: DavWorld) -> None:
    _put(world, "meeting.ics", "uid-m")
    _status, _text, token = _sync(world)
    with session_factory(world.engine)() as session:
        user = session.get(User, world.user_ids["ivan"])
        assert user is not None
        event = session.query(Event).filter_by(uid="uid-m").one()
        move_event(session, user, event.id, T0 + dt.timedelta(days=1), None)
        session.commit()
    _status, text, _new = _sync(world, token)
    assert "/events/meeting.ics" in text
    body = world.request("GET", "/dav/calendars/ivan/events/meeting.ics").text
    assert "DTSTART:20250304T090000Z" in body


def test_unknown_token_gets_valid_sync_token_error(world: DavWorld) -> None:
    for token in ("http://letterpress.invalid/sync/999-1", "garbage",
                  "http://letterpress.invalid/sync/1-99999"):
        status, text, _ = _sync(world, token)
        assert status == 403 and "valid-sync-token" in text


def test_truncated_result_carries_507_and_resumes(world: DavWorld) -> None:
    for i in range(5):
        _put(world, f"t{i}.ics", f"uid-t{i}", i)
    status, text, token = _sync(world, limit=2)
    assert status == 207
    assert re.search(r"/dav/calendars/ivan/events/</D:href><D:status>HTTP/1.1 507", text)
    seen = set(re.findall(r"events/(t\d)\.ics", text))
    assert len(seen) == 2
    while True:
        status, text, token = _sync(world, token, limit=2)
        seen |= set(re.findall(r"events/(t\d)\.ics", text))
        if "507" not in text:
            break
    assert seen == {f"t{i}" for i in range(5)}


def test_pruned_tombstones_invalidate_older_tokens_only(world: DavWorld, tmp_path: Path) -> None:
    assert world.request("MKCALENDAR", "/dav/calendars/ivan/trips/").status_code == 201
    for i in range(2):
        text = vevent(f"uid-p{i}", T0, T0 + dt.timedelta(hours=1))
        assert world.request("PUT", f"/dav/calendars/ivan/trips/p{i}.ics", body=text,
                             headers={"Content-Type": "text/calendar"}).status_code == 201
    _status, _text, before_delete = _sync(world, collection="trips")
    assert world.request("DELETE", "/dav/calendars/ivan/trips/p0.ics").status_code == 204
    _status, _text, after_delete = _sync(world, before_delete, collection="trips")
    settings = Settings(data_dir=tmp_path, dav=DavSettings(tombstone_days=90))
    factory = session_factory(world.engine)
    assert scheduler.housekeeping_pass(factory, settings, dt.datetime.now(dt.UTC)) == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    assert scheduler.housekeeping_pass(factory, settings, later) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(DavItem)
                              .where(DavItem.deleted.is_(True))) == 0
    status, text, _ = _sync(world, before_delete, collection="trips")
    assert status == 403 and "valid-sync-token" in text  # it would miss the deletion
    status, text, _ = _sync(world, after_delete, collection="trips")
    assert status == 207  # it already saw the deletion
    status, text, _ = _sync(world, collection="trips")
    assert "/trips/p1.ics" in text and "/trips/p0.ics" not in text
