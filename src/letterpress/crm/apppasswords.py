"""App passwords for DAV clients: made, listed, revoked and checked here.

An app password is random (20 characters from a 32-letter alphabet, 100 bits), shown once and
stored as an argon2 hash. The DAV server accepts nothing else: the web login password is never
an app password. Verification is slow on purpose; the DAV edge caches successes briefly.

A failed DAV login tries every active app password of the login, so each one costs an argon2
verification per wrong guess: a user has at most ``dav.max_app_passwords`` active at once
(:data:`MAX_ACTIVE`), else anyone who can make them could turn failed logins into a CPU sink.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import AppPassword, User
from letterpress.crm.passwords import hash_password, verify_password
from letterpress.crm.users import get_user
from letterpress.db.types import utcnow
from letterpress.errors import NotFound, ValidationError

_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
#: The default of ``dav.max_app_passwords``: active app passwords one user may hold.
MAX_ACTIVE = 10


class TooManyAppPasswords(ValidationError):
    """The user holds ``limit`` active app passwords already; one must be revoked first."""

    def __init__(self, login: str, limit: int) -> None:
        super().__init__(f"{login} has {limit} active app passwords, the most allowed "
                         f"(dav.max_app_passwords): revoke one first", field="app_passwords")
        self.login = login
        self.limit = limit


def _new_secret() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


@dataclass(frozen=True)
class Verified:
    user_id: int
    app_password_id: int


def active_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AppPassword).where(
        AppPassword.user_id == user_id, AppPassword.revoked_at.is_(None))) or 0


def create_app_password(
    session: Session, login: str, label: str = "", *, limit: int = MAX_ACTIVE
) -> tuple[AppPassword, str]:
    """A new app password for ``login``; the plain text is returned this once.

    Raises :class:`TooManyAppPasswords` when ``login`` holds ``limit`` active ones already."""
    user = get_user(session, login)
    # The user's row locked (PostgreSQL; SQLite has one writer) so that two requests at once
    # cannot both pass the count.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if active_count(session, user.id) >= limit:
        raise TooManyAppPasswords(user.login, limit)
    secret = _new_secret()
    row = AppPassword(user_id=user.id, label=label[:100], password_hash=hash_password(secret))
    session.add(row)
    session.flush()
    return row, secret


def list_app_passwords(session: Session, login: str) -> list[AppPassword]:
    user = get_user(session, login)
    return list(session.scalars(
        select(AppPassword).where(AppPassword.user_id == user.id).order_by(AppPassword.id)))


def revoke_app_passwords(
    session: Session, login: str, *, label: str | None = None, password_id: int | None = None
) -> int:
    """Revoke the user's app passwords with this label or id (all of them when neither is given)."""
    user = get_user(session, login)
    query = select(AppPassword).where(AppPassword.user_id == user.id,
                                      AppPassword.revoked_at.is_(None))
    if label is not None:
        query = query.where(AppPassword.label == label)
    if password_id is not None:
        query = query.where(AppPassword.id == password_id)
    rows = list(session.scalars(query))
    if not rows and (label is not None or password_id is not None):
        raise NotFound(f"{login} has no active app password like that")
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    session.flush()
    return len(rows)


def verify_app_password(session: Session, login: str, password: str) -> Verified | None:
    """The user and app password matching, or None. Every active app password is tried."""
    user = session.scalar(select(User).where(User.login == login, User.active.is_(True)))
    if user is None:
        return None
    rows = session.scalars(select(AppPassword).where(
        AppPassword.user_id == user.id, AppPassword.revoked_at.is_(None)))
    for row in rows:
        if verify_password(row.password_hash, password):
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
                row.last_used_at = now
            return Verified(user.id, row.id)
    return None


def still_valid(session: Session, verified: Verified) -> User | None:
    """The user of a cached verification, if the user is active and the password not revoked."""
    row = session.execute(
        select(User, AppPassword.revoked_at)
        .join(AppPassword, AppPassword.user_id == User.id)
        .where(AppPassword.id == verified.app_password_id, User.id == verified.user_id)
    ).first()
    if row is None or row[1] is not None or not row[0].active:
        return None
    user: User = row[0]
    return user
