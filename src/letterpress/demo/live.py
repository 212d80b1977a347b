"""The demo's last step: what a running installation would have done by the time of the build.

A demo built in the middle of a working day looks like the CRM in use that morning:

- **Reminders.** The reminder engine (:func:`letterpress.crm.reminders.run_due`) runs as the mail
  daemon would have run it: at 9, 13 and 17 o'clock on the working days of the last week, then
  at ``now``. Its birthday calls of days already past were made.
- **The day so far.** Planned calls and meetings of today that began more than half an hour
  before ``now`` were held (done, with a line of result), except about one in five: overdue,
  beside the ones left over from the two days before.
- **What people did with their reminders.** Reminders about what has been done since, and
  those of earlier days but the last one to three, were dismissed; most people snoozed one; the
  rest are due: the panel and the number in the header. No digest is sent (the engine runs with
  digests off).
- **Analytics.** ``letterpress analytics run`` for the default period (the register, the stage
  changes, ABC, XYZ and this month's completeness), the classes the nightly runs of the
  previous twelve months stored (each customer's class history), and a completeness snapshot
  for each of those months following the managers' ``data_trend`` (the managers dashboard's
  change over the period).
- **Devices.** The head and the managers have app passwords for their phones (and some for
  Outlook), used lately. Nobody knows their plain text: a working one is made with
  ``letterpress user app-password LOGIN``.
- **Search.** The counterparties, contact persons, events and tasks that the earlier steps
  inserted in bulk (past the ORM's indexing hooks) are indexed; letters were indexed by the
  mail pipeline.

The step needs the settings and the moment of the build: bind them with :func:`live_step`.
Everything here goes through the CRM's own services, so the demo shows what they make.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from collections.abc import Sequence
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm import reminders
from letterpress.crm.analytics import abc, runs, xyz
from letterpress.crm.analytics.completeness import per_manager
from letterpress.crm.analytics.periods import Period, month_no, month_start
from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import (
    AppPassword,
    BirthdayCall,
    CompletenessSnapshot,
    ContactPerson,
    Counterparty,
    Event,
    EventState,
    Reminder,
    Task,
    TaskState,
    User,
)
from letterpress.crm.passwords import hash_password
from letterpress.demo.build import Step
from letterpress.demo.bulk import insert_all
from letterpress.demo.world import DemoWorld
from letterpress.errors import ValidationError

SCHEDULER_HOURS = (9, 13, 17)  # when the simulated daemon ran on past days
SCHEDULER_DAYS = 7  # how far back it ran
HELD = 0.8  # share of today's past calls and meetings that were held
LEFT_DUE = (1, 3)  # reminders of earlier days about open matters that nobody dismissed yet
SNOOZED = 0.8  # chance that a user with two or more due reminders snoozed the latest
HISTORY_PERIODS = 12  # earlier trailing periods whose classes the nightly runs stored
INDEX_BATCH = 2000
CALL_RESULTS = (
    "Созвонились, договорились о следующем шаге.", "Клиент подтвердил заказ, готовим счёт.",
    "Обсудили сроки, отправим макет на согласование.", "Не дозвонились, перезвонить завтра.",
)
MEETING_RESULTS = (
    "Встреча прошла, ждём решения клиента.", "Согласовали тираж и сроки, готовим счёт.",
    "Показали образцы, клиент выбрал бумагу и отделку.",
)
BIRTHDAY_RESULTS = ("Поздравили, клиент благодарит.", "Поздравили, отправили открытку.")
DEVICES = (("Телефон", 1.0), ("Outlook на работе", 0.5), ("Планшет", 0.2))


def live_step(settings: Settings, now: dt.datetime) -> Step:
    """The live step bound to ``settings`` and the (aware) moment ``now`` of the build."""
    return Step("live", partial(build_live, settings=settings, now=now))


def build_live(world: DemoWorld, rng: random.Random, *, settings: Settings,
               now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValidationError("now: a time without a time zone is ambiguous", field="now")
    session = world.session
    tz = settings.company.tz
    quiet = dataclasses.replace(settings, reminders=dataclasses.replace(
        settings.reminders, digest=False))
    for moment in scheduler_runs(now, tz):
        reminders.run_due(session, quiet, moment)
    start_of_day = dt.datetime.combine(now.astimezone(tz).date(), dt.time(), tz)
    _hold_meetings(session, rng, start_of_day, now)
    _handle_reminders(session, rng, settings, start_of_day, now)
    _store_analytics(world, settings, now.astimezone(tz).date())
    _devices(world, rng, now)
    _index(session)


def scheduler_runs(now: dt.datetime, tz: dt.tzinfo) -> list[dt.datetime]:
    """When the simulated daemon ran: office hours of the last working days, then ``now``."""
    today = now.astimezone(tz).date()
    moments = [
        dt.datetime.combine(today - dt.timedelta(days=back), dt.time(hour), tz)
        for back in range(SCHEDULER_DAYS, -1, -1)
        for hour in SCHEDULER_HOURS
        if (today - dt.timedelta(days=back)).weekday() < 5
    ]
    return [m for m in moments if m < now] + [now]


def _hold_meetings(session: Session, rng: random.Random, start_of_day: dt.datetime,
                   now: dt.datetime) -> None:
    """Today's past calls and meetings, and the past birthday calls, mostly done."""
    held_before = now - dt.timedelta(minutes=30)
    today = session.scalars(
        select(Event).where(Event.state == EventState.PLANNED.value,
                            Event.kind.in_(CALENDAR_EVENT_KINDS),
                            Event.start_at >= start_of_day, Event.start_at <= held_before)
        .order_by(Event.id)).all()
    for event in today:
        if rng.random() < HELD:
            _done(event, rng.choice(MEETING_RESULTS if event.kind == "meeting" else CALL_RESULTS))
    calls = session.scalars(
        select(Event).join(BirthdayCall, BirthdayCall.event_id == Event.id)
        .where(Event.state == EventState.PLANNED.value, Event.start_at <= held_before)
        .order_by(Event.id)).all()
    for event in calls:
        if rng.random() < 0.9:
            _done(event, rng.choice(BIRTHDAY_RESULTS))
    session.flush()


def _done(event: Event, result: str) -> None:
    event.state = EventState.DONE.value
    event.content = f"{event.content}\n\n{result}".strip() if event.content else result


def _handle_reminders(session: Session, rng: random.Random, settings: Settings,
                      start_of_day: dt.datetime, now: dt.datetime) -> None:
    """Dismiss what was dealt with and most of the older ones, snooze one, leave the rest due."""
    users = {u.id: u for u in session.scalars(select(User))}
    closed_events = set(session.scalars(select(Event.id).join(
        Reminder, Reminder.event_id == Event.id).where(Event.state != EventState.PLANNED.value)))
    closed_tasks = set(session.scalars(select(Task.id).join(
        Reminder, Reminder.task_id == Task.id).where(
            Task.state.in_((TaskState.DONE.value, TaskState.CANCELLED.value)))))
    fired = session.scalars(select(Reminder).where(Reminder.state == "due")
                            .order_by(Reminder.fired_at, Reminder.id)).all()
    earlier: dict[int, list[Reminder]] = {}
    today: dict[int, list[Reminder]] = {}
    for reminder in fired:
        if reminder.event_id in closed_events or reminder.task_id in closed_tasks:
            _dismiss(session, rng, users[reminder.user_id], reminder, now)
        else:
            group = earlier if reminder.fired_at < start_of_day else today
            group.setdefault(reminder.user_id, []).append(reminder)
    for user_id, older in sorted(earlier.items()):
        # A few of the older ones are still waiting (the backlog); the rest were dismissed.
        kept = rng.randint(*LEFT_DUE)
        for reminder in older[:-kept]:
            _dismiss(session, rng, users[user_id], reminder, now)
        today.setdefault(user_id, [])[:0] = older[-kept:]
    for user_id, due in sorted(today.items()):
        if len(due) < 2 or rng.random() > SNOOZED:
            continue
        reminder = due[-1]
        local = now.astimezone(settings.company.tz)
        if local.hour < 15:
            until = now + dt.timedelta(hours=2)
        else:
            until = dt.datetime.combine(local.date() + dt.timedelta(days=1),
                                        dt.time(settings.reminders.morning_hour),
                                        settings.company.tz)
        reminders.snooze(session, settings, users[user_id], reminder.id, now, until)
    session.flush()


def _dismiss(session: Session, rng: random.Random, user: User, reminder: Reminder,
             now: dt.datetime) -> None:
    reminders.dismiss(session, user, reminder.id)
    handled = reminder.fired_at + dt.timedelta(minutes=rng.randint(5, 240))
    reminder.updated_at = min(handled, now)


def _store_analytics(world: DemoWorld, settings: Settings, today: dt.date) -> None:
    """The nightly run of today, the classes of the earlier nightly runs, monthly snapshots."""
    session, analytics = world.session, settings.analytics
    runs.run(session, analytics, today)
    today_no = month_no(today)
    current = Period.trailing(today, analytics.period_months)
    for back in range(1, HISTORY_PERIODS + 1):
        period = Period(current.first - back, current.last - back)
        abc.store_abc(session, analytics, period, analytics.abc_measure, today_no)
        try:
            xyz.store_xyz(session, analytics, period, today_no)
        except ValidationError:  # the period does not divide into the configured buckets
            pass
    _completeness_history(world, settings, today)


def _completeness_history(world: DemoWorld, settings: Settings, today: dt.date) -> None:
    """A snapshot for each of the months before this one, as the nightly runs took them.

    Completeness cannot be recomputed for the past, so the snapshots are made from today's:
    each manager's counterparties and contact persons as they existed then, with the share
    filled in moved back along the manager's ``data_trend``.
    """
    session = world.session
    pm = per_manager(settings.analytics)
    now_rows = {row.manager_id: row for row in session.execute(select(pm))}
    trend = {s.id: s.profile.data_trend for s in world.managers if s.profile}
    this_month = month_no(today)
    rows = []
    for back in range(1, HISTORY_PERIODS + 2):
        month = month_start(this_month - back)
        stop = dt.datetime.combine(month_start(this_month - back + 1), dt.time(), dt.UTC)
        taken = stop - dt.timedelta(hours=22)
        companies = dict(session.execute(
            select(Counterparty.manager_id, func.count()).where(Counterparty.created_at < stop)
            .group_by(Counterparty.manager_id)).all())
        people = dict(session.execute(
            select(Counterparty.manager_id, func.count())
            .select_from(ContactPerson)
            .join(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
            .where(ContactPerson.owner_id.is_(None), ContactPerson.created_at < stop)
            .group_by(Counterparty.manager_id)).all())
        for manager_id, row in sorted(now_rows.items(), key=lambda r: (r[0] is None, r[0] or 0)):
            n, cn = int(companies.get(manager_id, 0)), int(people.get(manager_id, 0))
            if not n:
                continue
            shift = trend.get(manager_id or 0, 0.0) * back
            rows.append({
                "month": month, "manager_id": manager_id, "counterparties": n,
                "counterparty_score": _moved(row.counterparty_score, row.counterparties, shift, n),
                "contacts": cn,
                "contact_score": _moved(row.contact_score, row.contacts, shift, cn),
                "taken_at": taken,
            })
    insert_all(session, CompletenessSnapshot, rows)


def _moved(score: float | None, count: int | None, shift: float, then: int) -> float:
    """The summed score of ``then`` items whose mean is today's mean minus ``shift``."""
    mean = float(score or 0) / int(count) if count else 0.0
    return round(min(1.0, max(0.0, mean - shift)) * then, 4)


def _devices(world: DemoWorld, rng: random.Random, now: dt.datetime) -> None:
    """App passwords of the team's phones and Outlook, with a secret nobody keeps."""
    password_hash = hash_password(secrets.token_urlsafe(18))
    rows = []
    for staff in [world.staff["head"], *world.managers]:
        for label, chance in DEVICES:
            if rng.random() >= chance:
                continue
            created = now - dt.timedelta(days=rng.randint(20, 300), minutes=rng.randint(0, 600))
            rows.append({
                "user_id": staff.id, "label": label, "password_hash": password_hash,
                "created_at": created,
                "last_used_at": now - dt.timedelta(minutes=rng.randint(3, 60 * 30)),
                "revoked_at": None,
            })
    insert_all(world.session, AppPassword, rows)


def _index(session: Session) -> None:
    """Index what the earlier steps inserted in bulk (a no-op without a search index)."""
    from letterpress.search import Kind, index

    for kind, model in ((Kind.COUNTERPARTY, Counterparty), (Kind.CONTACT, ContactPerson),
                        (Kind.EVENT, Event), (Kind.TASK, Task)):
        ids: Sequence[int] = session.scalars(select(model.id).order_by(model.id)).all()
        for start in range(0, len(ids), INDEX_BATCH):
            index(session, kind, ids[start:start + INDEX_BATCH])
