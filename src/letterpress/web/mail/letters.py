"""Letters as a reader sees them: headers, text, attachments, tags, where they are filed.

Every function takes the viewer and the mail policy and reads through
:mod:`letterpress.crm.permissions`: a letter the viewer may not read is :class:`NotFound`, the
same answer as for a letter that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    Attachment,
    Blob,
    Counterparty,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterTopic,
    Mailbox,
    MailFolder,
    User,
)
from letterpress.crm.permissions import MailPolicy, can_read_letter, readable_mailbox_ids
from letterpress.crm.topics import letter_topics
from letterpress.errors import NotFound
from letterpress.web.mail import sanitize


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    is_inline: bool


@dataclass(frozen=True)
class FiledView:
    counterparty_id: int
    name: str
    rule: str
    reason: str


@dataclass(frozen=True)
class LetterView:
    """One readable letter with everything a page shows of it."""

    id: int
    subject: str
    date: dt.datetime | None
    sender: Person | None
    to: list[Person]
    cc: list[Person]
    is_outgoing: bool
    text: str
    has_html: bool
    remote_images: int  # remote images the sanitised HTML leaves out until asked
    parse_error: str | None
    thread_id: int
    attachments: list[AttachmentView] = field(default_factory=list)
    topics: list[LetterTopic] = field(default_factory=list)
    filed: list[FiledView] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # "mailbox / folder" the viewer may read


def readable_letter(session: Session, user: User, letter_id: int, policy: MailPolicy) -> Letter:
    """The letter if the viewer may read it; else NotFound (also for letters that do not exist)."""
    if not can_read_letter(session, user, letter_id, policy):
        raise NotFound(f"no letter #{letter_id} readable by {user.login}")
    letter = session.get(Letter, letter_id)
    if letter is None:  # pragma: no cover - deleted between the two queries
        raise NotFound(f"no letter #{letter_id}")
    return letter


def letter_date(letter: Letter) -> dt.datetime:
    return letter.sent_at or letter.received_at


def letter_views(session: Session, user: User, letters: Sequence[Letter],
                 policy: MailPolicy) -> list[LetterView]:
    """Views of ``letters``, which the caller has already checked the viewer may read."""
    ids = {letter.id for letter in letters}
    if not ids:
        return []
    addresses: dict[int, dict[str, list[Person]]] = defaultdict(lambda: defaultdict(list))
    for row in session.scalars(select(LetterAddress).where(LetterAddress.letter_id.in_(ids))
                               .order_by(LetterAddress.id)):
        addresses[row.letter_id][row.role].append(Person(row.name, row.email))
    attachments: dict[int, list[AttachmentView]] = defaultdict(list)
    for att in session.scalars(select(Attachment).where(Attachment.letter_id.in_(ids))
                               .order_by(Attachment.id)):
        attachments[att.letter_id].append(AttachmentView(
            att.id, att.filename, att.content_type, att.size, att.is_inline))
    filed: dict[int, list[FiledView]] = defaultdict(list)
    for link, name in session.execute(
        select(LetterLink, Counterparty.name)
        .join(Counterparty, Counterparty.id == LetterLink.counterparty_id)
        .where(LetterLink.letter_id.in_(ids)).order_by(LetterLink.id)
    ).all():
        filed[link.letter_id].append(FiledView(link.counterparty_id, name, link.rule, link.reason))
    boxes = readable_mailbox_ids(session, user, policy)
    places: dict[int, list[str]] = defaultdict(list)
    for letter_id, box, folder in session.execute(
        select(LetterLocation.letter_id, Mailbox.name, MailFolder.name)
        .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
        .join(Mailbox, Mailbox.id == MailFolder.mailbox_id)
        .where(LetterLocation.letter_id.in_(ids), Mailbox.id.in_(boxes))
        .order_by(Mailbox.name, MailFolder.name)
    ).all():
        place = f"{box} / {folder}"
        if place not in places[letter_id]:
            places[letter_id].append(place)
    topics = letter_topics(session, ids)
    views = []
    for letter in letters:
        roles = addresses[letter.id]
        senders = roles.get("from") or roles.get("sender") or []
        views.append(LetterView(
            id=letter.id, subject=letter.subject, date=letter_date(letter),
            sender=senders[0] if senders else None, to=list(roles.get("to", [])),
            cc=list(roles.get("cc", [])), is_outgoing=letter.is_outgoing,
            text=letter.text_plain, has_html=bool(letter.text_html.strip()),
            remote_images=sanitize.clean(letter.text_html).remote_images
            if letter.text_html.strip() else 0,
            parse_error=letter.parse_error, thread_id=letter.thread_id or letter.id,
            attachments=attachments[letter.id], topics=topics[letter.id],
            filed=filed[letter.id], places=places[letter.id],
        ))
    return views


def letter_view(session: Session, user: User, letter_id: int, policy: MailPolicy) -> LetterView:
    return letter_views(session, user, [readable_letter(session, user, letter_id, policy)],
                        policy)[0]


def body_html(session: Session, letter: Letter, *, remote_images: bool) -> sanitize.Cleaned:
    """The letter's HTML made safe, its inline (``cid:``) images embedded."""
    parts = {
        att.content_id: (att.content_type, data)
        for att, data in session.execute(
            select(Attachment, Blob.data).join(Blob, Blob.sha256 == Attachment.sha256)
            .where(Attachment.letter_id == letter.id, Attachment.content_id.is_not(None))
        ).all()
        if att.content_id
    }
    return sanitize.clean(letter.text_html, inline=sanitize.inline_images(parts),
                          remote_images=remote_images)


def attachment_data(session: Session, user: User, letter_id: int, attachment_id: int,
                    policy: MailPolicy) -> tuple[Attachment, bytes]:
    readable_letter(session, user, letter_id, policy)
    row = session.execute(
        select(Attachment, Blob.data).join(Blob, Blob.sha256 == Attachment.sha256)
        .where(Attachment.id == attachment_id, Attachment.letter_id == letter_id)
    ).first()
    if row is None:
        raise NotFound(f"no attachment #{attachment_id} in letter #{letter_id}")
    return row[0], row[1]


def raw_letter(session: Session, user: User, letter_id: int,
               policy: MailPolicy) -> tuple[Letter, bytes]:
    """The letter and its original bytes, exactly as received."""
    letter = readable_letter(session, user, letter_id, policy)
    data = session.scalar(select(Blob.data).where(Blob.sha256 == letter.raw_sha256))
    if data is None:  # pragma: no cover - the foreign key keeps the blob
        raise NotFound(f"no raw message for letter #{letter_id}")
    return letter, data
