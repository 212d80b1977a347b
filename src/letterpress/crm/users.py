"""Users and teams: creation, look-up, authentication, the supervision tree."""

from __future__ import annotations

import functools
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Role, Team, User
from letterpress.crm.passwords import hash_password, needs_rehash, verify_password
from letterpress.errors import NotFound, ValidationError

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
    """Everyone whose chain of supervisors reaches ``head`` (not ``head`` itself)."""
    found: list[User] = []
    frontier = [head.id]
    seen = {head.id}
    while frontier:
        rows = session.scalars(select(User).where(User.supervisor_id.in_(frontier))).all()
        frontier = []
        for user in rows:
            if user.id not in seen:
                seen.add(user.id)
                found.append(user)
                frontier.append(user.id)
    return sorted(found, key=lambda u: u.login)
