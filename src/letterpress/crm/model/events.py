"""Events (события): calls, meetings, letters, each in a counterparty's history or a user's calendar."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.crm.model.contacts import ContactPerson
from letterpress.crm.model.counterparties import Counterparty
from letterpress.crm.model.enums import EventState
from letterpress.crm.model.users import User
from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        # With the state: a counterparty's history counted, and its last contact found, from
        # the index alone (the card, the counterparty list).
        Index("ix_events_counterparty_start_state", "counterparty_id", "start_at", "state"),
        Index("ix_events_responsible_start", "responsible_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default=EventState.DONE.value)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"))
    contact_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_persons.id"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    uid: Mapped[str | None] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    location: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    counterparty: Mapped[Counterparty | None] = relationship()
    contact_person: Mapped[ContactPerson | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
