"""The links and words of the page frame (``base.html``: the header, the language switch, the
main navigation), made once per interface language and script root rather than on every page.

Every page pays for its frame: fifteen ``url_for`` (some 20 µs each) and a dozen translations
before its own content; they depend on nothing but the language and where the app is mounted.
What does depend on the request (the signed-in user's name, the due reminders, the CSRF token,
the active section, the current path) stays in the template.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from letterpress.crm.permissions import can_administer
from letterpress.web import i18n, nav
from letterpress.web.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class NavLink:
    name: str
    href: str
    label: str
    admin_only: bool


@dataclass(frozen=True, slots=True)
class Frame:
    """What ``base.html`` writes the same on every page of one language."""

    app_css: str
    search_css: str
    favicon: str
    home: str
    language: str  # the language switch's form
    search: str
    reminders: str
    tasks: str
    account: str
    logout: str
    words: dict[str, str]
    sections: tuple[NavLink, ...]

    def nav(self, is_admin: bool) -> list[NavLink]:
        return [s for s in self.sections if is_admin or not s.admin_only]


_made: dict[tuple[str, str], Frame] = {}


def frame() -> Frame:
    """The request's frame (a template global): of its language and script root."""
    key = (str(i18n.current_locale()), request.script_root)
    found = _made.get(key)
    if found is None:
        found = _made[key] = _make()
    return found


def nav_links() -> list[NavLink]:
    """The main navigation's sections the signed-in user may open (a template global)."""
    if not current_user.is_authenticated:
        return []
    return frame().nav(can_administer(current_user.user))


def _make() -> Frame:
    return Frame(
        app_css=url_for("static", filename="css/app.css"),
        search_css=url_for("static", filename="css/search.css"),
        favicon=url_for("static", filename="img/favicon.svg"),
        home=url_for("pages.home"),
        language=url_for("auth.language"),
        search=url_for("search.index"),
        reminders=url_for("reminders.panel"),
        tasks=url_for("tasks.index"),
        account=url_for("account.index"),
        logout=url_for("auth.logout"),
        words={
            "skip": _("Skip to content"),
            "search_everywhere": _("Search everywhere"),
            "search": _("Search"),
            "reminders": _("Reminders"),
            "tasks": _("Tasks"),
            "account": _("Account"),
            "sign_out": _("Sign out"),
            "sections": _("Sections"),
        },
        sections=tuple(NavLink(s.name, url_for(s.endpoint), str(s.label), s.admin_only)
                       for s in nav.SECTIONS),
    )
