"""Failed-login throttling, per login and per client address (a sliding one-minute window).

The failures are rows of ``login_attempts`` (:class:`~letterpress.crm.model.LoginAttempt`), so
every worker process of ``letterpress serve`` and every server on the same database counts the
same failures, and a restart forgets none. The limiter reads and writes them in transactions of
its own, apart from the request's session: a failure is recorded even if the request's work is
rolled back. Each recorded failure also deletes the rows that have left the window (an index
range), so the table holds about one window's failures, however many made-up logins are tried.

Times are the web server's clock (UTC). Servers on several hosts sharing one database should
keep their clocks in step (NTP); a skew of a few seconds only moves the window's edge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable

from sqlalchemy import Engine, delete, insert, select

from letterpress.crm.model import LoginAttempt
from letterpress.crm.model.logins import KEY_LENGTH
from letterpress.db.session import writer

WINDOW_S = 60.0

def stored_key(key: str) -> str:
    """``key`` as stored: a key longer than the column (an odd forwarded address) by its hash."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


class LoginLimiter:
    """Counts failures per key; a key with ``limit`` failures in the window is refused.

    ``clock`` gives seconds since the epoch (wall time: the count is shared between processes,
    which share no monotonic clock across restarts or hosts)."""

    def __init__(
        self, limit: int, engine: Engine, *, window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.engine = engine

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until every key may try again; 0 when none is blocked."""
        wanted = {stored_key(key) for key in keys}
        if self.limit <= 0 or not wanted:
            return 0.0
        now = self.clock()
        since = _moment(now - self.window_s)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LoginAttempt.key, LoginAttempt.attempted_at)
                .where(LoginAttempt.key.in_(wanted), LoginAttempt.attempted_at > since)
                .order_by(LoginAttempt.attempted_at.desc())
            ).all()
        newest_first: dict[str, list[float]] = {}
        for key, attempted_at in rows:
            newest_first.setdefault(key, []).append(attempted_at.timestamp())
        wait = 0.0
        for stamps in newest_first.values():
            if len(stamps) >= self.limit:
                # The key is free again once the limit-th newest failure leaves the window.
                wait = max(wait, stamps[self.limit - 1] + self.window_s - now)
        return wait

    def record_failure(self, keys: Iterable[str]) -> None:
        if self.limit <= 0:
            return  # nothing is ever refused: nothing to count
        now = self.clock()
        rows = [{"key": key, "attempted_at": _moment(now)} for key in {stored_key(k) for k in keys}]
        expired = LoginAttempt.attempted_at <= _moment(now - self.window_s)
        with writer(self.engine).begin() as conn:
            if rows:
                conn.execute(insert(LoginAttempt), rows)
            conn.execute(delete(LoginAttempt).where(expired))
