"""DAV collections and their items: calendars now, address books later (RFC 4791, RFC 6578).

A :class:`DavCollection` belongs to one user and lives in a *space* (``calendars``; CardDAV adds
``addressbooks``). Its ``kind`` says where the items come from: ``events`` and ``tasks`` mirror
the CRM's events and tasks, ``birthdays`` is generated from contact persons, ``stored`` holds
whatever a client put there (a calendar made with MKCALENDAR).

Every item, whatever its kind, has a row in :class:`DavItem`, so listing, ETags, time-range
queries and sync tokens are plain indexed SQL. ``seq`` is the collection's change counter at the
item's last change; a deleted item stays as a tombstone (``deleted``) so that sync-collection can
report it. ``body`` is the client's own iCalendar text, kept so that what Letterpress does not
model survives a round trip; ``fingerprint`` records the CRM fields as they were when the body
was stored (when they still match, the body is served as is).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class DavCollection(Base):
    __tablename__ = "dav_collections"
    __table_args__ = (
        Index("uq_dav_collections_owner_space_slug", "owner_id", "space", "slug", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    space: Mapped[str] = mapped_column(String(16), default="calendars")
    slug: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    displayname: Mapped[str] = mapped_column(String(200), default="")
    color: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    components: Mapped[str] = mapped_column(String(64), default="VEVENT")
    timezone: Mapped[str | None] = mapped_column(Text)
    # Dead properties set by PROPPATCH, as JSON {"{namespace}name": "<xml text>"}.
    properties: Mapped[str] = mapped_column(Text, default="{}")
    sync_seq: Mapped[int] = mapped_column(default=0)
    # Tombstones up to this seq were pruned: older sync tokens are no longer valid.
    pruned_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DavItem(Base):
    __tablename__ = "dav_items"
    __table_args__ = (
        Index("uq_dav_items_collection_href", "collection_id", "href", unique=True),
        Index("uq_dav_items_collection_uid", "collection_id", "uid", unique=True),
        Index("ix_dav_items_collection_seq", "collection_id", "seq"),
        Index("ix_dav_items_collection_range", "collection_id", "range_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("dav_collections.id", ondelete="CASCADE")
    )
    href: Mapped[str] = mapped_column(String(255))
    # NULL on tombstones, so a new item may take the UID of a deleted one.
    uid: Mapped[str | None] = mapped_column(String(255))
    component: Mapped[str] = mapped_column(String(16), default="VEVENT")
    etag: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # A CRM-backed item the client deleted: the CRM record stays, the item stays out.
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="SET NULL"), index=True
    )
    anniversary_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_anniversaries.id", ondelete="SET NULL"), index=True
    )
    # The span the item may occupy, for time-range queries in SQL; NULL = unbounded.
    range_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    range_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
