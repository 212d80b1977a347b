"""What the dashboards read besides the engine's reports, all through the permission function.

* :func:`data_token`: the highest ids of the tables the reports read, in one statement - when it
  moves, cached figures are stale;
* :func:`visible_managers`: the managers a viewer may pick (``report_manager_ids``);
* :func:`monthly_revenue`: each manager's revenue per month from the register, for sparklines;
  it is the managers report's ``revenue`` split by month (the same rows, the same attribution);
* :func:`counterparty_cards`: card links for the counterparties a report's rows name (by their
  ``counterparty_id``: one created in the CRM has no external id);
* :func:`last_runs`: when ``letterpress analytics run`` (or the nightly run) last stored what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.crm.analytics import ReportRequest
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.report import manager_scope, scope_clause
from letterpress.crm.model import (
    AnalyticsRun,
    Campaign,
    ContactPerson,
    Counterparty,
    CustomerMonth,
    Event,
    Letter,
    Order,
    Payment,
    Role,
    Shipment,
    Team,
    User,
)
from letterpress.crm.permissions import report_manager_ids, visible_counterparties_clause

_TOKEN_MODELS = (Shipment, Order, Payment, Counterparty, ContactPerson, Event, Letter, Campaign,
                 User, AnalyticsRun)


def data_token(session: Session) -> tuple[int, ...]:
    """The highest id of every table the reports read (each an index look-up)."""
    row = session.execute(select(*(
        select(func.max(model.id)).scalar_subquery() for model in _TOKEN_MODELS
    ))).one()
    return tuple(int(value or 0) for value in row)


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    display_name: str


def visible_managers(session: Session, viewer: User) -> tuple[Person, ...]:
    """Active managers and heads whose figures ``viewer`` may see, by login."""
    scope = report_manager_ids(session, viewer)
    query = select(User).where(User.active.is_(True),
                               User.role.in_((Role.MANAGER.value, Role.HEAD.value)))
    if scope is not None:
        query = query.where(User.id.in_(sorted(scope)))
    return tuple(Person(u.id, u.login, u.display_name)
                 for u in session.scalars(query.order_by(User.login)))


@dataclass(frozen=True)
class Series:
    """One manager's (``login`` None: unassigned) revenue per month of the period, in roubles."""

    login: str | None
    team: str | None
    values: tuple[float, ...]


def monthly_revenue(session: Session, request: ReportRequest) -> list[Series]:
    """Revenue per month and register manager over the period's months up to this one."""
    cm, users, teams = CustomerMonth.__table__, User.__table__, Team.__table__
    first, last = request.period.first, min(request.period.last, month_no(request.today))
    rows = session.execute(
        select(users.c.login, teams.c.name, cm.c.month_no, func.sum(cm.c.revenue))
        .select_from(cm.outerjoin(users, users.c.id == cm.c.manager_id)
                     .outerjoin(teams, teams.c.id == users.c.team_id))
        .where(cm.c.month_no >= first, cm.c.month_no <= last,
               scope_clause(cm.c.manager_id, manager_scope(session, request)))
        .group_by(users.c.login, teams.c.name, cm.c.month_no)
    ).all()
    months = max(last - first + 1, 0)
    found: dict[str | None, tuple[str | None, list[float]]] = {}
    for login, team, no, kopecks in rows:
        _team, values = found.setdefault(login, (team, [0.0] * months))
        values[no - first] = int(kopecks or 0) / 100
    return [Series(login, team, tuple(values)) for login, (team, values) in found.items()]


@dataclass(frozen=True)
class Card:
    """What a table needs to link a counterparty it names: the card's id and the name."""

    id: int
    name: str


def counterparty_cards(session: Session, viewer: User, counterparty_ids: Iterable[int | None]
                       ) -> dict[int, Card]:
    """id -> card, for the counterparties among ``counterparty_ids`` ``viewer`` may see (one
    statement for a page of rows)."""
    wanted = sorted({i for i in counterparty_ids if i is not None})
    found: dict[int, Card] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for id_, name in session.execute(
            select(Counterparty.id, Counterparty.name)
            .where(Counterparty.id.in_(chunk), visible_counterparties_clause(viewer))
        ).all():
            found[id_] = Card(id_, name)
    return found


def last_runs(session: Session) -> dict[str, AnalyticsRun]:
    """The latest stored run of each kind (``totals`` = the register, ``abc``, ``xyz``,
    ``completeness``)."""
    latest = (select(AnalyticsRun.kind, func.max(AnalyticsRun.id).label("id"))
              .group_by(AnalyticsRun.kind).subquery())
    runs = session.scalars(select(AnalyticsRun).join(latest, latest.c.id == AnalyticsRun.id))
    return {run.kind: run for run in runs}


def user_by_login(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login))
