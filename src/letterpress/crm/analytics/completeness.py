"""Completeness of the database (полнота заполнения БД), in SQL, with configurable weights.

A counterparty's score is the weighted share of its checklist that is filled in
(``[analytics.completeness]``: INN, legal name, address, phone, e-mail, responsible manager); a
contact person's likewise (``[analytics.contact_completeness]``: name, position, phone, e-mail,
birthday). Counterparties belong to their responsible manager, contact persons to the manager
of their counterparty (personal contacts do not count). Completeness cannot be recomputed for
the past, so each run of ``letterpress analytics run`` snapshots every manager's sums for the
current month (:class:`~letterpress.crm.model.CompletenessSnapshot`); the last run in a month
stands for the month's end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.expressions import table_of
from letterpress.crm.model import (
    AnalyticsRun,
    CompletenessSnapshot,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyEmail,
    CounterpartyPhone,
)
from letterpress.db.types import UTCDateTime, utcnow


def _filled(column: Any) -> ColumnElement[bool]:
    return func.coalesce(func.trim(column), "") != ""


def _weighted(items: dict[str, ColumnElement[bool]], weights: dict[str, float]) -> Any:
    total = sum(weights.values())
    score: Any = literal(0.0, Float)
    for key, present in items.items():
        if weights[key]:
            score = score + case((present, literal(weights[key] / total, Float)), else_=0.0)
    return score


def counterparty_items() -> dict[str, ColumnElement[bool]]:
    cp = Counterparty.__table__
    return {
        "inn": _filled(cp.c.inn),
        "legal_name": _filled(cp.c.legal_name),
        "address": exists().where(CounterpartyAddress.counterparty_id == cp.c.id),
        "phone": exists().where(CounterpartyPhone.counterparty_id == cp.c.id),
        "email": exists().where(CounterpartyEmail.counterparty_id == cp.c.id),
        "manager": cp.c.manager_id.is_not(None),
    }


def contact_items() -> dict[str, ColumnElement[bool]]:
    ct = ContactPerson.__table__
    return {
        "name": _filled(ct.c.name),
        "position": _filled(ct.c.position),
        "phone": exists().where(ContactPhone.contact_id == ct.c.id),
        "email": exists().where(ContactEmail.contact_id == ct.c.id),
        "birthday": ct.c.birthday.is_not(None),
    }


def counterparty_rows(settings: AnalyticsSettings) -> Any:
    """Subquery: every counterparty's id, manager, score and one 0/1 column per missing item
    (``counterparty_id``: the id again, under the name every row about a counterparty has)."""
    cp = Counterparty.__table__
    items = counterparty_items()
    weights = dataclasses.asdict(settings.completeness)
    return select(
        cp.c.id, cp.c.external_id, cp.c.name, cp.c.manager_id,
        _weighted(items, weights).label("score"),
        *(case((present, 0), else_=1).label(f"missing_{key}") for key, present in items.items()
          if weights[key]),
        cp.c.id.label("counterparty_id"),
    ).subquery("counterparty_scores")


def contact_rows(settings: AnalyticsSettings) -> Any:
    """Subquery: every counterparty's contact person with the counterparty's manager and score."""
    ct, cp = ContactPerson.__table__, Counterparty.__table__
    items = contact_items()
    weights = dataclasses.asdict(settings.contact_completeness)
    return (
        select(
            ct.c.id, ct.c.external_id, ct.c.name, cp.c.external_id.label("counterparty"),
            cp.c.manager_id, _weighted(items, weights).label("score"),
            *(case((present, 0), else_=1).label(f"missing_{key}")
              for key, present in items.items() if weights[key]),
            cp.c.id.label("counterparty_id"),
        )
        .select_from(ct.join(cp, cp.c.id == ct.c.counterparty_id))
        .where(ct.c.owner_id.is_(None))
        .subquery("contact_scores")
    )


def per_manager(settings: AnalyticsSettings) -> Any:
    """Subquery (manager_id, counterparties, counterparty_score, contacts, contact_score)."""
    cps, cts = counterparty_rows(settings), contact_rows(settings)
    both = union_all(
        select(cps.c.manager_id, func.count().label("n1"), func.sum(cps.c.score).label("s1"),
               literal(0).label("n2"), literal(0.0, Float).label("s2"))
        .group_by(cps.c.manager_id),
        select(cts.c.manager_id, literal(0), literal(0.0, Float), func.count(),
               func.sum(cts.c.score))
        .group_by(cts.c.manager_id),
    ).subquery("both")
    return select(
        both.c.manager_id, func.sum(both.c.n1).label("counterparties"),
        func.sum(both.c.s1).label("counterparty_score"), func.sum(both.c.n2).label("contacts"),
        func.sum(both.c.s2).label("contact_score"),
    ).group_by(both.c.manager_id).subquery("completeness")


def snapshot(session: Session, settings: AnalyticsSettings, today: dt.date) -> int:
    """Replace this month's snapshot with the current completeness (caller commits)."""
    month = today.replace(day=1)
    started = utcnow()
    session.execute(delete(CompletenessSnapshot).where(CompletenessSnapshot.month == month))
    pm = per_manager(settings)
    session.execute(insert(table_of(CompletenessSnapshot)).from_select(
        ("month", "manager_id", "counterparties", "counterparty_score", "contacts",
         "contact_score", "taken_at"),
        select(literal(month).label("month"), pm.c.manager_id, pm.c.counterparties,
               func.coalesce(pm.c.counterparty_score, 0.0), pm.c.contacts,
               func.coalesce(pm.c.contact_score, 0.0), literal(started, UTCDateTime).label("taken_at"))
        .order_by(pm.c.manager_id),
    ))
    rows = session.scalar(select(func.count()).select_from(CompletenessSnapshot).where(
        CompletenessSnapshot.month == month)) or 0
    used = {"completeness": dataclasses.asdict(settings.completeness),
            "contact_completeness": dataclasses.asdict(settings.contact_completeness)}
    session.add(AnalyticsRun(kind="completeness", period_start=month, period_end=month,
                             settings=json.dumps(used), rows=rows, started_at=started,
                             finished_at=utcnow()))
    session.flush()
    return rows
