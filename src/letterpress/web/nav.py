"""The sections of the main navigation, in order; sections not built yet show a placeholder.

When a section's blueprint lands, point its ``endpoint`` at the blueprint and remove the name from
:data:`letterpress.web.pages.routes.PLACEHOLDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Section:
    name: str
    endpoint: str
    label: LazyString
    description: LazyString
    admin_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("counterparties", "counterparties.index", _l("Counterparties"),
            _l("Customers and suppliers, their contact persons, events and documents.")),
    Section("calendar", "calendar.week", _l("Calendar"),
            _l("The user's calendar: planned meetings and calls, tasks from the supervisor, "
               "reminders of events, orders, invoices and birthdays.")),
    Section("mail", "mail.index", _l("Mail"),
            _l("Correspondence with clients filed by counterparty, shared mailboxes and "
               "mailing groups.")),
    Section("search", "search.index", _l("Search"),
            _l("Full-text search over letters, counterparties, contact persons and events.")),
    Section("analytics", "analytics.index", _l("Analytics"),
            _l("ABC and XYZ analysis, relationship stages, manager performance, "
               "marketing campaigns.")),
    Section("admin", "admin.index", _l("Administration"),
            _l("Users, teams, mailboxes and access rights."), admin_only=True),
)


def active_section() -> str | None:
    endpoint = request.endpoint or ""
    for section in SECTIONS:
        if endpoint == section.endpoint:
            return section.name
        blueprint = section.endpoint.split(".", 1)[0]
        if blueprint != "pages" and request.blueprint == blueprint:
            return section.name
    return None
