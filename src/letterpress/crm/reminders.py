"""Reminders (механизм напоминаний): fire each once, remember snoozes and dismissals, make the
birthday calls, and build the morning digest.

:func:`run_due` is what a scheduler calls (``letterpress reminders run --once``, the mail
daemon): it asks each source in :mod:`reminder_sources` what is due at ``now`` and writes a
:class:`~letterpress.crm.model.Reminder` for each new one. The unique key (user, source,
occurrence) makes firing idempotent across restarts and concurrent schedulers; a moved event has
a new occurrence and fires again. A birthday or anniversary also makes, once per contact,
occasion and year (:class:`~letterpress.crm.model.BirthdayCall`), a planned outgoing call for the
responsible manager on that day (slide 10 of the seed). Reminders reach DAV clients as VALARMs
(see :mod:`calendar_feed`), the web UI through :func:`pending`, and e-mail through the digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm import reminder_sources
from letterpress.crm.calendar_feed import touch_lead_time
from letterpress.crm.events import register_event
from letterpress.crm.model import (
    BirthdayCall,
    ContactPerson,
    Event,
    Reminder,
    ReminderSettings,
    User,
)
from letterpress.crm.reminder_sources import Candidate, Policy
from letterpress.errors import NotFound, PermissionDenied, ValidationError

STATES = ("due", "snoozed", "done")


def policy_from(settings: Settings) -> Policy:
    r = settings.reminders
    return Policy(
        tz=settings.company.tz, event_lead_minutes=r.event_lead_minutes,
        task_lead_hours=r.task_lead_hours, morning_hour=r.morning_hour,
        order_days_before=r.order_days_before, invoice_days_before=r.invoice_days_before,
        birthday_days_before=r.birthday_days_before,
        birthday_call_time=dt.time.fromisoformat(r.birthday_call_time),
        catch_up=dt.timedelta(hours=r.catch_up_hours),
        snooze=dt.timedelta(minutes=r.snooze_minutes), digest=r.digest,
        digest_from=r.digest_from,
    )


@dataclass(frozen=True)
class Fired:
    reminder_id: int
    user_id: int
    kind: str
    title: str
    target_at: dt.datetime


@dataclass
class RunResult:
    fired: list[Fired] = field(default_factory=list)
    resurfaced: list[int] = field(default_factory=list)   # snoozes that ran out
    birthday_calls: list[int] = field(default_factory=list)  # event ids
    digests: list[tuple[str, str, str]] = field(default_factory=list)


def run_due(session: Session, settings: Settings, now: dt.datetime) -> RunResult:
    """Fire what is due at ``now`` (aware); the caller commits (after sending the digests)."""
    if now.tzinfo is None:
        raise ValidationError("now: a time without a time zone is ambiguous", field="now")
    policy = policy_from(settings)
    result = RunResult()
    active = set(session.scalars(select(User.id).where(User.active.is_(True))))
    for source in reminder_sources.SOURCES:
        for candidate in source(session, policy, now):
            if candidate.user_id in active:
                _fire(session, policy, candidate, now, result)
    for reminder in session.scalars(select(Reminder).where(
            Reminder.state == "snoozed", Reminder.snoozed_until <= now)):
        reminder.state, reminder.snoozed_until = "due", None
        result.resurfaced.append(reminder.id)
    session.flush()
    from letterpress.crm.digest import build_digests

    result.digests = build_digests(session, policy, now)
    return result


def _fire(session: Session, policy: Policy, candidate: Candidate, now: dt.datetime,
          result: RunResult) -> None:
    exists = session.scalar(select(Reminder.id).where(
        Reminder.user_id == candidate.user_id, Reminder.source == candidate.source,
        Reminder.occurrence == candidate.occurrence))
    if exists is not None:
        return
    event_id = candidate.event_id
    try:
        with session.begin_nested():
            if candidate.contact_id is not None and candidate.day is not None:
                event_id = _birthday_call(session, policy, candidate, result) or event_id
            reminder = Reminder(
                user_id=candidate.user_id, kind=candidate.kind, source=candidate.source,
                occurrence=candidate.occurrence, title=candidate.title[:500],
                target_at=candidate.target_at, remind_at=candidate.remind_at, fired_at=now,
                state="due", event_id=event_id, task_id=candidate.task_id,
            )
            session.add(reminder)
            session.flush()
    except IntegrityError:  # another scheduler fired it at the same moment
        return
    result.fired.append(Fired(reminder.id, reminder.user_id, reminder.kind, reminder.title,
                              reminder.target_at))


def _birthday_call(session: Session, policy: Policy, candidate: Candidate,
                   result: RunResult) -> int | None:
    """The planned call for this birthday (made now if it is the first reminder of the year)."""
    assert candidate.day is not None and candidate.occasion is not None
    existing = session.scalar(select(BirthdayCall).where(
        BirthdayCall.contact_id == candidate.contact_id,
        BirthdayCall.occasion == candidate.occasion, BirthdayCall.year == candidate.day.year))
    if existing is not None:
        return existing.event_id
    person = session.get(ContactPerson, candidate.contact_id)
    caller = session.get(User, candidate.user_id)
    if person is None or caller is None:
        return None
    start = dt.datetime.combine(candidate.day, policy.birthday_call_time, policy.tz)
    what = "с днём рождения" if candidate.occasion == "birthday" else "с годовщиной"
    event = register_event(
        session, author=caller, kind="outgoing_call", state="planned", start_at=start,
        end_at=start + dt.timedelta(minutes=15), counterparty_id=person.counterparty_id,
        contact_person_id=person.id, subject=f"Поздравить {what}: {person.name}",
        content=candidate.title,
    )
    session.add(BirthdayCall(contact_id=person.id, occasion=candidate.occasion,
                             year=candidate.day.year, user_id=caller.id, event_id=event.id))
    session.flush()
    result.birthday_calls.append(event.id)
    return event.id


# --- what users do with reminders ------------------------------------------------------------


def _own(session: Session, user: User, reminder_id: int) -> Reminder:
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound(f"no reminder #{reminder_id}")
    if reminder.user_id != user.id:
        raise PermissionDenied(f"reminder #{reminder_id} is not {user.login}'s")
    return reminder


def snooze(session: Session, settings: Settings, user: User, reminder_id: int,
           now: dt.datetime, until: dt.datetime | None = None) -> Reminder:
    reminder = _own(session, user, reminder_id)
    reminder.state = "snoozed"
    reminder.snoozed_until = until or now + dt.timedelta(minutes=settings.reminders.snooze_minutes)
    session.flush()
    return reminder


def dismiss(session: Session, user: User, reminder_id: int) -> Reminder:
    reminder = _own(session, user, reminder_id)
    reminder.state, reminder.snoozed_until = "done", None
    session.flush()
    return reminder


def pending_clause(user_id: int, now: dt.datetime) -> ColumnElement[bool]:
    """What to show the user now: due ones, and snoozed ones whose time has come (before the
    scheduler turns them back to due)."""
    return (Reminder.user_id == user_id) & (
        (Reminder.state == "due") | ((Reminder.state == "snoozed") & (Reminder.snoozed_until <= now)))


def pending(session: Session, user_id: int, now: dt.datetime) -> list[Reminder]:
    """The reminders of :func:`pending_clause`, soonest first."""
    return list(session.scalars(
        select(Reminder).where(pending_clause(user_id, now))
        .order_by(Reminder.target_at, Reminder.id)))


def count_pending(session: Session, user_id: int, now: dt.datetime) -> int:
    """How many :func:`pending` would give, in one COUNT on the (user_id, state) index."""
    return session.scalar(
        select(func.count(Reminder.id)).where(pending_clause(user_id, now))) or 0


def set_user_settings(session: Session, user_id: int, *, event_lead_minutes: int | None = None,
                      task_lead_hours: int | None = None, digest: bool | None = None) -> None:
    """A user's own lead times and digest choice (None keeps the current value)."""
    row = session.get(ReminderSettings, user_id)
    if row is None:
        row = ReminderSettings(user_id=user_id)
        session.add(row)
    for name, value in (("event_lead_minutes", event_lead_minutes),
                        ("task_lead_hours", task_lead_hours)):
        if value is not None:
            if value < 0:
                raise ValidationError(f"{name} must not be negative", field=name)
            setattr(row, name, value)
    if digest is not None:
        row.digest = digest
    session.flush()
    touch_lead_time(session, user_id)


def birthday_call_events(session: Session, contact_id: int) -> list[Event]:
    ids = session.scalars(select(BirthdayCall.event_id).where(
        BirthdayCall.contact_id == contact_id))
    return [e for e in (session.get(Event, i) for i in ids if i is not None) if e is not None]
