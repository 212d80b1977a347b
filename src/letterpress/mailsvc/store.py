"""Persist a batch of fetched letters and the folder's UID checkpoint in one transaction.

This is where "exactly once" is kept: the folder row is updated first (taking the write lock and
checking that this process still holds the folder's lease and that UIDVALIDITY is unchanged), then
the raw bytes, letters, locations, addresses and attachments are written, and the letters are
filed; the caller commits once. A crash anywhere before the commit leaves nothing; a batch
stored twice (after a crash between the commit and the next fetch) changes nothing, because
locations are unique per (folder, UIDVALIDITY, UID) and letters per ``dedup_key``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from letterpress.crm.filing import FilingInput, FilingPolicy, file_letters
from letterpress.crm.invitations import Invitation, apply_invitations
from letterpress.crm.model import (
    Attachment,
    Blob,
    Letter,
    LetterAddress,
    LetterLocation,
    MailFolder,
)
from letterpress.db.types import utcnow
from letterpress.errors import FolderError
from letterpress.mailsvc.invitation import parse_invitations
from letterpress.search import index_new_letters
from letterpress.mailsvc.parse_pool import Fetched  # defined there: workers import it

__all__ = [
    "BatchOutcome", "Fetched", "FolderRef", "LeaseLost", "claim_checkpoint", "dedup_key",
    "insert_ignoring_conflicts", "store_batch",
]

#: Rows are inserted through the tables (Core), not the ORM: the ORM's bulk path costs ~3x the
#: Python time per row and adds nothing here (no events, no validators, same column defaults).
_LETTERS: Table = Letter.__table__  # type: ignore[assignment]


class LeaseLost(FolderError):
    """Another process owns the folder now, or its UIDVALIDITY changed: the batch is dropped."""


@dataclass(frozen=True)
class FolderRef:
    folder_id: int
    mailbox_id: int
    owner_id: int | None
    is_sent: bool
    own_addresses: frozenset[str]
    lease_owner: str | None = None


@dataclass
class BatchOutcome:
    stored: int = 0
    new_letters: int = 0
    duplicates: int = 0
    blocked: int = 0
    unparsed: int = 0
    filed: int = 0
    new_letter_ids: list[int] = field(default_factory=list)


def insert_ignoring_conflicts(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                              index_elements: Sequence[str]) -> None:
    """INSERT rows, skipping those that collide on ``index_elements`` (both databases)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(table).on_conflict_do_nothing(index_elements=list(index_elements))
    session.execute(stmt, list(rows))


def dedup_key(message_id: str | None, sha256: str) -> str:
    return f"mid:{message_id}" if message_id else f"sha:{sha256}"


def _blocked(parsed: Any, blocklist: frozenset[str]) -> bool:
    if not blocklist or parsed is None:
        return False
    for role, _name, email in parsed.addresses:
        if role in ("from", "sender", "reply_to"):
            email = email.lower()
            if email in blocklist or email.rsplit("@", 1)[-1] in blocklist:
                return True
    return False


def claim_checkpoint(session: Session, folder: FolderRef, uidvalidity: int, max_uid: int,
                     count: int) -> None:
    """Advance the folder's checkpoint, or raise :class:`LeaseLost` if it is not ours to move."""
    conditions = [MailFolder.id == folder.folder_id, MailFolder.uidvalidity == uidvalidity]
    if folder.lease_owner is not None:
        conditions.append(MailFolder.lease_owner == folder.lease_owner)
    now = utcnow()
    result = session.execute(
        update(MailFolder).where(*conditions).values(
            last_uid=max_uid, letter_count=MailFolder.letter_count + count, last_sync_at=now,
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(f"folder #{folder.folder_id}: lease lost or UIDVALIDITY changed")


def store_batch(
    session: Session,
    folder: FolderRef,
    uidvalidity: int,
    batch: Sequence[Fetched],
    policy: FilingPolicy,
    *,
    blocklist: frozenset[str] = frozenset(),
    now: dt.datetime | None = None,
) -> BatchOutcome:
    """Write ``batch`` (ascending UIDs) and move the checkpoint to its last UID. No commit."""
    outcome = BatchOutcome()
    if not batch:
        return outcome
    claim_checkpoint(session, folder, uidvalidity, max(f.uid for f in batch), len(batch))
    kept = [f for f in batch if not _blocked(f.parsed, blocklist)]
    outcome.blocked = len(batch) - len(kept)
    if not kept:
        return outcome
    received = now or utcnow()

    blobs: dict[str, bytes] = {f.sha256: f.raw for f in kept}
    keys: dict[str, Fetched] = {}
    for f in kept:
        mid = f.parsed.message_id if f.parsed is not None else None
        keys.setdefault(dedup_key(mid, f.sha256), f)
    existing = dict(session.execute(
        select(Letter.dedup_key, Letter.id).where(Letter.dedup_key.in_(keys))
    ).all())
    new_rows: list[dict[str, Any]] = []
    digest: dict[int, str] = {}  # attachment object -> SHA-256, computed once per batch
    for key, f in keys.items():
        if key in existing:
            continue
        new_rows.append(_letter_row(key, f, folder, received))
        if f.parsed is not None:
            for att in f.parsed.attachments:
                digest[id(att)] = hashlib.sha256(att.payload).hexdigest()
                blobs.setdefault(digest[id(att)], att.payload)
    insert_ignoring_conflicts(
        session, Blob.__table__,  # type: ignore[arg-type]
        [{"sha256": sha, "size": len(data), "data": data} for sha, data in blobs.items()],
        ["sha256"],
    )
    new_ids: dict[str, int] = {}
    if new_rows:
        # One multi-row INSERT; rows are matched to ids by their unique dedup_key, not by the
        # order of RETURNING (asking SQLAlchemy for that order makes SQLite insert row by row).
        # The ids still follow the rows' order, and so does new_ids.
        returned: dict[str, int] = dict(session.execute(
            insert(_LETTERS).returning(_LETTERS.c.dedup_key, _LETTERS.c.id), new_rows,
        ).all())
        new_ids = {row["dedup_key"]: returned[row["dedup_key"]] for row in new_rows}
    ids = {**existing, **new_ids}
    insert_ignoring_conflicts(
        session, LetterLocation.__table__,  # type: ignore[arg-type]
        [{"letter_id": ids[dedup_key(f.parsed.message_id if f.parsed else None, f.sha256)],
          "folder_id": folder.folder_id, "uidvalidity": uidvalidity, "uid": f.uid,
          "raw_sha256": f.sha256} for f in kept],
        ["folder_id", "uidvalidity", "uid"],
    )
    outcome.stored = len(kept)
    outcome.duplicates = len(kept) - len(new_ids)
    outcome.new_letters = len(new_ids)
    outcome.new_letter_ids = list(new_ids.values())
    if not new_ids:
        return outcome

    address_rows: list[dict[str, Any]] = []
    attachment_rows: list[dict[str, Any]] = []
    filing: list[FilingInput] = []
    invitations: list[tuple[int, int | None, Invitation]] = []
    for key, letter_id in new_ids.items():
        f = keys[key]
        p = f.parsed
        if p is None:
            outcome.unparsed += 1
            continue
        for role, name, email in p.addresses:
            address_rows.append({"letter_id": letter_id, "role": role, "name": name[:500],
                                 "email": email[:320]})
        for att in p.attachments:
            attachment_rows.append({
                "letter_id": letter_id, "filename": (att.filename or "")[:500],
                "content_type": (att.content_type or "application/octet-stream")[:200],
                "size": att.size, "sha256": digest[id(att)], "content_id": att.content_id,
                "is_inline": att.is_inline,
            })
        outgoing = _is_outgoing(p, folder)
        filing.append(FilingInput(
            letter_id=letter_id, addresses=p.addresses, message_id=p.message_id,
            in_reply_to=p.in_reply_to, references=p.references, subject=p.subject,
            body_text=p.text_plain[:20000], sent_at=p.date or received, is_bulk=p.is_bulk,
            is_outgoing=outgoing, owner_id=folder.owner_id,
        ))
        for part in p.calendars:
            invitations.extend((letter_id, folder.owner_id, inv)
                               for inv in parse_invitations(part.data))
    if address_rows:
        session.execute(insert(LetterAddress.__table__), address_rows)  # type: ignore[arg-type]
    if attachment_rows:
        session.execute(insert(Attachment.__table__), attachment_rows)  # type: ignore[arg-type]
    _set_threads(session, filing)
    results = file_letters(session, filing, policy)
    outcome.filed = sum(1 for r in results if r.links)
    if invitations:
        apply_invitations(session, invitations)
    index_new_letters(session, outcome.new_letter_ids)  # searchable at commit, same transaction
    return outcome


def _is_outgoing(parsed: Any, folder: FolderRef) -> bool:
    if folder.is_sent:
        return True
    for role, _name, email in parsed.addresses:
        if role == "from":
            return email.lower() in folder.own_addresses
    return False


def _letter_row(key: str, f: Fetched, folder: FolderRef, received: dt.datetime) -> dict[str, Any]:
    p = f.parsed
    row: dict[str, Any] = {
        "dedup_key": key, "raw_sha256": f.sha256, "size": len(f.raw), "received_at": received,
        "references": "", "subject": "", "text_plain": "", "text_html": "", "parse_warnings": "",
        "has_attachments": False, "is_bulk": False, "is_outgoing": folder.is_sent,
        "message_id": None, "in_reply_to": None, "sent_at": None, "from_email": None,
        "from_name": None, "thread_id": None, "parse_error": f.error,
    }
    if p is None:
        if not row["parse_error"]:
            row["parse_error"] = "not parsed"
        return row
    sender = next(((n, e) for r, n, e in p.addresses if r == "from"), (None, None))
    row.update({
        "message_id": p.message_id, "in_reply_to": p.in_reply_to,
        "references": " ".join(p.references), "subject": p.subject, "sent_at": p.date,
        "from_name": (sender[0] or None) and sender[0][:500], "from_email": sender[1],
        "text_plain": p.text_plain, "text_html": p.text_html,
        "has_attachments": any(not a.is_inline for a in p.attachments),
        "is_bulk": p.is_bulk, "is_outgoing": _is_outgoing(p, folder),
        "parse_warnings": "\n".join(p.defects + p.warnings),
    })
    return row


def _set_threads(session: Session, items: list[FilingInput]) -> None:
    """Each new letter joins the thread of its nearest stored ancestor, else starts its own."""
    refs = {r for it in items for r in ([it.in_reply_to] if it.in_reply_to else []) + list(it.references)}
    known: dict[str, int] = {}
    if refs:
        for mid, letter_id, thread_id in session.execute(
            select(Letter.message_id, Letter.id, Letter.thread_id).where(Letter.message_id.in_(refs))
        ):
            known[mid] = thread_id or letter_id
    updates: list[dict[str, Any]] = []
    for it in items:
        chain = ([it.in_reply_to] if it.in_reply_to else []) + list(reversed(it.references))
        thread = next((known[r] for r in chain if r in known), it.letter_id)
        if it.message_id:
            known[it.message_id] = thread
        updates.append({"b_id": it.letter_id, "b_thread": thread})
    if updates:
        from sqlalchemy import bindparam

        session.execute(
            update(Letter.__table__).where(Letter.__table__.c.id == bindparam("b_id"))
            .values(thread_id=bindparam("b_thread")),
            updates,
        )
    _adopt_earlier_replies(session, {it.message_id: known[it.message_id]
                                     for it in items if it.message_id})


def _adopt_earlier_replies(session: Session, threads: dict[str, int]) -> None:
    """Replies stored before their parent (another folder synced first) started threads of their
    own; those threads join the parent's now, so threading does not depend on arrival order."""
    if not threads:
        return
    moves = {(old, threads[mid]) for mid, old in session.execute(
        select(Letter.in_reply_to, Letter.thread_id).where(Letter.in_reply_to.in_(threads))
    ).all() if old is not None and old != threads[mid]}
    for old, new in sorted(moves):
        session.execute(update(Letter.__table__).where(Letter.__table__.c.thread_id == old)
                        .values(thread_id=new))
