"""Importing mail archives (mbox and Maildir, as Thunderbird and The Bat! export them) through the
same pipeline as IMAP: parse in worker processes, store and file in batches with a checkpoint.

An archive becomes a folder of an archive mailbox; a letter's position in the archive is its UID
(UIDVALIDITY 1), so importing the same archive again stores nothing twice and an interrupted
import resumes where it stopped.
"""

from __future__ import annotations

import mailbox as stdlib_mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import Settings
from letterpress.crm.model import MailFolder
from letterpress.errors import UserError
from letterpress.mailsvc import folder_state
from letterpress.mailsvc.mailboxes import ensure_archive_mailbox
from letterpress.mailsvc.parse_pool import ParsePool
from letterpress.mailsvc.sync import NoProgress, Progress
from letterpress.search import letters_analyzer

ARCHIVE_UIDVALIDITY = 1


@dataclass
class ArchiveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    unparsed: list[dict[str, object]] = field(default_factory=list)
    filed: int = 0

    def as_json(self) -> dict[str, object]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "unparsed": self.unparsed, "filed": self.filed}


def iter_mbox(path: Path) -> Iterator[bytes]:
    """Each message's bytes, lazily (the mailbox module indexes offsets, not contents)."""
    box = stdlib_mailbox.mbox(str(path), create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def iter_maildir(path: Path) -> Iterator[bytes]:
    """Messages of a Maildir (cur and new), in a stable order: by file name."""
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise UserError(f"{path}: not a Maildir (no cur/ or new/ inside)")
    files = sorted(p for sub in ("cur", "new") if (path / sub).is_dir()
                   for p in (path / sub).iterdir() if p.is_file())
    for file in files:
        yield file.read_bytes()


def import_archive(
    factory: sessionmaker[Session],
    settings: Settings,
    path: Path,
    *,
    kind: str,
    mailbox_name: str,
    owner: str,
    workers: int | None = None,
    batch_size: int = 200,
    progress: Progress | None = None,
) -> ArchiveResult:
    if not path.exists():
        raise UserError(f"{path}: no such file or directory")
    if kind == "mbox" and not path.is_file():
        raise UserError(f"{path}: an mbox archive is a file")
    messages = iter_mbox(path) if kind == "mbox" else iter_maildir(path)
    folder_name = f"archive:{path.name}"
    with factory() as session:
        mailbox = ensure_archive_mailbox(session, mailbox_name, owner)
        folder = session.scalar(select(MailFolder).where(MailFolder.mailbox_id == mailbox.id,
                                                         MailFolder.name == folder_name))
        if folder is None:
            folder = MailFolder(mailbox_id=mailbox.id, name=folder_name,
                                uidvalidity=ARCHIVE_UIDVALIDITY)
            session.add(folder)
        session.commit()
        folder_id, last_uid = folder.id, folder.last_uid
        ref = folder_state.folder_ref(session, folder_id, None)
        analyzer = letters_analyzer(session)
    policy = folder_state.filing_policy(settings)
    blocklist = frozenset(b.lower() for b in settings.mail.blocklist)
    progress = progress or NoProgress()
    label = f"{mailbox_name}/{folder_name}"
    progress.start(label, 0)
    result = ArchiveResult(unchanged=last_uid)
    with ParsePool(workers) as parser:
        batch: list[tuple[int, bytes]] = []
        position = 0

        def flush() -> None:
            fetched = parser.parse_sync(batch, analyzer)
            outcome = folder_state.store_and_commit(factory, ref, ARCHIVE_UIDVALIDITY, fetched,
                                                    policy, blocklist)
            result.created += outcome.new_letters
            result.unchanged += outcome.duplicates
            result.filed += outcome.filed
            for f in fetched:
                if f.parsed is None:
                    result.unparsed.append({"row": f.uid, "reason": f.error or "not parsed"})
            progress.advance(label, len(batch))
            batch.clear()

        for raw in messages:
            position += 1
            if position <= last_uid:
                continue
            if not raw.strip():
                result.rejected.append({"row": position, "column": "letter",
                                        "reason": "empty message"})
                continue
            batch.append((position, raw))
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    progress.finish(label)
    return result
