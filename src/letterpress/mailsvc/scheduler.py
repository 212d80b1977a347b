"""Periodic work the mail daemon also runs: reminders every minute, analytics once a night.

Each job runs in a worker thread with its own session; an error is logged and the job runs
again at its next turn, so the scheduler never stops the daemon.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import Settings

log = logging.getLogger(__name__)

REMINDER_INTERVAL_S = 60.0


def reminders_pass(factory: sessionmaker[Session], settings: Settings, now: dt.datetime) -> int:
    from letterpress.crm.reminders import run_due
    from letterpress.mailsvc.outbox import staged

    with factory() as session:
        result = run_due(session, settings, now)
        with staged(settings.data_dir, settings.reminders.digest_from, result.digests):
            session.commit()
    return len(result.fired)


async def deliver_outbox(settings: Settings) -> None:
    """Send the queued digests when a relay is configured; failures wait for the next pass."""
    from letterpress.mailsvc.outbox import send_outbox

    smtp = settings.reminders.digest_smtp
    if smtp is None:
        return
    result = await send_outbox(settings.data_dir, smtp)
    if result.sent or result.failed:
        log.info("outbox: %d sent, %d refused, %d waiting", len(result.sent), len(result.failed),
                 result.waiting)


def analytics_pass(factory: sessionmaker[Session], settings: Settings, today: dt.date) -> None:
    from letterpress.crm.analytics.runs import run_nightly

    run_nightly(factory, settings, today)


def housekeeping_pass(factory: sessionmaker[Session], settings: Settings,
                      now: dt.datetime) -> int:
    """Nightly: forget DAV tombstones older than ``dav.tombstone_days``; returns how many."""
    from letterpress.crm.calendars import prune_all_tombstones

    with factory() as session:
        pruned = prune_all_tombstones(
            session, now - dt.timedelta(days=settings.dav.tombstone_days))
        session.commit()
    return pruned


async def run_scheduler(factory: sessionmaker[Session], settings: Settings,
                        stop: asyncio.Event) -> None:
    last_analytics: dt.date | None = None
    while not stop.is_set():
        now = dt.datetime.now(dt.UTC)
        try:
            fired = await asyncio.to_thread(reminders_pass, factory, settings, now)
            if fired:
                log.info("reminders: %d fired", fired)
        except Exception:
            log.exception("reminders pass failed; trying again in a minute")
        try:
            await deliver_outbox(settings)
        except Exception:
            log.exception("sending the outbox failed; trying again in a minute")
        local = now.astimezone(settings.company.tz)
        if local.hour == settings.analytics.nightly_hour and last_analytics != local.date():
            last_analytics = local.date()
            try:
                await asyncio.to_thread(analytics_pass, factory, settings, local.date())
                log.info("analytics recomputed for %s", local.date())
            except Exception:
                log.exception("nightly analytics failed; trying again next night")
            try:
                pruned = await asyncio.to_thread(housekeeping_pass, factory, settings, now)
                if pruned:
                    log.info("dav: %d tombstones pruned", pruned)
            except Exception:
                log.exception("nightly housekeeping failed; trying again next night")
        try:
            await asyncio.wait_for(stop.wait(), REMINDER_INTERVAL_S)
        except TimeoutError:
            pass
