"""Scheduled recomputation: rebuild the register, store ABC and XYZ, snapshot completeness.

``letterpress analytics run [--period P]`` and the mail daemon's nightly call
(:func:`run_nightly`) do the same steps in one transaction; re-running with the same ledger and
settings gives the same stored rows (each step replaces what it stored for its period).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.analytics import abc, completeness, register, xyz
from letterpress.crm.analytics.periods import Period, month_no
from letterpress.errors import ValidationError

log = logging.getLogger(__name__)


def run(session: Session, settings: AnalyticsSettings, today: dt.date,
        period: Period | None = None) -> dict[str, Any]:
    """All the stored analytics for ``period`` (default: the trailing ``period_months``)."""
    period = period or Period.trailing(today, settings.period_months)
    figures: dict[str, Any] = {"period": period.label, "today": today.isoformat()}
    clock = time.perf_counter()
    build = register.refresh(session, settings, today)
    figures["register_rows"] = build.rows
    figures["register_s"] = round(time.perf_counter() - clock, 3)
    today_no = month_no(today)
    clock = time.perf_counter()
    figures["abc_rows"] = abc.store_abc(session, settings, period, settings.abc_measure, today_no)
    try:
        figures["xyz_rows"] = xyz.store_xyz(session, settings, period, today_no)
    except ValidationError as exc:  # the period does not divide into the configured buckets
        figures["xyz_rows"] = 0
        figures["xyz_skipped"] = str(exc)
    figures["completeness_rows"] = completeness.snapshot(session, settings, today)
    figures["store_s"] = round(time.perf_counter() - clock, 3)
    log.info("analytics run %s: %s", period.label, figures)
    return figures


def run_nightly(session_factory: Callable[[], Session], settings: Settings | AnalyticsSettings,
                today: dt.date) -> dict[str, Any]:
    """What the daemon calls once a night (at ``analytics.nightly_hour``): :func:`run` for the
    trailing period, committed. Safe to call again the same day: the rows are replaced."""
    analytics = settings.analytics if isinstance(settings, Settings) else settings
    with session_factory() as session:
        figures = run(session, analytics, today)
        session.commit()
    return figures
