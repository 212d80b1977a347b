"""Tasks set by a curator (куратор) for a user."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.crm.model.counterparties import Counterparty
from letterpress.crm.model.enums import TaskState
from letterpress.crm.model.ledger import Order
from letterpress.crm.model.users import User
from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(12), default=TaskState.OPEN.value)
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    result: Mapped[str] = mapped_column(Text, default="")
    uid: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    curator: Mapped[User | None] = relationship(foreign_keys=[curator_id])
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    counterparty: Mapped[Counterparty | None] = relationship()
    order: Mapped[Order | None] = relationship()
