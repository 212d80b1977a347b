"""What a reminder is about, and where to open it: a counterparty's card, a task, the calendar.

A reminder's ``source`` names its subject (``event:12``, ``order:5:shipment``, ``invoice:7``,
``contact:3:birthday``, ``task:9:overdue``; see :mod:`letterpress.crm.reminder_sources`). The
links of a whole panel are found with one query per kind of subject, each through the permission
function, so a link never leads to a page the user may not open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    Event,
    Invoice,
    Order,
    Reminder,
    Task,
    User,
)
from letterpress.crm.permissions import (
    visible_contacts_clause,
    visible_counterparties_clause,
    visible_events_clause,
    visible_tasks_clause,
)

CALENDAR = "/calendar/"  # another blueprint's page: a plain address, no endpoint to depend on

# What each kind of reminder is about, as the panel names it.
KIND: Mapping[str, LazyString] = {
    "outgoing_call": _l("Outgoing call"),
    "incoming_call": _l("Incoming call"),
    "meeting": _l("Meeting"),
    "event": _l("Event"),
    "order_execution": _l("Order: execution"),
    "order_shipment": _l("Order: shipment"),
    "order_payment": _l("Order: payment"),
    "invoice_customer": _l("Invoice issued"),
    "invoice_supplier": _l("Supplier invoice"),
    "birthday": _l("Birthday"),
    "anniversary": _l("Anniversary"),
    "task_due": _l("Task"),
    "task_overdue": _l("Overdue task"),
}


def kind_label(kind: str) -> LazyString | str:
    return KIND.get(kind, kind)


@dataclass(frozen=True)
class Link:
    href: str
    text: LazyString | str  # where it leads: a counterparty's name, "Task", "Calendar"


def _subject(source: str) -> tuple[str, int | None]:
    head, _, rest = source.partition(":")
    number = rest.partition(":")[0]
    return head, int(number) if number.isdigit() and len(number) < 12 else None


def _card(counterparty_id: int, name: str, anchor: str) -> Link:
    return Link(url_for("counterparties.card", counterparty_id=counterparty_id, _anchor=anchor),
                name)


def _calendar(day: dt.datetime, tz: ZoneInfo) -> Link:
    query = urlencode({"date": day.astimezone(tz).date().isoformat()})
    return Link(f"{CALENDAR}?{query}", _l("Calendar"))


def links(session: Session, user: User, reminders: Iterable[Reminder],
          tz: ZoneInfo) -> dict[int, Link]:
    """Reminder id -> where to open what it is about (no entry: nothing the user may open)."""
    wanted: dict[str, dict[int, list[Reminder]]] = {}
    for reminder in reminders:
        head, number = _subject(reminder.source)
        if head == "task" and reminder.task_id is not None:
            number = reminder.task_id
        if number is not None:
            wanted.setdefault(head, {}).setdefault(number, []).append(reminder)
    found: dict[int, Link] = {}

    def put(head: str, key: int, link: Link) -> None:
        for reminder in wanted[head].get(key, []):
            found[reminder.id] = link

    if "event" in wanted:
        for event_id, cp_id, cp_name in session.execute(
            select(Event.id, Counterparty.id, Counterparty.name)
            .outerjoin(Counterparty, (Counterparty.id == Event.counterparty_id)
                       & visible_counterparties_clause(user))
            .where(Event.id.in_(wanted["event"]), visible_events_clause(user))
        ).all():
            if cp_id is not None:
                put("event", event_id, _card(cp_id, cp_name, f"event-{event_id}"))
            else:
                for reminder in wanted["event"][event_id]:
                    found[reminder.id] = _calendar(reminder.target_at, tz)
    for head, model, anchor in (("order", Order, "open-orders"),
                                ("invoice", Invoice, "documents")):
        if head in wanted:
            for key, cp_id, cp_name in session.execute(
                select(model.id, Counterparty.id, Counterparty.name)
                .join(Counterparty, Counterparty.id == model.counterparty_id)
                .where(model.id.in_(wanted[head]), visible_counterparties_clause(user))
            ).all():
                put(head, key, _card(cp_id, cp_name, anchor))
    if "contact" in wanted:
        for contact_id, cp_id, cp_name in session.execute(
            select(ContactPerson.id, Counterparty.id, Counterparty.name)
            .outerjoin(Counterparty, (Counterparty.id == ContactPerson.counterparty_id)
                       & visible_counterparties_clause(user))
            .where(ContactPerson.id.in_(wanted["contact"]), visible_contacts_clause(user))
        ).all():
            for reminder in wanted["contact"][contact_id]:
                if cp_id is not None:
                    found[reminder.id] = _card(cp_id, cp_name, "contacts")
                elif reminder.event_id is not None:  # a personal contact: the planned call
                    found[reminder.id] = _calendar(reminder.target_at, tz)
    if "task" in wanted:
        for (task_id,) in session.execute(
            select(Task.id).where(Task.id.in_(wanted["task"]), visible_tasks_clause(session, user))
        ).all():
            put("task", task_id, Link(url_for("tasks.detail", task_id=task_id), _l("Task")))
    return found
