"""Computed dashboards kept in the worker's memory, so that a dashboard under load is read, not
recomputed, on every request.

An entry is keyed by the dashboard, its parameters and the viewer's scope (the manager ids
:func:`~letterpress.crm.permissions.report_manager_ids` allows: viewers with the same scope may
see the same figures), and stamped with :func:`~letterpress.web.analytics.queries.data_token`.
It is used while the token is unchanged (no new shipment, order, payment, counterparty, contact,
event, letter, campaign, user or analytics run) and for at most ``ttl`` seconds, which bounds
how long a correction of an existing row (the nightly run's business) goes unseen.

One build at a time per worker: a request that misses waits for the build in progress rather
than starting its own (two register rebuilds never race in one process), except that an entry
past its ``ttl`` with an unchanged token is served while one request rebuilds it.
The cache lives in ``app.extensions`` (see :func:`dashboard_cache`), not in a module global.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import Flask, current_app

T = TypeVar("T")
EXTENSION_KEY = "letterpress.analytics"
DEFAULT_TTL_S = 60.0
DEFAULT_SIZE = 64
MAX_FRAGMENTS = 8


@dataclass(frozen=True)
class Entry(Generic[T]):
    value: T
    token: Hashable
    built: float  # time.monotonic()
    built_at: dt.datetime  # for the page: "computed at"
    seconds: float  # how long the build took
    # Rendered pieces of pages showing this value (by language and query), see fragment().
    fragments: dict[Hashable, str] = field(default_factory=dict, compare=False, repr=False)

    def fragment(self, key: Hashable, render: Callable[[], str]) -> str:
        """``render()``'s result, kept with the entry: a page showing the same value in the same
        language with the same query renders its tables once. A few per entry (``MAX_FRAGMENTS``,
        the oldest dropped), so paging through a long table cannot fill the memory."""
        found = self.fragments.get(key)
        if found is None:
            found = render()
            if len(self.fragments) >= MAX_FRAGMENTS:
                self.fragments.pop(next(iter(self.fragments)), None)
            self.fragments[key] = found
        return found


class DashboardCache:
    def __init__(self, ttl: float = DEFAULT_TTL_S, size: int = DEFAULT_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[Hashable, Entry[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self.builds = 0  # for tests and logs

    def _lookup(self, key: Hashable, token: Hashable) -> tuple[Entry[Any] | None, bool]:
        """The entry for ``key`` built at ``token`` (or None), and whether it is within ``ttl``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.token != token:
                return None, False
            self._entries.move_to_end(key)
            return entry, time.monotonic() - entry.built <= self.ttl

    def get_or_build(self, key: Hashable, token: Callable[[], Hashable],
                     build: Callable[[], tuple[T, Hashable]]) -> Entry[T]:
        """The entry for ``key`` if ``token()`` still matches it, else ``build()``'s.

        ``build`` returns the value and the token it was computed at (read after anything it
        wrote, before it read the data), which becomes the entry's token. An entry past its
        ``ttl`` whose token still matches is served while another request rebuilds it.
        """
        if self.ttl <= 0:
            return self._build(key, build)
        entry, fresh = self._lookup(key, token())
        if entry is not None and fresh:
            return entry
        if entry is not None and not self._build_lock.acquire(blocking=False):
            return entry  # being rebuilt: the old one meanwhile
        if entry is None:
            self._build_lock.acquire()
        try:
            entry, fresh = self._lookup(key, token())
            if entry is not None and fresh:  # built while this request waited
                return entry
            return self._build(key, build, locked=True)
        finally:
            self._build_lock.release()

    def _build(self, key: Hashable, build: Callable[[], tuple[T, Hashable]], *,
               locked: bool = False) -> Entry[T]:
        if not locked:
            with self._build_lock:
                return self._build(key, build, locked=True)
        clock = time.monotonic()
        value, stamp = build()
        now = time.monotonic()
        built = Entry(value=value, token=stamp, built=now, built_at=dt.datetime.now(dt.UTC),
                      seconds=now - clock)
        self.builds += 1
        if self.ttl > 0:
            with self._lock:
                self._entries[key] = built
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return built

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app: Flask) -> None:
    app.extensions.setdefault(EXTENSION_KEY, DashboardCache())


def dashboard_cache(app: Flask | None = None) -> DashboardCache:
    cache: DashboardCache = (app or current_app).extensions[EXTENSION_KEY]
    return cache
