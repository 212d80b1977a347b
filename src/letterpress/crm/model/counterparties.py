"""Counterparties (контрагенты): customers, suppliers and private persons, with their channels."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from letterpress.crm.model.enums import CounterpartyKind
from letterpress.crm.model.users import User
from letterpress.db.base import Base
from letterpress.db.casefold import casefold
from letterpress.db.types import UTCDateTime, utcnow


class Counterparty(Base):
    __tablename__ = "counterparties"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=CounterpartyKind.CUSTOMER.value)
    name: Mapped[str] = mapped_column(String(300), index=True)
    legal_name: Mapped[str | None] = mapped_column(String(500))
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    website: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    manager: Mapped[User | None] = relationship()
    phones: Mapped[list[CounterpartyPhone]] = relationship(
        cascade="all, delete-orphan", order_by="CounterpartyPhone.position"
    )
    emails: Mapped[list[CounterpartyEmail]] = relationship(
        cascade="all, delete-orphan", order_by="CounterpartyEmail.position"
    )
    addresses: Mapped[list[CounterpartyAddress]] = relationship(
        cascade="all, delete-orphan", order_by="CounterpartyAddress.position"
    )
    domains: Mapped[list[CounterpartyDomain]] = relationship(cascade="all, delete-orphan")


# The list's default order, casefold(name) then id, read in order from this index instead of
# folding and sorting every row. PostgreSQL only: on SQLite casefold is a Python function
# registered per connection, and an index on it would break any other client that writes.
Index(
    "ix_counterparties_name_folded", casefold(Counterparty.name), Counterparty.id
).ddl_if(dialect="postgresql")


class CounterpartyPhone(Base):
    __tablename__ = "counterparty_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)


class CounterpartyEmail(Base):
    __tablename__ = "counterparty_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    position: Mapped[int] = mapped_column(default=0)


class CounterpartyAddress(Base):
    __tablename__ = "counterparty_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)


class CounterpartyDomain(Base):
    """A company e-mail domain; two counterparties may claim one (filing then asks a human)."""

    __tablename__ = "counterparty_domains"
    __table_args__ = (Index("uq_counterparty_domains_pair", "counterparty_id", "domain", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255), index=True)


class CounterpartyAlias(Base):
    """What a counterparty merged into this one was (``crm.counterparty_merge``): its name, INN
    and ERP code kept, so nothing of it is lost and the ERP import still finds the survivor.

    ``external_id`` is set only while the survivor keeps an ERP code of its own (else the survivor
    took the duplicate's code over): the import maps it to the survivor. A later merge of the
    survivor moves its aliases along with everything else.
    """

    __tablename__ = "counterparty_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), index=True
    )
    merged_id: Mapped[int] = mapped_column()  # the id the duplicate had (its row is gone)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    legal_name: Mapped[str | None] = mapped_column(String(500))
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
