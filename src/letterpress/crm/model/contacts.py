"""Contact persons: of a counterparty, personal (owned by one user), or other shared contacts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.crm.model.counterparties import Counterparty
from letterpress.crm.model.users import User
from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class ContactPerson(Base):
    __tablename__ = "contact_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    counterparty_id: Mapped[int | None] = mapped_column(
        ForeignKey("counterparties.id"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_from_mail: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    counterparty: Mapped[Counterparty | None] = relationship()
    owner: Mapped[User | None] = relationship()
    phones: Mapped[list[ContactPhone]] = relationship(
        cascade="all, delete-orphan", order_by="ContactPhone.position"
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        cascade="all, delete-orphan", order_by="ContactEmail.position"
    )
    anniversaries: Mapped[list[Anniversary]] = relationship(cascade="all, delete-orphan")


class ContactPhone(Base):
    __tablename__ = "contact_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)


class ContactEmail(Base):
    __tablename__ = "contact_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Anniversary(Base):
    """A yearly date other than the birthday (wedding, company's founding day, ...)."""

    __tablename__ = "contact_anniversaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    date: Mapped[dt.date] = mapped_column(Date)
