"""Mail as the CRM holds it: mailboxes and grants, followed folders with their checkpoints,
raw messages and attachments (content-addressed blobs), parsed letters, where each letter sits, and why it is filed.

A letter is stored once however many mailboxes hold it (``dedup_key``: the Message-ID, else the
SHA-256 of the raw bytes) and referenced from each (mailbox folder, UIDVALIDITY, UID) by a
:class:`LetterLocation`. Each location keeps the exact raw bytes it was fetched with.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class Mailbox(Base):
    """A followed IMAP account (from config) or an imported archive."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # personal | shared
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(320))
    is_archive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[MailboxGrant]] = relationship(cascade="all, delete-orphan")
    folders: Mapped[list[MailFolder]] = relationship(back_populates="mailbox")


class MailboxGrant(Base):
    """Rights on a shared mailbox for one user or a whole team: read, send_as, manage."""

    __tablename__ = "mailbox_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    can_read: Mapped[bool] = mapped_column(Boolean, default=True)
    can_send_as: Mapped[bool] = mapped_column(Boolean, default=False)
    can_manage: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10), default="config")  # config | handover | admin


class MailFolder(Base):
    """One followed folder, its UID checkpoint (committed with the letters) and its lease."""

    __tablename__ = "mail_folders"
    __table_args__ = (UniqueConstraint("mailbox_id", "name", name="uq_mail_folders_mailbox_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    name: Mapped[str] = mapped_column(String(300))
    is_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    letter_count: Mapped[int] = mapped_column(Integer, default=0)
    server_uidnext: Mapped[int | None] = mapped_column(BigInteger)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    mailbox: Mapped[Mailbox] = relationship(back_populates="folders")


class Blob(Base):
    """Exact bytes (a raw message or an attachment), addressed by their SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (
        Index("ix_letters_thread_date", "thread_id", "sent_at"),
        # Covers a counterparty's correspondence grouped by thread and dated (the card, the
        # letters page): read by id from the index alone, never from the wide rows.
        Index("ix_letters_id_thread_dates", "id", "thread_id", "sent_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(1000), unique=True)
    raw_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    message_id: Mapped[str | None] = mapped_column(String(1000), index=True)
    # Indexed: each stored batch looks up the earlier replies to its letters (mailsvc.store).
    in_reply_to: Mapped[str | None] = mapped_column(String(1000), index=True)
    references: Mapped[str] = mapped_column(Text, default="")
    thread_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    from_email: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(String(500))
    text_plain: Mapped[str] = mapped_column(Text, default="")
    text_html: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    is_outgoing: Mapped[bool] = mapped_column(Boolean, default=False)
    parse_error: Mapped[str | None] = mapped_column(Text)
    parse_warnings: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    addresses: Mapped[list[LetterAddress]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan")
    locations: Mapped[list[LetterLocation]] = relationship(cascade="all, delete-orphan")
    links: Mapped[list[LetterLink]] = relationship(cascade="all, delete-orphan")


class LetterLocation(Base):
    """Where a letter sits: (folder, UIDVALIDITY, UID), with the raw bytes fetched from there."""

    __tablename__ = "letter_locations"
    __table_args__ = (
        UniqueConstraint("folder_id", "uidvalidity", "uid", name="uq_letter_locations_folder_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("mail_folders.id"))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    raw_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))


class LetterAddress(Base):
    __tablename__ = "letter_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # from to cc bcc reply_to sender
    name: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(320), index=True)


class Attachment(Base):
    __tablename__ = "letter_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    content_id: Mapped[str | None] = mapped_column(String(500))
    is_inline: Mapped[bool] = mapped_column(Boolean, default=False)


class LetterLink(Base):
    """A letter filed against a counterparty, and why (rule and a sentence for people)."""

    __tablename__ = "letter_links"
    __table_args__ = (
        UniqueConstraint("letter_id", "counterparty_id", name="uq_letter_links_letter_counterparty"),
        # A counterparty's letters (and their count) from the index alone.
        Index("ix_letter_links_counterparty_letter", "counterparty_id", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"), index=True)
    rule: Mapped[str] = mapped_column(String(20))  # contact | thread | domain | manual | order
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AmbiguousMatch(Base):
    """An address that points to several counterparties: a human decides (the ambiguous queue)."""

    __tablename__ = "letter_ambiguities"
    __table_args__ = (UniqueConstraint("letter_id", "email", name="uq_letter_ambiguities_letter_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    candidate_ids: Mapped[str] = mapped_column(String(500))  # comma-separated counterparty ids
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class LetterTopic(Base):
    """A topic (предмет) tag on a letter, from a config rule or set by hand."""

    __tablename__ = "letter_topics"
    __table_args__ = (UniqueConstraint("letter_id", "topic", name="uq_letter_topics_letter_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(10), default="rule")  # rule | manual | order
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LetterOrder(Base):
    """An order whose number was found in the letter's subject."""

    __tablename__ = "letter_orders"
    __table_args__ = (UniqueConstraint("letter_id", "order_id", name="uq_letter_orders_letter_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
