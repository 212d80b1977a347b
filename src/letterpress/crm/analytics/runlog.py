"""The log of stored computations (``analytics_runs``): what was stored, for which period and
with which settings, and when.

A stored ABC or XYZ replaces the rows an earlier computation stored for the same period and
measure, so the runs that stored those rows are superseded: :func:`record` deletes them as it
adds the new one. The log then holds one run per stored result instead of one per night, and
what reads it (the card's class history) stays the same size year after year.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.analytics.periods import Period
from letterpress.crm.model import AnalyticsRun
from letterpress.db.types import utcnow


def run_settings(text: str | None) -> dict[str, Any]:
    """A run's settings as a dict (empty if the stored text is not a JSON object)."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def record(session: Session, kind: str, period: Period, used: dict[str, Any], *, rows: int,
           started: dt.datetime, replaces: Sequence[str]) -> AnalyticsRun:
    """Log a stored ``kind`` for ``period`` with settings ``used``; earlier runs of the same kind
    and period whose settings agree on the keys in ``replaces`` (those whose rows this one
    replaced) are deleted."""
    earlier = session.scalars(select(AnalyticsRun).where(
        AnalyticsRun.kind == kind, AnalyticsRun.period_start == period.start,
        AnalyticsRun.period_end == period.end)).all()
    for run in earlier:
        stored = run_settings(run.settings)
        if all(stored.get(key) == used.get(key) for key in replaces):
            session.delete(run)
    run = AnalyticsRun(kind=kind, period_start=period.start, period_end=period.end,
                       settings=json.dumps(used), rows=rows, started_at=started,
                       finished_at=utcnow())
    session.add(run)
    session.flush()
    return run
