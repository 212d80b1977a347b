"""Persist a batch of fetched letters and the folder's UID checkpoint in one transaction.

This is where "exactly once" is kept: the folder row is updated first (taking the write lock and
checking that this process still holds the folder's lease and that UIDVALIDITY is unchanged), then
the raw bytes, letters, locations, addresses and attachments are written, the letters are filed
and indexed for search; the caller commits once. A crash anywhere before the commit leaves
nothing, in the index neither; a batch stored twice (after a crash between the commit and the
next fetch) changes nothing, because locations are unique per (folder, UIDVALIDITY, UID) and
letters per ``dedup_key``.

The writing is one multi-row statement per table (:mod:`letterpress.db.bulk`), and new letters get their ids
before they are inserted, so that each is written once with its thread already set (a reply
joins the thread of its nearest stored ancestor, in this batch or before it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, update
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
from letterpress.db.bulk import allocate_ids, insert_rows, select_in
from letterpress.db.types import utcnow
from letterpress.errors import FolderError
from letterpress.mailsvc.invitation import parse_invitations
from letterpress.mailsvc.parse_pool import Fetched  # defined there: workers import it
from letterpress.mailsvc.stored import address_values, attachment_values, search_fields
from letterpress.search import index_analysed_letters
from letterpress.search.letterdoc import aware

__all__ = [
    "BatchOutcome", "Fetched", "FolderRef", "LeaseLost", "claim_checkpoint", "dedup_key",
    "store_batch",
]

_LETTERS: Table = Letter.__table__  # type: ignore[assignment]
_BLOBS: Table = Blob.__table__  # type: ignore[assignment]
_LOCATIONS: Table = LetterLocation.__table__  # type: ignore[assignment]
_ADDRESSES: Table = LetterAddress.__table__  # type: ignore[assignment]
_ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]

LETTER_COLUMNS = (
    "id", "dedup_key", "raw_sha256", "size", "received_at", "message_id", "in_reply_to",
    "references", "thread_id", "subject", "sent_at", "from_email", "from_name", "text_plain",
    "text_html", "has_attachments", "is_bulk", "is_outgoing", "parse_error", "parse_warnings",
)


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
    existing: dict[str, int] = dict(select_in(
        session, _LETTERS, ("dedup_key", "id"), "dedup_key", keys))
    fresh = [key for key in keys if key not in existing]
    new_ids = dict(zip(fresh, allocate_ids(session, _LETTERS, len(fresh)), strict=True))
    threads = _threads(session, [(new_ids[key], keys[key]) for key in fresh])
    letter_rows: list[tuple[Any, ...]] = []
    for key, letter_id in new_ids.items():
        f = keys[key]
        letter_rows.append(_letter_row(letter_id, key, f, folder, received,
                                       threads.get(letter_id)))
        if f.parsed is not None:
            for att in f.parsed.attachments:
                blobs.setdefault(att.sha256, att.payload)  # digested by the parser worker
    insert_rows(session, _BLOBS, ("sha256", "size", "data"),
                [(sha, len(data), data) for sha, data in blobs.items()],
                skip_conflicts_on=("sha256",))
    insert_rows(session, _LETTERS, LETTER_COLUMNS, letter_rows)
    ids = {**existing, **new_ids}
    insert_rows(session, _LOCATIONS, ("letter_id", "folder_id", "uidvalidity", "uid", "raw_sha256"),
                [(ids[dedup_key(f.parsed.message_id if f.parsed else None, f.sha256)],
                  folder.folder_id, uidvalidity, f.uid, f.sha256) for f in kept],
                skip_conflicts_on=("folder_id", "uidvalidity", "uid"))
    outcome.stored = len(kept)
    outcome.duplicates = len(kept) - len(new_ids)
    outcome.new_letters = len(new_ids)
    outcome.new_letter_ids = list(new_ids.values())
    if not new_ids:
        return outcome

    address_rows: list[tuple[Any, ...]] = []
    attachment_rows: list[tuple[Any, ...]] = []
    filing: list[FilingInput] = []
    invitations: list[tuple[int, int | None, Invitation]] = []
    for key, letter_id in new_ids.items():
        f = keys[key]
        p = f.parsed
        if p is None:
            outcome.unparsed += 1
            continue
        address_rows.extend((letter_id, *address_values(a)) for a in p.addresses)
        for att in p.attachments:
            attachment_rows.append((letter_id, *attachment_values(att), att.size, att.sha256,
                                    att.content_id, att.is_inline))
        filing.append(FilingInput(
            letter_id=letter_id, addresses=p.addresses, message_id=p.message_id,
            in_reply_to=p.in_reply_to, references=p.references, subject=p.subject,
            body_text=p.text_plain[:20000], sent_at=p.date or received, is_bulk=p.is_bulk,
            is_outgoing=_is_outgoing(p, folder), owner_id=folder.owner_id,
        ))
        for part in p.calendars:
            invitations.extend((letter_id, folder.owner_id, inv)
                               for inv in parse_invitations(part.data))
    insert_rows(session, _ADDRESSES, ("letter_id", "role", "name", "email"), address_rows)
    insert_rows(session, _ATTACHMENTS, ("letter_id", "filename", "content_type", "size", "sha256",
                                        "content_id", "is_inline"), attachment_rows)
    _adopt_earlier_replies(session, {it.message_id: threads[it.letter_id]
                                     for it in filing if it.message_id})
    results = file_letters(session, filing, policy)
    outcome.filed = sum(1 for r in results if r.links)
    if invitations:
        apply_invitations(session, invitations)
    _index(session, {letter_id: keys[key] for key, letter_id in new_ids.items()}, received)
    return outcome


def _index(session: Session, letters: dict[int, Fetched], received: dt.datetime) -> None:
    """Index the new letters in this transaction: searchable at its commit, gone with its
    rollback. The parser workers analysed them already, unless the index wants otherwise."""
    index_analysed_letters(session, [
        (letter_id, aware((f.parsed.date if f.parsed is not None else None) or received),
         f.search)
        for letter_id, f in letters.items()
    ], lambda letter_id, analyzer: search_fields(letters[letter_id].parsed, analyzer))


def _is_outgoing(parsed: Any, folder: FolderRef) -> bool:
    if folder.is_sent:
        return True
    for role, _name, email in parsed.addresses:
        if role == "from":
            return email.lower() in folder.own_addresses
    return False


def _letter_row(letter_id: int, key: str, f: Fetched, folder: FolderRef,
                received: dt.datetime, thread_id: int | None) -> tuple[Any, ...]:
    """The letter's values in the order of :data:`LETTER_COLUMNS`."""
    p = f.parsed
    if p is None:
        return (letter_id, key, f.sha256, len(f.raw), received, None, None, "", thread_id, "",
                None, None, None, "", "", False, False, folder.is_sent, f.error or "not parsed",
                "")
    sender = next(((n, e) for r, n, e in p.addresses if r == "from"), (None, None))
    return (
        letter_id, key, f.sha256, len(f.raw), received, p.message_id, p.in_reply_to,
        " ".join(p.references), thread_id, p.subject, p.date, sender[1],
        (sender[0] or None) and sender[0][:500], p.text_plain, p.text_html,
        any(not a.is_inline for a in p.attachments), p.is_bulk, _is_outgoing(p, folder), f.error,
        "\n".join(p.defects + p.warnings),
    )


def _threads(session: Session, new: Sequence[tuple[int, Fetched]]) -> dict[int, int]:
    """The thread of each new parsed letter (by its new id): that of its nearest ancestor
    (In-Reply-To, then References from the last) stored before or earlier in this batch, else
    its own id. Unparsed letters have none."""
    items = [(letter_id, f.parsed) for letter_id, f in new if f.parsed is not None]
    refs = {r for _, p in items
            for r in ([p.in_reply_to] if p.in_reply_to else []) + list(p.references)}
    known: dict[str, int] = {}
    if refs:
        for mid, letter_id, thread_id in select_in(
                session, _LETTERS, ("message_id", "id", "thread_id"), "message_id", refs):
            known[mid] = thread_id or letter_id
        for letter_id, p in items:  # a parent later in this batch than its reply
            if p.message_id is not None and p.message_id in refs:
                known.setdefault(p.message_id, letter_id)
    threads: dict[int, int] = {}
    for letter_id, p in items:
        chain = ([p.in_reply_to] if p.in_reply_to else []) + list(reversed(p.references))
        thread = next((known[r] for r in chain if r in known), letter_id)
        if p.message_id:
            known[p.message_id] = thread
        threads[letter_id] = thread
    return threads


def _adopt_earlier_replies(session: Session, threads: dict[str, int]) -> None:
    """Replies stored before their parent (another folder synced first) started threads of their
    own; those threads join the parent's now, so threading does not depend on arrival order."""
    if not threads:
        return
    moves = {(old, threads[mid]) for mid, old in select_in(
        session, _LETTERS, ("in_reply_to", "thread_id"), "in_reply_to", threads)
        if old is not None and old != threads[mid]}
    for old, new in sorted(moves):
        session.execute(update(_LETTERS).where(_LETTERS.c.thread_id == old).values(thread_id=new))
