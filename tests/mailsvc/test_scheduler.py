"""The daemon's scheduler fires reminders (and would run nightly analytics) beside the folders."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, select

from letterpress.config import Settings
from letterpress.crm.events import register_event
from letterpress.crm.model import Reminder
from letterpress.db.session import session_factory
from letterpress.mailsvc import scheduler
from letterpress.testing.factories import make_user


def test_scheduler_fires_due_reminders_and_stops_cleanly(engine: Engine, tmp_path: Path) -> None:
    factory = session_factory(engine)
    with factory() as session:
        user = make_user(session, "ivan", email="ivan@print.example")
        register_event(session, author=user, kind="meeting", state="planned",
                       start_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5), subject="Скоро")
        session.commit()
    settings = Settings(data_dir=tmp_path)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(scheduler.run_scheduler(factory, settings, stop))
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(main())
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Reminder)) == 1
