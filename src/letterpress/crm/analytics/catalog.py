"""The reports by name, as ``letterpress report NAME`` and the web UI ask for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics.abc import abc_report
from letterpress.crm.analytics.events import events_report
from letterpress.crm.analytics.expressions import tune
from letterpress.crm.analytics.managers import managers_report
from letterpress.crm.analytics.report import Report, ReportRequest
from letterpress.crm.analytics.sources import campaigns_report, sources_report
from letterpress.crm.analytics.stages import stages_report
from letterpress.crm.analytics.xyz import xyz_report
from letterpress.errors import ValidationError

Builder = Callable[[Session, Settings, ReportRequest], Report]

REPORTS: dict[str, Builder] = {
    "abc": lambda s, cfg, r: abc_report(s, cfg.analytics, r),
    "xyz": lambda s, cfg, r: xyz_report(s, cfg.analytics, r),
    "stages": lambda s, cfg, r: stages_report(s, cfg.analytics, r),
    "managers": lambda s, cfg, r: managers_report(s, cfg.analytics, r, cfg.company.tz),
    "sources": lambda s, cfg, r: sources_report(s, cfg.analytics, r, cfg.company.tz),
    "campaigns": lambda s, cfg, r: campaigns_report(s, cfg.analytics, r, cfg.company.tz),
    "events": lambda s, cfg, r: events_report(s, cfg.analytics, r, cfg.company.tz),
}


def build_report(session: Session, settings: Settings, name: str,
                 request: ReportRequest) -> Report:
    """Build report ``name``; the register is brought up to date first where it is used."""
    try:
        builder = REPORTS[name]
    except KeyError:
        raise ValidationError(f"no report {name!r}: expected one of {', '.join(REPORTS)}",
                              field="report") from None
    tune(session, settings.analytics.postgres_work_mem)
    return builder(session, settings, request)


def company_today(settings: Settings) -> dt.date:
    return dt.datetime.now(settings.company.tz).date()
