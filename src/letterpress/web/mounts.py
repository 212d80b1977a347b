"""Extra applications mounted into the one web app: the DAV server under ``/dav/``, and more.

``letterpress serve`` answers the web UI and DAV on one port (see DESIGN). A component that needs
to join the app adds a hook, a function taking the built :class:`~flask.Flask` app, to
:data:`BUILTIN_MOUNTS` as ``"module:function"`` (imported only when an app is built), e.g.
``"letterpress.dav.wsgi:mount"``. The hook may register blueprints (``/.well-known/caldav``
redirects) or hand a whole path prefix to another WSGI application with :func:`mount_wsgi`.

A mounted WSGI application sits outside Flask: the login wall, CSRF checks and the HTML security
headers do not apply to it; it authenticates its own requests (DAV uses app passwords).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

MountHook = Callable[[Flask], None]

BUILTIN_MOUNTS: tuple[str, ...] = ("letterpress.dav.app:install_in_web_app",)


def mount_wsgi(app: Flask, prefix: str, wsgi_app: WSGIApplication) -> None:
    """Send every request under ``prefix`` (e.g. ``"/dav"``) to ``wsgi_app``.

    The mounted app sees ``SCRIPT_NAME`` = ``prefix`` and the rest of the path in ``PATH_INFO``.
    """
    if not prefix.startswith("/") or prefix.endswith("/"):
        raise ValueError(f"mount prefix {prefix!r}: expected a path like '/dav'")
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {prefix: wsgi_app})  # type: ignore[method-assign]


def _resolve(spec: str) -> MountHook:
    module_name, _, attr = spec.partition(":")
    hook: MountHook = getattr(importlib.import_module(module_name), attr)
    return hook


def install(app: Flask, extra: Iterable[MountHook] = ()) -> None:
    for spec in BUILTIN_MOUNTS:
        _resolve(spec)(app)
    for hook in extra:
        hook(app)
