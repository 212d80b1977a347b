"""Failed sign-ins, as the login limiter counts them (:mod:`letterpress.web.ratelimit`).

In the database rather than in a process's memory so that every worker of ``letterpress serve``
(and a restarted one) sees the same counts. A failure is one row per key it counts against
(``login:<login>``, ``address:<client address>``); rows older than the limiter's window are
deleted as new failures come in, so the table stays as small as the last minute's failures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from letterpress.db.base import Base
from letterpress.db.types import UTCDateTime

KEY_LENGTH = 200


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "login:<login>" or "address:<ip>"; a longer key is stored as its SHA-256 (see ratelimit).
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    # The web server's clock (UTC), which is what the window is measured against.
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_login_attempts_key_attempted_at", "key", "attempted_at"),)
