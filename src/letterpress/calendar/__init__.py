"""CalDAV on the DAV core: calendars of CRM events, tasks and birthdays (RFC 4791).

:mod:`ical` and :mod:`icalwriter` translate iCalendar to and from CRM dataclasses (pure);
:mod:`filters` and :mod:`expand` evaluate queries; :mod:`store` is the calendar tree;
:mod:`caldav` plugs it into :mod:`letterpress.dav`. :func:`demo_notes` tells a demo user how to
connect a phone or Outlook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from letterpress.config import Settings


def demo_notes(settings: Settings, host: str | None = None, port: int | None = None) -> str:
    """Text for ``letterpress demo``: the DAV address and how to get an app password."""
    host = host or settings.web.host
    port = port or settings.web.port
    base = f"http://{host}:{port}"
    return "\n".join([
        "Calendars over CalDAV (Outlook CalDAV Synchronizer, DAVx5, iOS, Thunderbird):",
        f"  server address: {base}/dav/  (clients that discover by themselves: {base}/)",
        "  user name: the login (e.g. manager1); password: an app password, never the web one:",
        "    letterpress user app-password manager1 --label phone --format json",
        "  each user has the calendars «События» (CRM events), «Задачи» (tasks) and",
        "  «Дни рождения» (contacts' birthdays, read-only); the head also sees each manager's",
        "  calendars read-only. Behind HTTPS in production (see docs/dav.md).",
    ])
