"""The due-reminder count in every page's header (``due_reminders()`` in templates).

A template global rather than a value: only pages that extend ``base.html`` ask, a signed-out
visitor costs no query, and the one COUNT is remembered for the rest of the request. The COUNT
is :func:`letterpress.crm.reminders.count_pending`'s, built once with the user and the time as
parameters: every page runs it, and building the expression anew each time cost more than
running it.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import g
from flask_login import current_user
from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from letterpress.crm.model import Reminder
from letterpress.crm.reminders import pending_clause
from letterpress.db.types import UTCDateTime, utcnow
from letterpress.web.context import db

log = logging.getLogger(__name__)
_KEY = "letterpress_due_reminders"


@functools.cache
def pending_count() -> Select[int]:
    """``count_pending``'s statement with the parameters ``user_id`` and ``now``."""
    user_id = bindparam("user_id", type_=Integer())
    now = bindparam("now", type_=UTCDateTime())
    return select(func.count(Reminder.id)).where(
        pending_clause(user_id, now))  # type: ignore[arg-type]


def due_reminders() -> int | None:
    """The signed-in user's due reminders, or None (signed out, or the database failed)."""
    if not current_user.is_authenticated:
        return None
    if _KEY not in g:
        try:
            count: int | None = db().scalar(
                pending_count(), {"user_id": current_user.user.id, "now": utcnow()}) or 0
        except SQLAlchemyError:
            # An error page after a failed transaction must still render: no count then.
            log.warning("the due reminder count failed", exc_info=True)
            count = None
        setattr(g, _KEY, count)
    result: int | None = getattr(g, _KEY)
    return result


def context() -> dict[str, Any]:
    return {"due_reminders": due_reminders}
