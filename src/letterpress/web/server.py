"""``letterpress serve``: the web app (and, once mounted, DAV) under gunicorn.

One worker process with a few threads: the login limiter is kept in memory (see
:mod:`letterpress.web.ratelimit`), and SQLite, the embedded default, wants few writers. Access and
error logs go to stderr. The database is brought to the latest schema before the worker starts,
and the worker builds its own app and engine after the fork (no connection crosses it).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from letterpress.config import Settings

THREADS = 4
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
        "workers": 1,
        "worker_class": "gthread",
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
