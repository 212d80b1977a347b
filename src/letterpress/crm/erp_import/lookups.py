"""What an import's rows refer to, read once per import: counterparties, orders and users.

References in a file are external ids (counterparties, orders) or logins (managers); rows are
checked against these maps in Python, so each is one query, loaded only if the kind needs it.
The rows are fetched with the driver's own cursor: a map of 100,000 orders built from
SQLAlchemy result rows costs more than converting the file that refers to them.

Ids are kept as text, the spelling rows are staged in (see :mod:`.values`): COPY reads it, and
SQLite's INTEGER affinity stores it as the number, so a reference reaches the database without
a conversion per cell.
"""

from __future__ import annotations

from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, String, cast, func, select

from letterpress.crm.model import Counterparty, CounterpartyAlias, Order, User

OrderRef = tuple[str, str, str, str]
"""An order as the rows that refer to it see it: (external id, id, counterparty id, direction).

A plain tuple, the row as the driver returns it: a named tuple per order costs more than
converting a file that refers to them.
"""


class Lookups:
    def __init__(self, connection: Connection | None) -> None:
        self._connection = connection

    @classmethod
    def empty(cls) -> Lookups:
        """Lookups that know nothing and never query (to convert an empty cell)."""
        lookups = cls(None)
        lookups.__dict__.update(counterparties={}, merged_counterparties={}, orders={}, users={})
        return lookups

    @property
    def connection(self) -> Connection:
        assert self._connection is not None
        return self._connection

    @cached_property
    def counterparties(self) -> dict[str, str]:
        """External id -> counterparty id; the ids of counterparties merged into another
        (``counterparty_aliases``) -> the survivor's id."""
        t, a = Counterparty.__table__, CounterpartyAlias.__table__
        known = dict(self._fetch(
            select(a.c.external_id, cast(a.c.counterparty_id, String))
            .where(a.c.external_id.is_not(None))
        ))
        known.update(self._fetch(
            select(t.c.external_id, cast(t.c.id, String)).where(t.c.external_id.is_not(None))
        ))
        return known

    @cached_property
    def merged_counterparties(self) -> dict[str, str]:
        """External id of a counterparty merged into another -> the survivor's external id: a
        counterparties file's row with the old id updates the survivor."""
        t, a = Counterparty.__table__, CounterpartyAlias.__table__
        return dict(self._fetch(
            select(a.c.external_id, t.c.external_id).join(t, t.c.id == a.c.counterparty_id)
            .where(a.c.external_id.is_not(None), t.c.external_id.is_not(None))
        ))

    @cached_property
    def orders(self) -> dict[str, OrderRef]:
        """External id -> the order's external id, id, counterparty and direction."""
        t = Order.__table__
        rows = self._fetch(select(t.c.external_id, cast(t.c.id, String),
                                  cast(t.c.counterparty_id, String), t.c.direction))
        return dict(zip(map(itemgetter(0), rows), rows, strict=True))

    @cached_property
    def users(self) -> dict[str, str]:
        """Lower-cased login -> user id."""
        t = User.__table__
        return dict(self._fetch(select(func.lower(t.c.login), cast(t.c.id, String))))

    def _fetch(self, query: Select[Any]) -> list[tuple[Any, ...]]:
        """All rows of ``query`` (no parameters) as the driver's tuples."""
        sql = str(query.compile(dialect=self.connection.dialect))
        cursor = self.connection.connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()
