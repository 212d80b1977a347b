"""What the analytical CRM stores: the monthly customer register and the results of each run.

* :class:`CustomerMonth` is the register (like an ERP's accumulation register with monthly
  totals): one row per customer and month from the customer's first month to the current one,
  with the month's sums and running totals (money in integer kopecks), the relationship stage at
  the month's end and the manager responsible then. Reports read period sums as the difference of
  two running totals, so a 12-month ABC touches two rows per customer, not every shipment.
* :class:`StageChange` keeps every change of stage with its month, the stages and the manager.
* :class:`AbcResult` and :class:`XyzResult` keep the classes of each stored period (history and
  transitions); :class:`CompletenessSnapshot` keeps each manager's data completeness per month;
  :class:`AnalyticsRun` says what was computed when and with which settings.

Rows are rebuilt by ``letterpress analytics run`` (and nightly by the daemon); a rebuild of the
same data gives the same rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime, utcnow


class CustomerMonth(Base):
    """A customer's month: sums, running totals, stage at the month's end, responsible manager."""

    __tablename__ = "analytics_customer_months"
    __table_args__ = (
        # Reports read one or two months for every customer: rows are written month by month.
        # On PostgreSQL the running totals ride along, so ABC reads its two months from the index
        # alone (an index-only scan once VACUUM has marked the rebuilt pages all-visible).
        Index("ix_analytics_customer_months_month_counterparty", "month_no", "counterparty_id",
              unique=True, postgresql_include=["cum_revenue", "cum_profit", "cum_shipments",
                                               "cum_orders"]),
        Index("ix_analytics_customer_months_manager_month", "manager_id", "month_no"),
    )

    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE"), primary_key=True
    )
    month_no: Mapped[int] = mapped_column(Integer, primary_key=True)  # year * 12 + month - 1
    month: Mapped[dt.date] = mapped_column(Date)  # the month's first day
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)  # kopecks
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    shipments: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)  # customer orders not closed unshipped
    cum_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    cum_profit: Mapped[int] = mapped_column(BigInteger, default=0)
    cum_shipments: Mapped[int] = mapped_column(BigInteger, default=0)
    cum_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    cum_sale_months: Mapped[int] = mapped_column(Integer, default=0)
    window_sale_months: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(10))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StageChange(Base):
    """A customer's stage at the end of ``month`` differs from the month before (or is its first)."""

    __tablename__ = "analytics_stage_changes"
    __table_args__ = (
        Index("uq_analytics_stage_changes_counterparty_month", "counterparty_id", "month_no",
              unique=True),
        Index("ix_analytics_stage_changes_month_manager", "month_no", "manager_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE")
    )
    month_no: Mapped[int] = mapped_column(Integer)
    month: Mapped[dt.date] = mapped_column(Date)
    from_stage: Mapped[str | None] = mapped_column(String(10))  # None: the customer's first month
    to_stage: Mapped[str] = mapped_column(String(10))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AbcResult(Base):
    """A customer's ABC class over one stored period and measure."""

    __tablename__ = "analytics_abc"
    __table_args__ = (
        Index("uq_analytics_abc_period_counterparty", "measure", "period_start", "period_end",
              "counterparty_id", unique=True),
        Index("ix_analytics_abc_counterparty", "counterparty_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)  # first day of the period's last month
    measure: Mapped[str] = mapped_column(String(16))
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE")
    )
    value: Mapped[int] = mapped_column(BigInteger)  # kopecks, or a count of orders
    share: Mapped[float | None] = mapped_column(Float)
    cumulative_share: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    abc_class: Mapped[str] = mapped_column("class", String(1))


class XyzResult(Base):
    """A regular customer's XYZ class over one stored period."""

    __tablename__ = "analytics_xyz"
    __table_args__ = (
        Index("uq_analytics_xyz_period_counterparty", "measure", "bucket", "period_start",
              "period_end", "counterparty_id", unique=True),
        Index("ix_analytics_xyz_counterparty", "counterparty_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    measure: Mapped[str] = mapped_column(String(16))
    bucket: Mapped[str] = mapped_column(String(8))
    counterparty_id: Mapped[int] = mapped_column(
        ForeignKey("counterparties.id", ondelete="CASCADE")
    )
    buckets: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)  # kopecks, or a count of orders
    cv: Mapped[float | None] = mapped_column(Float)
    xyz_class: Mapped[str | None] = mapped_column("class", String(1))


class CompletenessSnapshot(Base):
    """A manager's data completeness as it stood at the last run in ``month``."""

    __tablename__ = "analytics_completeness"
    __table_args__ = (Index("ix_analytics_completeness_month_manager", "month", "manager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    counterparties: Mapped[int] = mapped_column(Integer)
    counterparty_score: Mapped[float] = mapped_column(Float)  # sum of the counterparties' 0..1
    contacts: Mapped[int] = mapped_column(Integer)
    contact_score: Mapped[float] = mapped_column(Float)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalyticsRun(Base):
    """One computation: what (``kind``), for which period, with which settings, and when."""

    __tablename__ = "analytics_runs"
    __table_args__ = (Index("ix_analytics_runs_kind_finished", "kind", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # totals | abc | xyz | completeness
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    settings: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the settings used
    fingerprint: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
