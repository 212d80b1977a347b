"""Users and teams: creation, look-up, authentication, the supervision tree, and the changes
an administrator makes to them."""

from __future__ import annotations

import functools
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Role, Team, User
from letterpress.crm.passwords import hash_password, needs_rehash, verify_password
from letterpress.crm.permissions import can_administer
from letterpress.crm.supervision import subordinate_ids
from letterpress.errors import NotFound, PermissionDenied, ValidationError

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@functools.cache
def _dummy_hash() -> str:
    return hash_password("letterpress: no such user")


def get_team(session: Session, name: str, *, create: bool = False) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        if not create:
            raise NotFound(f"no team named {name!r}")
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def get_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"no user with login {login!r}")
    return user


def add_user(
    session: Session,
    login: str,
    *,
    role: Role | str = Role.MANAGER,
    name: str = "",
    email: str | None = None,
    team: str | None = None,
    supervisor: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user; the team is created if new, the supervisor must exist."""
    if not LOGIN_RE.match(login):
        raise ValidationError(
            f"login {login!r}: use lower-case letters, digits, '.', '_' or '-'", field="login"
        )
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(
            f"role {role!r}: expected one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise ValidationError(f"login {login!r} is taken", field="login")
    team_row = get_team(session, team, create=True) if team else None
    supervisor_row = get_user(session, supervisor) if supervisor else None
    user = User(
        login=login, role=role.value, name=name, email=email.lower() if email else None,
        team=team_row, supervisor=supervisor_row,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < 4:
        raise ValidationError("the password is too short (at least 4 characters)", field="password")
    user.password_hash = hash_password(password)


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active user with this login and password, or None; rehashes outdated hashes."""
    user = session.scalar(select(User).where(User.login == login, User.active.is_(True)))
    if user is None:
        verify_password(_dummy_hash(), password)  # an unknown login costs what a wrong password does
        return None
    if not verify_password(user.password_hash, password):
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def subordinates(session: Session, head: User) -> list[User]:
    """Everyone whose chain of supervisors reaches ``head`` (not ``head`` itself), by login."""
    ids = subordinate_ids(session, head.id)
    if not ids:
        return []
    return sorted(session.scalars(select(User).where(User.id.in_(ids))), key=lambda u: u.login)


def _require_admin(actor: User) -> None:
    if not can_administer(actor):
        raise PermissionDenied(f"{actor.login} is not an administrator")


def update_user(
    session: Session,
    actor: User,
    user: User,
    *,
    name: str,
    email: str | None,
    role: Role | str,
    team: str | None,
    supervisor: str | None,
) -> User:
    """An administrator changes a user's name, e-mail, role, team and supervisor.

    The supervisor may be neither the user nor one of the user's subordinates (no cycles), and
    an administrator cannot take the administrator role from themselves (someone must remain).
    """
    _require_admin(actor)
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(
            f"role {role!r}: expected one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if user.id == actor.id and role != Role.ADMIN:
        raise ValidationError("an administrator cannot take the role from themselves",
                              field="role")
    supervisor_row = get_user(session, supervisor) if supervisor else None
    below = subordinate_ids(session, user.id)
    if supervisor_row is not None and (supervisor_row.id == user.id or supervisor_row.id in below):
        raise ValidationError(f"{supervisor_row.login} cannot supervise {user.login}: that "
                              "would make a circle", field="supervisor")
    user.name = name.strip()
    user.email = email.strip().lower() if email and email.strip() else None
    user.role = role.value
    user.team = get_team(session, team) if team else None
    user.supervisor = supervisor_row
    session.flush()
    return user


def set_active(session: Session, actor: User, user: User, active: bool) -> None:
    """An administrator deactivates (every session ends) or reactivates a user."""
    _require_admin(actor)
    if user.id == actor.id and not active:
        raise ValidationError("an administrator cannot deactivate themselves", field="active")
    user.active = active
    session.flush()
