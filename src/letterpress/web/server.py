"""``letterpress serve``: the web app (and, once mounted, DAV) under gunicorn.

``web.workers`` worker processes (:func:`workers_for`), each with a few threads. Nothing a request
relies on lives in one worker alone: the login limiter counts in the database
(:mod:`letterpress.web.ratelimit`), the session key is shared through the data directory
(:mod:`letterpress.web.secret_key`), and the per-worker caches are safe to keep apart: the
analytics dashboards are checked against a data token on every read
(:mod:`letterpress.web.analytics.cache`), DAV's verified app passwords are checked against their
database row on every hit (:mod:`letterpress.dav.auth`: a revoked password stops at once in every
worker). Access and error logs go to stderr. The database is brought to the latest schema before
the workers start, and each worker builds its own app and engine after the fork (no connection
crosses it).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from letterpress.config import Settings

THREADS = 4
# "auto": one worker per core, at least two and at most eight. A worker holds the GIL for the
# Python of its requests, so one worker leaves the second core of a 2-core machine to the database
# alone (measured with bench.web: see docs/web.md, "Speed"); each worker holds a database
# connection per busy thread (its pool keeps five), and eight workers stay well inside
# PostgreSQL's default max_connections of 100.
MIN_AUTO_WORKERS = 2
MAX_AUTO_WORKERS = 8
TIMEOUT_S = 120
GRACEFUL_TIMEOUT_S = 10

log = logging.getLogger(__name__)


class StderrLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with the access log on stderr too (its ``-`` means stdout)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if cfg.accesslog == "-":
            self._set_handler(
                self.access_log, cfg.accesslog, logging.Formatter(self.access_fmt),
                stream=sys.stderr,
            )


class LetterpressServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Flask:
        from letterpress.web.app import create_app

        return create_app(self.settings)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def workers_for(setting: int | str, cpu_count: int | None = None) -> int:
    """The number of worker processes for ``web.workers``: itself, or for "auto" and 0 one per
    core this process may use (``cpu_count`` when given), between :data:`MIN_AUTO_WORKERS` and
    :data:`MAX_AUTO_WORKERS`."""
    if isinstance(setting, int) and setting > 0:
        return setting
    cores = cpu_count if cpu_count is not None else _usable_cores()
    return min(MAX_AUTO_WORKERS, max(MIN_AUTO_WORKERS, cores))


def _usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit), else all."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def prepare_database(settings: Settings) -> None:
    """Bring the schema to head (an embedded install needs no separate setup step)."""
    from letterpress.db import migrate
    from letterpress.db.session import make_engine

    engine = make_engine(settings.db_url)
    try:
        if not migrate.is_current(engine):
            log.warning("upgrading the database schema to the latest revision")
            migrate.upgrade(engine)
    finally:
        engine.dispose()


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the web UI on ``host:port`` until SIGINT or SIGTERM."""
    prepare_database(settings)
    options = {
        "bind": [bind_address(host, port)],
        "workers": workers_for(settings.web.workers),
        "worker_class": "letterpress.web.worker.BalancedThreadWorker",
        "threads": THREADS,
        "timeout": TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "accesslog": "-",
        "errorlog": "-",
        "logger_class": StderrLogger,
        "proc_name": "letterpress",
        # The login limiter reads X-Forwarded-For itself, from a proxy on this host only.
        "forwarded_allow_ips": "127.0.0.1,::1",
        # gunicorn 24+ would open a control socket under ~/.gunicorn; nothing here uses it.
        "control_socket_disable": True,
    }
    LetterpressServer(settings, options).run()
