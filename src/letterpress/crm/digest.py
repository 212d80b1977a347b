"""The morning digest: one e-mail per user with the day's reminders, events and tasks.

Built once per user and local day, at or after the morning hour, for active users with an
address who have not turned it off. Returns (recipient, subject, body) tuples; sending is the
caller's business (``letterpress reminders run`` hands them to the mail layer).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import Event, Reminder, ReminderSettings, Task, User
from letterpress.crm.reminder_sources import KIND_LABELS, Policy


def build_digests(session: Session, policy: Policy, now: dt.datetime) -> list[tuple[str, str, str]]:
    local = now.astimezone(policy.tz)
    if local.hour < policy.morning_hour:
        return []
    today = local.date()
    day_start = dt.datetime.combine(today, dt.time(), policy.tz)
    day_end = day_start + dt.timedelta(days=1)
    prefs = {row.user_id: row for row in session.scalars(select(ReminderSettings))}
    messages = []
    for user in session.scalars(select(User).where(User.active.is_(True),
                                                   User.email.is_not(None)).order_by(User.id)):
        row = prefs.get(user.id)
        wanted = policy.digest if row is None or row.digest is None else row.digest
        if not wanted or (row is not None and row.last_digest_on == today):
            continue
        if row is None:
            row = ReminderSettings(user_id=user.id)
            session.add(row)
            prefs[user.id] = row
        row.last_digest_on = today
        body = digest_text(session, policy, user, now, day_start, day_end)
        if body is not None:
            subject = f"Letterpress: напоминания на {today.strftime('%d.%m.%Y')}"
            messages.append((str(user.email), subject, body))
    session.flush()
    return messages


def digest_text(session: Session, policy: Policy, user: User, now: dt.datetime,
                day_start: dt.datetime, day_end: dt.datetime) -> str | None:
    """The digest's text, or None when there is nothing to say."""
    reminders = list(session.scalars(
        select(Reminder).where(Reminder.user_id == user.id, Reminder.state != "done",
                               (Reminder.snoozed_until.is_(None))
                               | (Reminder.snoozed_until < day_end))
        .order_by(Reminder.target_at)))
    events = list(session.scalars(
        select(Event).where(Event.responsible_id == user.id, Event.state == "planned",
                            Event.kind.in_(CALENDAR_EVENT_KINDS),
                            Event.start_at >= day_start, Event.start_at < day_end)
        .order_by(Event.start_at)))
    tasks = list(session.scalars(
        select(Task).where(Task.assignee_id == user.id, Task.state.in_(("open", "in_progress")),
                           Task.due_at.is_not(None), Task.due_at < day_end)
        .order_by(Task.due_at)))
    if not (reminders or events or tasks):
        return None
    lines = [f"Доброе утро, {user.display_name}!", ""]
    if reminders:
        lines.append("Напоминания:")
        lines += [f"  • {r.title}" for r in reminders]
        lines.append("")
    if events:
        lines.append("Сегодня в календаре:")
        for e in events:
            at = e.start_at.astimezone(policy.tz).strftime("%H:%M")
            lines.append(f"  • {at} {KIND_LABELS.get(e.kind, 'Событие')}: {e.subject}")
        lines.append("")
    if tasks:
        lines.append("Задачи на сегодня и просроченные:")
        for t in tasks:
            assert t.due_at is not None
            due = t.due_at.astimezone(policy.tz).strftime("%d.%m %H:%M")
            late = " (просрочена)" if t.due_at < now else ""
            lines.append(f"  • {t.subject} — срок {due}{late}")
        lines.append("")
    lines.append("— Letterpress")
    return "\n".join(lines) + "\n"
