"""What the account page lists besides app passwords: the user's own calendar collections.

Read-only: the built-in calendars (events, tasks, birthdays) are named even before the DAV
server first makes them, so opening this page never writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from letterpress.crm.calendars import BUILTIN, collections_of
from letterpress.crm.model import User
from letterpress.crm.permissions import calendar_access


@dataclass(frozen=True)
class CalendarRow:
    slug: str  # the collection's name in its URL
    name: str
    builtin: bool
    read_only: bool


def own_calendars(session: Session, user: User) -> list[CalendarRow]:
    """The calendars under the user's calendar home that are their own, built-in ones first."""
    if calendar_access(session, user, user.id) != "write":
        return []
    stored = {c.slug: c for c in collections_of(session, user.id)}
    rows = []
    for builtin in BUILTIN:
        found = stored.pop(builtin.slug, None)
        rows.append(CalendarRow(builtin.slug, found.displayname if found else builtin.displayname,
                                True, builtin.kind == "birthdays"))
    rows.extend(CalendarRow(c.slug, c.displayname or c.slug, False, False)
                for c in stored.values())
    return rows
