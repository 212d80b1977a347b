"""Reminders (механизм напоминаний): per-user settings, fired reminders and birthday calls.

A :class:`Reminder` row is written when a reminder fires; the unique key (user, source,
occurrence) is what makes it fire once, across restarts and several schedulers. Its state is
``due`` until the user snoozes (``snoozed`` until a time) or dismisses it (``done``).
A :class:`BirthdayCall` records the planned call made for a birthday or anniversary, once per
contact, occasion and year.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class ReminderSettings(Base):
    """A user's own reminder settings; NULL columns fall back to the ``[reminders]`` config."""

    __tablename__ = "reminder_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event_lead_minutes: Mapped[int | None] = mapped_column()
    task_lead_hours: Mapped[int | None] = mapped_column()
    digest: Mapped[bool | None] = mapped_column(Boolean)
    last_digest_on: Mapped[dt.date | None] = mapped_column(Date)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("uq_reminders_user_source_occurrence", "user_id", "source", "occurrence",
              unique=True),
        Index("ix_reminders_user_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # What it is about, e.g. "event:12", "order:5:shipment", "contact:3:birthday".
    source: Mapped[str] = mapped_column(String(64))
    # Which occurrence: the target time or date (a moved event fires again), or the year.
    occurrence: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500), default="")
    target_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="due")
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BirthdayCall(Base):
    __tablename__ = "birthday_calls"
    __table_args__ = (
        Index("uq_birthday_calls_contact_occasion_year", "contact_id", "occasion", "year",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE")
    )
    occasion: Mapped[str] = mapped_column(String(32))  # "birthday" or "anniversary:<id>"
    year: Mapped[int] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
