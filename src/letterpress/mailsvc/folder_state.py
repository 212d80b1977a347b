"""The database side of following one folder: checkpoints, UIDVALIDITY changes, errors, status.

Every function here is synchronous and opens its own short transaction; the async sync loop runs
them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import Settings
from letterpress.crm.filing import FilingPolicy, TopicRule
from letterpress.crm.model import LetterLocation, Mailbox, MailFolder, User
from letterpress.db.types import utcnow
from letterpress.mailsvc.store import BatchOutcome, Fetched, FolderRef, LeaseLost, store_batch


def filing_policy(settings: Settings) -> FilingPolicy:
    return FilingPolicy(
        public_domains=frozenset(d.lower() for d in settings.mail.public_domains),
        internal_domains=frozenset(d.lower() for d in settings.company.mail_domains),
        topic_rules=tuple(TopicRule(t.name, t.keywords, tuple(a.lower() for a in t.addresses))
                          for t in settings.mail.topics),
        order_number_pattern=settings.mail.order_number_pattern,
    )


def folder_ref(session: Session, folder_id: int, lease_owner: str | None) -> FolderRef:
    folder = session.get(MailFolder, folder_id)
    assert folder is not None
    mailbox = session.get(Mailbox, folder.mailbox_id)
    assert mailbox is not None
    own: set[str] = set()
    if mailbox.address:
        own.add(mailbox.address.lower())
    if mailbox.owner_id is not None:
        email = session.scalar(select(User.email).where(User.id == mailbox.owner_id))
        if email:
            own.add(email.lower())
    return FolderRef(folder_id=folder.id, mailbox_id=mailbox.id, owner_id=mailbox.owner_id,
                     is_sent=folder.is_sent, own_addresses=frozenset(own), lease_owner=lease_owner)


def prepare(session: Session, folder_id: int, uidvalidity: int, uidnext: int | None,
            lease_owner: str | None) -> int:
    """Record the server's UIDVALIDITY; on a change, forget the old UIDs (letters stay, and are
    matched again by Message-ID or hash). Returns the last filed UID. Commits."""
    folder = session.get(MailFolder, folder_id, with_for_update=True)
    assert folder is not None
    if lease_owner is not None and folder.lease_owner != lease_owner:
        session.rollback()
        raise LeaseLost(f"folder {folder.name!r}: lease held by another process")
    if folder.uidvalidity != uidvalidity:
        if folder.uidvalidity is not None:
            session.execute(delete(LetterLocation).where(LetterLocation.folder_id == folder_id,
                                                         LetterLocation.uidvalidity != uidvalidity))
        folder.uidvalidity = uidvalidity
        folder.last_uid = 0
        folder.letter_count = 0
    folder.server_uidnext = uidnext
    last = folder.last_uid
    session.commit()
    return last


#: SQLite settings of the connection that stores letters (each connection's own). A letter
#: touches a dozen indexes: with SQLite's default 2 MB page cache their pages were read back from
#: the file about twenty times a letter, and checkpointing the WAL every 4 MB (the default)
#: copied the same index pages into the database again and again. 32 MB of cache and a
#: checkpoint every 32 MB of WAL cut an import's page reads by 40% and its writes by 12%
#: (system calls counted over 5,000 letters of ``bench.ingest``'s corpus).
WRITER_PRAGMAS = ("PRAGMA cache_size = -32768", "PRAGMA wal_autocheckpoint = 8192")
_TUNED = "letterpress.mailsvc.writer_tuned"


def _tune_writer(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name != "sqlite" or conn.info.get(_TUNED):
        return
    for pragma in WRITER_PRAGMAS:
        conn.exec_driver_sql(pragma)
    conn.info[_TUNED] = True


def store_and_commit(factory: sessionmaker[Session], ref: FolderRef, uidvalidity: int,
                     batch: Sequence[Fetched], policy: FilingPolicy,
                     blocklist: frozenset[str]) -> BatchOutcome:
    with factory() as session:
        _tune_writer(session)
        outcome = store_batch(session, ref, uidvalidity, batch, policy, blocklist=blocklist)
        session.commit()
        return outcome


def record_error(factory: sessionmaker[Session], folder_id: int, message: str | None) -> None:
    with factory() as session:
        session.execute(update(MailFolder).where(MailFolder.id == folder_id).values(
            last_error=message, last_error_at=utcnow() if message else None,
        ).execution_options(synchronize_session=False))
        session.commit()


def mark_synced(factory: sessionmaker[Session], folder_id: int) -> None:
    with factory() as session:
        session.execute(update(MailFolder).where(MailFolder.id == folder_id).values(
            last_sync_at=utcnow(), last_error=None, last_error_at=None,
        ).execution_options(synchronize_session=False))
        session.commit()


@dataclass(frozen=True)
class FolderStatusRow:
    mailbox: str
    folder: str
    uidvalidity: int | None
    last_uid: int
    letters: int
    lag_letters: int | None
    lag_seconds: float | None
    last_sync_at: dt.datetime | None
    last_error: str | None
    lease_owner: str | None


def status(session: Session) -> list[FolderStatusRow]:
    counts = dict(session.execute(
        select(LetterLocation.folder_id, func.count()).group_by(LetterLocation.folder_id)
    ).all())
    now = utcnow()
    rows = []
    for folder, mailbox in session.execute(
        select(MailFolder, Mailbox.name).join(Mailbox).order_by(Mailbox.name, MailFolder.name)
    ):
        lag = None
        if folder.server_uidnext is not None:
            lag = max(0, folder.server_uidnext - 1 - folder.last_uid)
        rows.append(FolderStatusRow(
            mailbox=mailbox, folder=folder.name, uidvalidity=folder.uidvalidity,
            last_uid=folder.last_uid, letters=counts.get(folder.id, 0), lag_letters=lag,
            lag_seconds=(now - folder.last_sync_at).total_seconds() if folder.last_sync_at else None,
            last_sync_at=folder.last_sync_at, last_error=folder.last_error,
            lease_owner=folder.lease_owner if folder.lease_expires_at and folder.lease_expires_at > now else None,
        ))
    return rows
