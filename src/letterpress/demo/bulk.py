"""Bulk inserts for the demo: one executemany per table, ids handed back in input order.

SQLAlchemy's "insertmanyvalues" batches the rows into multi-row INSERT ... RETURNING statements
on both SQLite and PostgreSQL; ``sort_by_parameter_order`` keeps the ids aligned with the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from letterpress.db.base import Base


def insert_returning_ids(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) and return their new ids, in order."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, list(rows)).scalars())


def insert_all(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` without asking for their ids."""
    if rows:
        session.execute(insert(cast(Table, model.__table__)), list(rows))
