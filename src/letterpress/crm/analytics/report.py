"""What every report takes (:class:`ReportRequest`) and gives (:class:`Report`), and who sees what.

A report shows only the data of the managers the viewer may see
(:func:`letterpress.crm.permissions.report_manager_ids`): rows about customers are filtered by the
customer's responsible manager, rows about managers by the manager. Classes, shares and ranks
are the company's (computed over all customers) whoever looks at them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.periods import Period
from letterpress.crm.model import User
from letterpress.crm.permissions import can_view_manager_report, report_manager_ids
from letterpress.errors import PermissionDenied

COUNTERPARTY_ID = "counterparty_id"


@dataclass(frozen=True)
class ReportRequest:
    """A report's period and audience; ``today`` fixes "now" (the register's last month)."""

    period: Period
    today: dt.date
    viewer: User | None = None  # None: the operator on the command line (sees everything)
    manager: User | None = None  # only this manager's customers / figures
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass
class Report:
    """Rows (one dict each, keys in ``columns`` order) and the settings they were computed with.

    A row naming a counterparty also carries its internal id under :data:`COUNTERPARTY_ID`, a
    key that is not among the ``columns``: pages link the row to the counterparty's card by it
    (a counterparty created in the CRM has no external id), and the exports, which write the
    ``columns``, leave it out.
    """

    name: str
    period: Period
    columns: list[str]
    rows: list[dict[str, Any]]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        return {"report": self.name, "period": self.period.label, "settings": self.settings,
                "notes": self.notes}


def manager_scope(session: Session, request: ReportRequest) -> frozenset[int] | None:
    """The manager ids whose data the request may show (``None``: all, unassigned included)."""
    scope = report_manager_ids(session, request.viewer)
    if request.manager is None:
        return scope
    if not can_view_manager_report(session, request.viewer, request.manager.id):
        viewer = request.viewer.login if request.viewer else "?"
        raise PermissionDenied(f"{viewer} may not see the figures of {request.manager.login}")
    return frozenset({request.manager.id})


def manager_logins(session: Session) -> dict[int, str]:
    """Every user's login by id. Reports of 100,000 customers show their manager's login: looked
    up in this dict of a few dozen users it costs less than a join in SQL."""
    return {user_id: login for user_id, login in session.execute(select(User.id, User.login))}


def scope_clause(column: ColumnElement[Any], scope: frozenset[int] | None) -> ColumnElement[bool]:
    if scope is None:
        return true()
    if not scope:
        return false()
    return column.in_(sorted(scope))


def settings_used(settings: AnalyticsSettings, *keys: str) -> dict[str, Any]:
    """The named settings (dotted for nested tables) as plain values, for a report's header."""
    out: dict[str, Any] = {}
    for key in keys:
        value = getattr(settings, key)
        is_record = dataclasses.is_dataclass(value) and not isinstance(value, type)
        out[key] = dataclasses.asdict(value) if is_record else value
    return out


def roubles(kopecks: float | None) -> float | None:
    return None if kopecks is None else round(float(kopecks) / 100, 2)


def ratio(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)
