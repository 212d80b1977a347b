"""Put letters straight into the database through the real parse -> store -> file path, without
IMAP: for tests of permissions, the web UI and search that need letters but not a mail server."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.filing import FilingPolicy
from letterpress.crm.model import Mailbox, MailboxGrant, MailFolder, Team, User
from letterpress.mailsvc.folder_state import filing_policy, folder_ref
from letterpress.mailsvc.parse_pool import parse_one
from letterpress.mailsvc.store import BatchOutcome, store_batch


def mailbox(
    session: Session, name: str, *, owner: str | None = None, kind: str | None = None,
    grants: Sequence[tuple[str, str]] = (), folders: Sequence[str] = ("INBOX",),
    sent_folders: Sequence[str] = (),
) -> Mailbox:
    """A mailbox row with folders; ``grants`` are (``user:LOGIN`` or ``team:NAME``, ``read``)."""
    owner_id = session.scalar(select(User.id).where(User.login == owner)) if owner else None
    box = Mailbox(name=name, kind=kind or ("personal" if owner else "shared"), owner_id=owner_id)
    session.add(box)
    session.flush()
    for who, rights in grants:
        what, _, value = who.partition(":")
        grant = MailboxGrant(mailbox_id=box.id, can_read="read" in rights,
                             can_send_as="send_as" in rights, can_manage="manage" in rights)
        if what == "user":
            grant.user_id = session.scalar(select(User.id).where(User.login == value))
        else:
            grant.team_id = session.scalar(select(Team.id).where(Team.name == value))
        session.add(grant)
    for folder in folders:
        session.add(MailFolder(mailbox_id=box.id, name=folder, uidvalidity=1,
                               is_sent=folder in sent_folders))
    session.flush()
    return box


def deliver(
    session: Session, box: Mailbox, raws: Sequence[bytes], *, folder: str = "INBOX",
    policy: FilingPolicy | None = None, settings: Settings | None = None,
) -> BatchOutcome:
    """Parse, store and file ``raws`` into ``box``/``folder`` as the daemon would (no commit)."""
    row = session.scalar(select(MailFolder).where(MailFolder.mailbox_id == box.id,
                                                  MailFolder.name == folder))
    assert row is not None, f"no folder {folder!r} in {box.name}"
    start = (session.scalar(select(func.max(MailFolder.last_uid)).where(MailFolder.id == row.id))
             or 0) + 1
    fetched = [parse_one(start + i, raw) for i, raw in enumerate(raws)]
    if policy is None:
        policy = filing_policy(settings or Settings())
    return store_batch(session, folder_ref(session, row.id, None), 1, fetched, policy)


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
