"""Failed-login throttling, per login and per client address (a sliding one-minute window).

Kept in the memory of the process: ``letterpress serve`` runs one gunicorn worker (with threads),
so every request sees the same counts. With several worker processes each would count on its own,
multiplying the allowance by the number of workers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

WINDOW_S = 60.0
# Above this many tracked keys, expired ones are dropped so a spray of made-up logins cannot
# grow the table without bound.
_PRUNE_ABOVE = 10_000


class LoginLimiter:
    """Counts failures per key; a key with ``limit`` failures in the window is refused."""

    def __init__(
        self, limit: int, *, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until every key may try again; 0 when none is blocked."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                stamps = self._recent(key, now)
                if self.limit > 0 and len(stamps) >= self.limit:
                    wait = max(wait, stamps[-self.limit] + self.window_s - now)
        return wait

    def record_failure(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > _PRUNE_ABOVE:
                for key in list(self._failures):
                    self._recent(key, now)
