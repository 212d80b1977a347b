"""Folder leases in the database: one process follows a folder at a time.

A lease is a row update (``lease_owner``, ``lease_expires_at``) that succeeds only when the folder
is free, expired, or already ours; it is renewed while the folder is followed. The checkpoint
update of every batch also checks the lease (see :func:`letterpress.mailsvc.store.claim_checkpoint`),
so a process that lost its lease can never file a batch.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from letterpress.crm.model import MailFolder
from letterpress.db.types import utcnow

LEASE_SECONDS = 60.0


def process_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    """True when ``holder`` names a process on this host that no longer runs (killed, crashed)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(session: Session, folder_id: int, owner: str, *, seconds: float = LEASE_SECONDS) -> bool:
    """Take or renew the lease; True if this process holds it now. Commits.

    A lease left by a dead process on this host is taken over at once, so a restart after
    ``kill -9`` resumes without waiting for the lease to expire.
    """
    now = utcnow()
    expires = now + dt.timedelta(seconds=seconds)
    result = session.execute(
        update(MailFolder)
        .where(
            MailFolder.id == folder_id,
            or_(MailFolder.lease_owner.is_(None), MailFolder.lease_owner == owner,
                MailFolder.lease_expires_at < now),
        )
        .values(lease_owner=owner, lease_expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    taken: bool = result.rowcount == 1  # type: ignore[attr-defined]
    if not taken:
        holder = session.scalar(select(MailFolder.lease_owner).where(MailFolder.id == folder_id))
        if holder is not None and _holder_is_dead(holder):
            result = session.execute(
                update(MailFolder)
                .where(MailFolder.id == folder_id, MailFolder.lease_owner == holder)
                .values(lease_owner=owner, lease_expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            taken = result.rowcount == 1  # type: ignore[attr-defined]
    session.commit()
    return taken


def release(session: Session, folder_id: int, owner: str) -> None:
    session.execute(
        update(MailFolder)
        .where(MailFolder.id == folder_id, MailFolder.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
