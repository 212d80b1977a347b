"""What the administration pages list: users, teams, mailboxes with their grants."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from letterpress.config import MailboxSettings, Settings
from letterpress.crm.model import LetterLocation, Mailbox, MailboxGrant, MailFolder, Team, User
from letterpress.db.casefold import casefold
from letterpress.errors import NotFound


def users(session: Session) -> list[User]:
    """Everyone, active first, by login."""
    return list(session.scalars(
        select(User).options(selectinload(User.team), selectinload(User.supervisor))
        .order_by(User.active.desc(), User.login)
    ))


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    if found is None:
        raise NotFound(f"no user #{user_id}")
    return found


def active_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.login)))


@dataclass(frozen=True)
class TeamRow:
    team: Team
    members: list[User]


def teams(session: Session) -> list[TeamRow]:
    rows = session.scalars(select(Team).options(selectinload(Team.members))
                           .order_by(casefold(Team.name))).all()
    return [TeamRow(t, sorted(t.members, key=lambda u: (not u.active, u.login))) for t in rows]


def team_list(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(casefold(Team.name))))


@dataclass(frozen=True)
class GrantRow:
    who: str  # a user's name and login, or a team's name
    is_team: bool
    rights: list[str]  # read, send_as, manage
    source: str


@dataclass(frozen=True)
class MailboxRow:
    name: str
    kind: str
    owner: str | None
    address: str | None
    is_archive: bool
    folders: list[str]
    letters: int
    grants: list[GrantRow]
    config: MailboxSettings | None  # None: not (or no longer) in the config file
    in_database: bool = True
    config_grants: list[str] = field(default_factory=list)


def _rights(grant: MailboxGrant) -> list[str]:
    return [name for name, on in (("read", grant.can_read), ("send_as", grant.can_send_as),
                                  ("manage", grant.can_manage)) if on]


def _config_grants(box: MailboxSettings) -> list[str]:
    return [f"{'team ' + g.team if g.team else g.user}: {', '.join(g.rights)}" for g in box.grants]


def mailboxes(session: Session, settings: Settings) -> list[MailboxRow]:
    """Mailboxes in the database (from the config or imported archives) and those of the config
    not synchronised yet, each with its grants."""
    configured = {box.name: box for box in settings.mailboxes}
    people = {u.id: u for u in session.scalars(select(User))}
    team_names = dict(session.execute(select(Team.id, Team.name)).all())
    counts = dict(session.execute(
        select(MailFolder.mailbox_id, func.count(func.distinct(LetterLocation.letter_id)))
        .join(LetterLocation, LetterLocation.folder_id == MailFolder.id)
        .group_by(MailFolder.mailbox_id)
    ).all())
    rows = []
    for box in session.scalars(select(Mailbox).options(
            selectinload(Mailbox.grants), selectinload(Mailbox.folders)).order_by(Mailbox.name)):
        grants = []
        for g in box.grants:
            if g.team_id is not None:
                who, is_team = team_names.get(g.team_id, f"#{g.team_id}"), True
            else:
                person = people.get(g.user_id or 0)
                who = f"{person.display_name} ({person.login})" if person else f"#{g.user_id}"
                is_team = False
            grants.append(GrantRow(who, is_team, _rights(g), g.source))
        owner = people.get(box.owner_id or 0)
        config = configured.get(box.name)
        rows.append(MailboxRow(
            name=box.name, kind=box.kind,
            owner=f"{owner.display_name} ({owner.login})" if owner else None,
            address=box.address, is_archive=box.is_archive,
            folders=sorted(f.name for f in box.folders), letters=int(counts.get(box.id) or 0),
            grants=grants, config=config,
            config_grants=_config_grants(config) if config else [],
        ))
    known = {row.name for row in rows}
    for name, config in sorted(configured.items()):
        if name not in known:
            rows.append(MailboxRow(
                name=name, kind=config.kind, owner=config.owner, address=None, is_archive=False,
                folders=list(config.folders), letters=0, grants=[], config=config,
                in_database=False, config_grants=_config_grants(config),
            ))
    return rows
