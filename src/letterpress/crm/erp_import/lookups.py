"""What an import's rows refer to, read once per import: counterparties, orders and users.

References in a file are external ids (counterparties, orders) or logins (managers); rows are
checked against these maps in Python, so each is one query, loaded only if the kind needs it.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from letterpress.crm.model import Counterparty, Order, User


class OrderRef(NamedTuple):
    id: int
    counterparty_id: int
    direction: str


class Lookups:
    def __init__(self, connection: Connection | None) -> None:
        self._connection = connection

    @classmethod
    def empty(cls) -> Lookups:
        """Lookups that know nothing and never query (to convert an empty cell)."""
        lookups = cls(None)
        lookups.__dict__.update(counterparties={}, orders={}, users={})
        return lookups

    @property
    def connection(self) -> Connection:
        assert self._connection is not None
        return self._connection

    @cached_property
    def counterparties(self) -> dict[str, int]:
        """External id -> counterparty id."""
        t = Counterparty.__table__
        rows = self.connection.execute(
            select(t.c.external_id, t.c.id).where(t.c.external_id.is_not(None))
        )
        return {external_id: id_ for external_id, id_ in rows}

    @cached_property
    def orders(self) -> dict[str, OrderRef]:
        """External id -> the order's id, counterparty and direction."""
        t = Order.__table__
        rows = self.connection.execute(
            select(t.c.external_id, t.c.id, t.c.counterparty_id, t.c.direction)
        )
        return {external_id: OrderRef(*ref) for external_id, *ref in rows}

    @cached_property
    def users(self) -> dict[str, int]:
        """Lower-cased login -> user id."""
        t = User.__table__
        rows = self.connection.execute(select(func.lower(t.c.login), t.c.id))
        return {login: id_ for login, id_ in rows}
