"""vdirsyncer syncs the events and tasks calendars two-way with a local folder: edits on either
side arrive on the other, with no conflicts and nothing lost."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from letterpress.crm.events import move_event, register_event
from letterpress.crm.model import Event, Task, User
from letterpress.crm.tasks import set_task
from letterpress.db.session import session_factory
from letterpress.testing.davserver import DavWorld
from letterpress.testing.icalendar_samples import vevent, vtodo

UTC = dt.UTC
VDIRSYNCER = Path(sys.executable).with_name("vdirsyncer")


class Vdirsyncer:
    def __init__(self, world: DavWorld, root: Path) -> None:
        self.root = root
        self.local = root / "local"
        self.local.mkdir()
        self.config = root / "config"
        self.config.write_text(f"""[general]
status_path = "{root}/status/"

[pair crm]
a = "crm_local"
b = "crm_remote"
collections = ["events", "tasks"]

[storage crm_local]
type = "filesystem"
path = "{self.local}/"
fileext = ".ics"

[storage crm_remote]
type = "caldav"
url = "{world.server.url}/"
username = "ivan"
password = "{world.passwords['ivan']}"
""", encoding="utf-8")

    def run(self, *args: str) -> str:
        env = dict(os.environ, VDIRSYNCER_CONFIG=str(self.config))
        result = subprocess.run([str(VDIRSYNCER), *args], input="y\n" * 20, text=True,
                                capture_output=True, env=env, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "conflict" not in (result.stdout + result.stderr).lower()
        return result.stdout + result.stderr

    def files(self, collection: str) -> dict[str, str]:
        folder = self.local / collection
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.ics"))}


@pytest.fixture
def vds(world: DavWorld, tmp_path: Path) -> Vdirsyncer:
    if not VDIRSYNCER.exists():
        pytest.skip("vdirsyncer is not installed (pip install vdirsyncer)")
    return Vdirsyncer(world, tmp_path)


def _find(files: dict[str, str], needle: str) -> tuple[str, str]:
    return next((name, text) for name, text in files.items() if needle in text)


def test_two_way_sync(world: DavWorld, vds: Vdirsyncer) -> None:
    start = dt.datetime(2025, 9, 1, 9, tzinfo=UTC)
    with session_factory(world.engine)() as session:
        ivan = session.get(User, world.user_ids["ivan"])
        assert ivan is not None
        register_event(session, author=ivan, kind="meeting", state="planned", start_at=start,
                       end_at=start + dt.timedelta(hours=1), subject="Из CRM", uid="crm-1")
        set_task(session, curator=ivan, assignee_id=ivan.id, subject="Задача из CRM",
                 due_at=start, uid="crm-task-1")
        session.commit()
    vds.run("discover")
    vds.run("sync")
    name, text = _find(vds.files("events"), "UID:crm-1")
    assert "SUMMARY:Из CRM" in text
    assert "crm-task-1" in "".join(vds.files("tasks").values())

    # local edits: change the CRM event, add an event and a task
    (vds.local / "events" / name).write_text(text.replace("SUMMARY:Из CRM", "SUMMARY:С телефона"),
                                             encoding="utf-8")
    (vds.local / "events" / "local-1.ics").write_text(
        vevent("local-1", start + dt.timedelta(days=1), start + dt.timedelta(days=1, hours=1),
               "Новое локально", "X-LOCAL:keep"), encoding="utf-8")
    (vds.local / "tasks" / "local-t.ics").write_text(
        vtodo("local-t", "Задача локально", start), encoding="utf-8")
    vds.run("sync")
    with session_factory(world.engine)() as session:
        subjects = dict(session.execute(select(Event.uid, Event.subject)).all())
        assert subjects["crm-1"] == "С телефона" and subjects["local-1"] == "Новое локально"
        assert session.scalars(select(Task.subject).where(Task.uid == "local-t")).one() == \
            "Задача локально"

    # a CRM edit reaches the folder
    with session_factory(world.engine)() as session:
        ivan = session.get(User, world.user_ids["ivan"])
        assert ivan is not None
        event = session.scalars(select(Event).where(Event.uid == "local-1")).one()
        move_event(session, ivan, event.id, start + dt.timedelta(days=2), None)
        session.commit()
    vds.run("sync")
    local = vds.files("events")["local-1.ics"]
    assert "20250903T090000Z" in local and "X-LOCAL:keep" in local

    # a local deletion reaches the server; the CRM keeps the history
    (vds.local / "events" / name).unlink()
    vds.run("sync")
    listing = world.request("PROPFIND", "/dav/calendars/ivan/events/", headers={"Depth": "1"})
    assert name not in listing.text and "local-1.ics" in listing.text
    with session_factory(world.engine)() as session:
        assert session.scalars(select(Event.state).where(Event.uid == "crm-1")).one() == \
            "cancelled"

    # and nothing moves any more
    quiet = vds.run("sync")
    assert "Copying" not in quiet and "Deleting" not in quiet
    assert sorted(vds.files("events")) == ["local-1.ics"]
