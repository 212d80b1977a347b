"""Mailboxes from the config, mirrored into the database (rows for folders, grants, checkpoints).

The config is the source of truth for accounts; the database keeps what must survive restarts
and be joined in SQL (checkpoints, grants for the permission function). Users named as owners or
grantees must exist: the daemon refuses to start otherwise, naming them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.config import MailboxSettings
from letterpress.crm.model import Mailbox, MailboxGrant, MailFolder, Team, User
from letterpress.errors import ConfigError


def check_people(session: Session, boxes: Sequence[MailboxSettings]) -> None:
    logins = {b.owner for b in boxes if b.owner} | {g.user for b in boxes for g in b.grants if g.user}
    teams = {g.team for b in boxes for g in b.grants if g.team}
    known_logins = set(session.scalars(select(User.login).where(User.login.in_(logins)))) if logins else set()
    known_teams = set(session.scalars(select(Team.name).where(Team.name.in_(teams)))) if teams else set()
    missing = sorted(logins - known_logins)
    missing_teams = sorted(teams - known_teams)
    if missing or missing_teams:
        parts = []
        if missing:
            parts.append("unknown users: " + ", ".join(missing))
        if missing_teams:
            parts.append("unknown teams: " + ", ".join(missing_teams))
        raise ConfigError("mailboxes name " + "; ".join(parts) + " (create them with 'letterpress user add')")


def ensure_mailbox(session: Session, box: MailboxSettings) -> Mailbox:
    """Create or update the mailbox row, its grants and its followed folders."""
    mailbox = session.scalar(select(Mailbox).where(Mailbox.name == box.name))
    owner_id = session.scalar(select(User.id).where(User.login == box.owner)) if box.owner else None
    if mailbox is None:
        mailbox = Mailbox(name=box.name, kind=box.kind)
        session.add(mailbox)
    mailbox.kind = box.kind
    mailbox.owner_id = owner_id if box.kind == "personal" else None
    mailbox.address = box.user if "@" in box.user else None
    mailbox.is_archive = False
    grants = []
    for g in box.grants:
        grants.append(MailboxGrant(
            user_id=session.scalar(select(User.id).where(User.login == g.user)) if g.user else None,
            team_id=session.scalar(select(Team.id).where(Team.name == g.team)) if g.team else None,
            can_read="read" in g.rights, can_send_as="send_as" in g.rights,
            can_manage="manage" in g.rights,
        ))
    mailbox.grants = [g for g in mailbox.grants if g.source != "config"] + grants
    session.flush()
    existing = {f.name: f for f in session.scalars(select(MailFolder).where(MailFolder.mailbox_id == mailbox.id))}
    for name in box.folders:
        folder = existing.get(name) or MailFolder(mailbox_id=mailbox.id, name=name)
        folder.is_sent = name in box.sent_folders
        session.add(folder)
    session.flush()
    return mailbox


def ensure_archive_mailbox(session: Session, name: str, owner_login: str) -> Mailbox:
    """The mailbox an mbox/Maildir archive is imported into (created if it does not exist)."""
    owner_id = session.scalar(select(User.id).where(User.login == owner_login))
    if owner_id is None:
        raise ConfigError(f"unknown user {owner_login!r} (create it with 'letterpress user add')")
    mailbox = session.scalar(select(Mailbox).where(Mailbox.name == name))
    if mailbox is None:
        mailbox = Mailbox(name=name, kind="personal", owner_id=owner_id, is_archive=True)
        session.add(mailbox)
        session.flush()
    return mailbox


def sync_config(session: Session, boxes: Sequence[MailboxSettings]) -> list[Mailbox]:
    check_people(session, boxes)
    return [ensure_mailbox(session, box) for box in boxes]
