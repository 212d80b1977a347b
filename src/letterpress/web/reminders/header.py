"""The due-reminder count in every page's header (``due_reminders()`` in templates).

A template global rather than a value: only pages that extend ``base.html`` ask, a signed-out
visitor costs no query, and the one COUNT is remembered for the rest of the request.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from letterpress.crm.reminders import count_pending
from letterpress.db.types import utcnow
from letterpress.web.context import db

log = logging.getLogger(__name__)
_KEY = "letterpress_due_reminders"


def due_reminders() -> int | None:
    """The signed-in user's due reminders, or None (signed out, or the database failed)."""
    if not current_user.is_authenticated:
        return None
    if _KEY not in g:
        try:
            count: int | None = count_pending(db(), current_user.user.id, utcnow())
        except SQLAlchemyError:
            # An error page after a failed transaction must still render: no count then.
            log.warning("the due reminder count failed", exc_info=True)
            count = None
        setattr(g, _KEY, count)
    result: int | None = getattr(g, _KEY)
    return result


def context() -> dict[str, Any]:
    return {"due_reminders": due_reminders}
