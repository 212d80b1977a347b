"""What the reminders panel reads: a user's own reminders by state, their settings, the count.

Reminders are personal: each row belongs to one user, and :mod:`letterpress.crm.reminders`
lets only that user snooze or dismiss it, so every query here is bounded by ``user_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.config import RemindersSettings
from letterpress.crm.model import Reminder, ReminderSettings, User
from letterpress.crm.reminders import pending
from letterpress.web.reminders import about

RECENT_DONE = dt.timedelta(days=7)
DONE_SHOWN = 30


@dataclass(frozen=True)
class ReminderView:
    reminder: Reminder
    kind: LazyString | str
    link: about.Link | None


@dataclass(frozen=True)
class Panel:
    due: Sequence[ReminderView]
    snoozed: Sequence[ReminderView]
    done: Sequence[ReminderView]


def panel(session: Session, user: User, now: dt.datetime, tz: ZoneInfo) -> Panel:
    due = pending(session, user.id, now)
    snoozed = list(session.scalars(
        select(Reminder).where(Reminder.user_id == user.id, Reminder.state == "snoozed",
                               Reminder.snoozed_until > now)
        .order_by(Reminder.snoozed_until, Reminder.id)))
    done = list(session.scalars(
        select(Reminder).where(Reminder.user_id == user.id, Reminder.state == "done",
                               Reminder.updated_at >= now - RECENT_DONE)
        .order_by(Reminder.updated_at.desc(), Reminder.id.desc()).limit(DONE_SHOWN)))
    found = about.links(session, user, [*due, *snoozed, *done], tz)

    def views(rows: Sequence[Reminder]) -> list[ReminderView]:
        return [ReminderView(r, about.kind_label(r.kind), found.get(r.id)) for r in rows]

    return Panel(due=views(due), snoozed=views(snoozed), done=views(done))


@dataclass(frozen=True)
class Leads:
    """A user's reminder settings as they apply: their own, else the company's defaults."""

    event_lead_minutes: int
    task_lead_hours: int
    digest: bool
    own_event_lead: bool
    own_task_lead: bool
    own_digest: bool


def leads(session: Session, user_id: int, defaults: RemindersSettings) -> Leads:
    row = session.get(ReminderSettings, user_id)
    event = row.event_lead_minutes if row is not None else None
    task = row.task_lead_hours if row is not None else None
    digest = row.digest if row is not None else None
    return Leads(
        event_lead_minutes=defaults.event_lead_minutes if event is None else event,
        task_lead_hours=defaults.task_lead_hours if task is None else task,
        digest=defaults.digest if digest is None else digest,
        own_event_lead=event is not None, own_task_lead=task is not None,
        own_digest=digest is not None,
    )
