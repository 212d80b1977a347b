"""Counts of what the CRM holds, for ``letterpress stats`` and the dashboards."""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    Event,
    Invoice,
    Order,
    Payment,
    Shipment,
    Task,
    User,
)

STAT_KEYS = (
    "users", "counterparties", "contact_persons", "events", "tasks", "orders", "shipments",
    "payments", "invoices", "mailboxes", "letters", "letters_unparsed", "letters_filed",
    "letters_unfiled", "contacts_from_mail",
)

# Mail counts come from tables the mail layer adds; each is an SQL expression over its tables.
_MAIL_COUNTS = {
    "mailboxes": "SELECT count(*) FROM mailboxes",
    "letters": "SELECT count(*) FROM letters",
    "letters_unparsed": "SELECT count(*) FROM letters WHERE parse_error IS NOT NULL",
    "letters_filed": "SELECT count(*) FROM letters l WHERE EXISTS "
                     "(SELECT 1 FROM letter_links k WHERE k.letter_id = l.id)",
}


def collect(session: Session) -> dict[str, int]:
    """Every count under :data:`STAT_KEYS`; mail counts are 0 where the mail tables are absent."""
    counts: dict[str, int] = {}
    for key, model in (
        ("users", User), ("counterparties", Counterparty), ("contact_persons", ContactPerson),
        ("events", Event), ("tasks", Task), ("orders", Order), ("shipments", Shipment),
        ("payments", Payment), ("invoices", Invoice),
    ):
        counts[key] = session.scalar(select(func.count()).select_from(model)) or 0
    tables = set(inspect(session.connection()).get_table_names())
    for key, sql in _MAIL_COUNTS.items():
        needed = {"mailboxes"} if key == "mailboxes" else {"letters", "letter_links"}
        counts[key] = int(session.scalar(text(sql)) or 0) if needed <= tables else 0
    counts["letters_unfiled"] = counts["letters"] - counts["letters_filed"]
    counts["contacts_from_mail"] = session.scalar(
        select(func.count()).select_from(ContactPerson).where(ContactPerson.created_from_mail)
    ) or 0
    return {key: counts[key] for key in STAT_KEYS}
