"""Marketing campaigns (маркетинговые мероприятия) and their participants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.db.base import Base
from letterpress.db.types import Money


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    cost: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))

    participants: Mapped[list[CampaignParticipant]] = relationship(cascade="all, delete-orphan")


class CampaignParticipant(Base):
    __tablename__ = "campaign_participants"
    __table_args__ = (
        Index("ix_campaign_participants_campaign_counterparty", "campaign_id", "counterparty_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"), index=True)
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
