"""App passwords as the web pages see them: listed, made and revoked for an owner, by a viewer.

Every call asks :func:`letterpress.crm.permissions.can_manage_app_passwords` first (the owner
themselves, or an administrator); the work itself is :mod:`letterpress.crm.apppasswords`.
A password the viewer may not touch answers 404, the same as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from letterpress.crm import apppasswords
from letterpress.crm.model import AppPassword, User
from letterpress.crm.permissions import can_manage_app_passwords
from letterpress.errors import NotFound, PermissionDenied
from letterpress.web.context import web_context


@dataclass(frozen=True)
class AppPasswordRow:
    id: int
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


def limit() -> int:
    """Active app passwords one user may hold (``dav.max_app_passwords``)."""
    return web_context().settings.dav.max_app_passwords


def full_message(most: int) -> str:
    """What the account and administration pages say when the owner holds ``most`` already."""
    return str(_("The limit is reached: at most %(limit)d active app passwords per user. Revoke "
                 "one that is no longer used to make another.", limit=most))


def note_if_full(rows: list[AppPasswordRow], form_errors: list[str]) -> None:
    """Put :func:`full_message` among a form's errors when the owner is at the limit."""
    message = full_message(limit())
    if len(rows) >= limit() and message not in form_errors:
        form_errors.append(message)


def _check(viewer: User, owner: User) -> None:
    if not can_manage_app_passwords(viewer, owner.id):
        raise PermissionDenied(f"{viewer.login} may not manage the app passwords of {owner.login}")


def active_rows(session: Session, viewer: User, owner: User) -> list[AppPasswordRow]:
    """The owner's app passwords that still work, oldest first (revoked ones are history)."""
    _check(viewer, owner)
    return [AppPasswordRow(r.id, r.label, r.created_at, r.last_used_at)
            for r in apppasswords.list_app_passwords(session, owner.login) if not r.revoked]


def make(session: Session, viewer: User, owner: User, label: str,
         *, limit: int = apppasswords.MAX_ACTIVE) -> tuple[AppPassword, str]:
    """A new app password for ``owner``; the plain text is returned this once.

    Raises :class:`~letterpress.crm.apppasswords.TooManyAppPasswords` when ``owner`` holds
    ``limit`` active ones already (``dav.max_app_passwords``)."""
    _check(viewer, owner)
    return apppasswords.create_app_password(session, owner.login, label, limit=limit)


def revoke(session: Session, viewer: User, owner: User, password_id: int) -> None:
    """Revoke one of ``owner``'s active app passwords; NotFound for anyone else's."""
    try:
        _check(viewer, owner)
    except PermissionDenied:
        raise NotFound(f"no app password #{password_id}") from None
    apppasswords.revoke_app_passwords(session, owner.login, password_id=password_id)
