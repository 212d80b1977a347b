"""One page of a long list: the rows, the total, and the page numbers to link to."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to offer: the first, the last, those around this one; None is a gap."""
        wanted = {1, self.pages, *range(self.number - radius, self.number + radius + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(
    session: Session, stmt: Select[Any], number: int, size: int, *,
    count: Select[Any] | None = None,
) -> Page[Any]:
    """Run ``stmt`` for page ``number`` (clamped to the pages there are) of ``size`` rows.

    ``count`` counts the rows ``stmt`` would give; by default ``stmt`` is counted as a subquery.
    """
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count) or 0
    pages = max(1, math.ceil(total / size))
    number = min(max(1, number), pages)
    rows = session.execute(stmt.limit(size).offset((number - 1) * size)).all()
    return Page(items=rows, total=total, number=number, size=size)
