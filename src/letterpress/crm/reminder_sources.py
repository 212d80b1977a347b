"""What may need a reminder now: one function per source, each returning :class:`Candidate` s.

Every source looks only at a window around ``now`` (what is due and not long past), so a
scheduler may call it every minute. Dates without a time (orders, invoices, birthdays) are days
in the company's time zone; their reminders fire at the configured morning hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import (
    Anniversary,
    ContactPerson,
    Counterparty,
    Event,
    Invoice,
    Order,
    ReminderSettings,
    Task,
    User,
)
from letterpress.crm.responsibles import fallback_users, responsible_for_contacts

KIND_LABELS = {"outgoing_call": "Звонок", "incoming_call": "Входящий звонок",
               "meeting": "Встреча", "other": "Событие"}
ORDER_FIELDS = {"execution": "исполнение", "shipment": "отгрузка", "payment": "оплата"}


@dataclass(frozen=True)
class Policy:
    tz: ZoneInfo
    event_lead_minutes: int = 15
    task_lead_hours: int = 24
    morning_hour: int = 9
    order_days_before: int = 1
    invoice_days_before: int = 3
    birthday_days_before: int = 1
    birthday_call_time: dt.time = dt.time(10, 0)
    catch_up: dt.timedelta = dt.timedelta(hours=24)
    snooze: dt.timedelta = dt.timedelta(minutes=15)
    digest: bool = True
    digest_from: str = "letterpress@localhost"

    def morning(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.morning_hour), self.tz)

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()


@dataclass(frozen=True)
class Candidate:
    user_id: int
    kind: str
    source: str
    occurrence: str
    title: str
    target_at: dt.datetime
    remind_at: dt.datetime
    event_id: int | None = None
    task_id: int | None = None
    contact_id: int | None = None     # birthdays and anniversaries: who to call
    occasion: str | None = None       # "birthday" or "anniversary:<id>"
    day: dt.date | None = None


def _user_leads(session: Session) -> dict[int, tuple[int | None, int | None]]:
    rows = session.execute(select(ReminderSettings.user_id, ReminderSettings.event_lead_minutes,
                                  ReminderSettings.task_lead_hours)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _local(value: dt.datetime, policy: Policy) -> str:
    return value.astimezone(policy.tz).strftime("%d.%m.%Y %H:%M")


def events(session: Session, policy: Policy, now: dt.datetime) -> Iterator[Candidate]:
    leads = _user_leads(session)
    longest = max([policy.event_lead_minutes] + [v[0] for v in leads.values() if v[0] is not None])
    rows: Sequence[Any] = session.execute(
        select(Event.id, Event.kind, Event.subject, Event.start_at, Event.responsible_id,
               Counterparty.name)
        .outerjoin(Counterparty, Counterparty.id == Event.counterparty_id)
        .where(Event.state == "planned", Event.kind.in_(CALENDAR_EVENT_KINDS),
               Event.responsible_id.is_not(None),
               Event.start_at > now - policy.catch_up,
               Event.start_at <= now + dt.timedelta(minutes=longest))
    ).all()
    for event_id, kind, subject, start, user_id, company in rows:
        lead = leads.get(user_id, (None, None))[0]
        remind_at = start - dt.timedelta(minutes=policy.event_lead_minutes if lead is None else lead)
        if remind_at > now:
            continue
        what = subject or KIND_LABELS.get(kind, "Событие")
        title = f"{KIND_LABELS.get(kind, 'Событие')}: {what}" + (f" ({company})" if company else "")
        yield Candidate(user_id, kind if kind != "other" else "event", f"event:{event_id}",
                        start.isoformat(), f"{title}, {_local(start, policy)}", start, remind_at,
                        event_id=event_id)


def _recipients(session: Session, *user_ids: int | None) -> list[int]:
    for user_id in user_ids:
        if user_id is not None:
            return [user_id]
    return fallback_users(session)


def orders(session: Session, policy: Policy, now: dt.datetime) -> Iterator[Candidate]:
    today = policy.today(now)
    first = today - dt.timedelta(days=policy.catch_up.days + 1)
    last = today + dt.timedelta(days=policy.order_days_before)
    columns = {"execution": Order.planned_execution, "shipment": Order.planned_shipment,
               "payment": Order.planned_payment}
    fallback: list[int] | None = None
    for field, column in columns.items():
        rows: Sequence[Any] = session.execute(
            select(Order.id, Order.number, Order.direction, column, Order.manager_id,
                   Counterparty.manager_id, Counterparty.name)
            .join(Counterparty, Counterparty.id == Order.counterparty_id)
            .where(Order.state == "open", column.is_not(None), column >= first, column <= last)
        ).all()
        for order_id, number, direction, day, manager_id, cp_manager, company in rows:
            remind_at = policy.morning(day - dt.timedelta(days=policy.order_days_before))
            target = policy.morning(day)
            if remind_at > now or target < now - policy.catch_up:
                continue
            side = "покупателя" if direction == "customer" else "поставщику"
            title = (f"Заказ {side} № {number} ({company}): {ORDER_FIELDS[field]} "
                     f"{day.strftime('%d.%m.%Y')}")
            if manager_id is None and cp_manager is None and fallback is None:
                fallback = fallback_users(session)
            for user_id in ([manager_id] if manager_id else [cp_manager] if cp_manager
                            else fallback or []):
                yield Candidate(user_id, f"order_{field}", f"order:{order_id}:{field}",
                                day.isoformat(), title, target, remind_at)


def invoices(session: Session, policy: Policy, now: dt.datetime) -> Iterator[Candidate]:
    today = policy.today(now)
    first = today - dt.timedelta(days=policy.catch_up.days + 1)
    last = today + dt.timedelta(days=policy.invoice_days_before)
    rows: Sequence[Any] = session.execute(
        select(Invoice.id, Invoice.number, Invoice.direction, Invoice.due, Invoice.amount,
               Invoice.paid, Invoice.currency, Order.manager_id, Counterparty.manager_id,
               Counterparty.name)
        .join(Counterparty, Counterparty.id == Invoice.counterparty_id)
        .outerjoin(Order, Order.id == Invoice.order_id)
        .where(Invoice.due.is_not(None), Invoice.due >= first, Invoice.due <= last,
               Invoice.paid < Invoice.amount)
    ).all()
    for invoice_id, number, direction, due, amount, paid, currency, o_mgr, c_mgr, company in rows:
        remind_at = policy.morning(due - dt.timedelta(days=policy.invoice_days_before))
        target = policy.morning(due)
        if remind_at > now or target < now - policy.catch_up:
            continue
        rest = f"{amount - paid:.2f} {currency}"
        if direction == "customer":
            kind, title = "invoice_customer", (f"Ожидается оплата счёта № {number} ({company}) "
                                               f"до {due.strftime('%d.%m.%Y')}: {rest}")
        else:
            kind, title = "invoice_supplier", (f"Оплатить счёт поставщика № {number} ({company}) "
                                               f"до {due.strftime('%d.%m.%Y')}: {rest}")
        for user_id in _recipients(session, o_mgr, c_mgr):
            yield Candidate(user_id, kind, f"invoice:{invoice_id}", due.isoformat(), title,
                            target, remind_at)


def _next_date(date: dt.date, today: dt.date, back: int) -> dt.date:
    """The occurrence of a yearly date that is at most ``back`` days past, else the next one."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            day = date.replace(year=year)
        except ValueError:  # 29 February: the 28th in common years
            day = dt.date(year, 2, 28)
        if day >= today - dt.timedelta(days=back):
            return day
    return date.replace(year=today.year + 1)


def birthdays(session: Session, policy: Policy, now: dt.datetime) -> Iterator[Candidate]:
    today = policy.today(now)
    back = policy.catch_up.days + 1
    yearly: list[tuple[int, str, Any, str]] = []
    for cid, name, birthday in session.execute(
        select(ContactPerson.id, ContactPerson.name, ContactPerson.birthday)
        .where(ContactPerson.birthday.is_not(None))
    ).all():
        yearly.append((cid, "birthday", birthday, f"День рождения: {name}"))
    for aid, cid, label, date, name in session.execute(
        select(Anniversary.id, Anniversary.contact_id, Anniversary.label, Anniversary.date,
               ContactPerson.name).join(ContactPerson, ContactPerson.id == Anniversary.contact_id)
    ).all():
        yearly.append((cid, f"anniversary:{aid}", date, f"{label}: {name}"))
    due: list[tuple[int, str, dt.date, str]] = []
    for cid, occasion, date, title in yearly:
        day = _next_date(date, today, back)
        if day - dt.timedelta(days=policy.birthday_days_before) > today:
            continue
        due.append((cid, occasion, day, title))
    if not due:
        return
    owners = responsible_for_contacts(session, [d[0] for d in due])
    companies = dict(session.execute(
        select(ContactPerson.id, Counterparty.name)
        .join(Counterparty, Counterparty.id == ContactPerson.counterparty_id)
        .where(ContactPerson.id.in_([d[0] for d in due]))
    ).all())
    for cid, occasion, day, title in due:
        remind_at = policy.morning(day - dt.timedelta(days=policy.birthday_days_before))
        target = policy.morning(day)
        if remind_at > now or target + dt.timedelta(days=1) < now - policy.catch_up:
            continue
        if companies.get(cid):
            title = f"{title} ({companies[cid]})"
        kind = "birthday" if occasion == "birthday" else "anniversary"
        for user_id in owners.get(cid, []):
            yield Candidate(user_id, kind, f"contact:{cid}:{occasion}", str(day.year),
                            f"{title}, {day.strftime('%d.%m')}", target, remind_at,
                            contact_id=cid, occasion=occasion, day=day)


def tasks(session: Session, policy: Policy, now: dt.datetime) -> Iterator[Candidate]:
    leads = _user_leads(session)
    longest = max([policy.task_lead_hours] + [v[1] for v in leads.values() if v[1] is not None])
    rows: Sequence[Any] = session.execute(
        select(Task.id, Task.subject, Task.due_at, Task.assignee_id)
        .join(User, User.id == Task.assignee_id)
        .where(Task.state.in_(("open", "in_progress")), Task.due_at.is_not(None),
               Task.due_at <= now + dt.timedelta(hours=longest), User.active.is_(True))
    ).all()
    for task_id, subject, due, user_id in rows:
        lead = leads.get(user_id, (None, None))[1]
        hours = policy.task_lead_hours if lead is None else lead
        when = _local(due, policy)
        if due <= now:
            yield Candidate(user_id, "task_overdue", f"task:{task_id}:overdue", due.isoformat(),
                            f"Просрочена задача: {subject} (срок {when})", due, due,
                            task_id=task_id)
        elif due - dt.timedelta(hours=hours) <= now:
            yield Candidate(user_id, "task_due", f"task:{task_id}:due", due.isoformat(),
                            f"Срок задачи: {subject}, {when}", due,
                            due - dt.timedelta(hours=hours), task_id=task_id)


SOURCES = (events, orders, invoices, birthdays, tasks)
