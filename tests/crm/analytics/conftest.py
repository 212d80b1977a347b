"""Fixtures of the analytics tests: a ledger writer and the default settings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import Report, ReportRequest, build_report, parse_period
from tests.crm.analytics.builders import Ledger

TODAY = dt.date(2026, 1, 10)
YEAR = "2025-01..2025-12"


@pytest.fixture
def ledger(session: Session) -> Ledger:
    return Ledger(session)


def report(session: Session, name: str, period: str = YEAR, *, settings: Settings | None = None,
           today: dt.date = TODAY, **options: object) -> Report:
    viewer = options.pop("viewer", None)
    manager = options.pop("manager", None)
    request = ReportRequest(period=parse_period(period), today=today, viewer=viewer,  # type: ignore[arg-type]
                            manager=manager, options=options)  # type: ignore[arg-type]
    return build_report(session, settings or Settings(), name, request)


def by_counterparty(rep: Report) -> dict[str, dict[str, object]]:
    return {str(r["counterparty"]): r for r in rep.rows}
