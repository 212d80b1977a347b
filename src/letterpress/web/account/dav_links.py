"""The addresses a DAV client is given: below ``web.public_url``, else as the browser reached us.

Without ``web.public_url`` the scheme and host are the request's. Behind the reverse proxy of
docs/dav.md that is right, because nginx passes ``Host`` and gunicorn takes ``X-Forwarded-Proto``
from a proxy on this host (``forwarded_allow_ips``); a proxy that does neither needs the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from flask import request

from letterpress.crm.model import User
from letterpress.dav.app import PREFIX
from letterpress.dav.resource import principal_path
from letterpress.web.account.queries import CalendarRow
from letterpress.web.context import web_context


@dataclass(frozen=True)
class CalendarLink:
    calendar: CalendarRow
    url: str


@dataclass(frozen=True)
class DavLinks:
    site: str  # https://crm.example.com/ : for clients that discover the rest
    server: str  # https://crm.example.com/dav/
    principal: str
    home: str  # the calendar home: every calendar the user may see is below it
    calendars: list[CalendarLink]


def site_url() -> str:
    """This site's root, e.g. ``https://crm.example.com/``: ``web.public_url`` when it is set,
    else as the browser reached it."""
    public = web_context().settings.web.public_url
    if public:
        return public.rstrip("/") + "/"
    return request.host_url.rstrip("/") + request.script_root + "/"


def server_url() -> str:
    """The DAV server's root, e.g. ``https://crm.example.com/dav/``."""
    return site_url() + PREFIX.strip("/") + "/"


def links_for(user: User, calendars: Sequence[CalendarRow]) -> DavLinks:
    site, server = site_url(), server_url()
    login = quote(user.login, safe="")
    home = f"{server}calendars/{login}/"
    return DavLinks(
        site=site, server=server, principal=principal_path(server.rstrip("/"), login), home=home,
        calendars=[CalendarLink(c, f"{home}{quote(c.slug, safe='@')}/") for c in calendars],
    )
