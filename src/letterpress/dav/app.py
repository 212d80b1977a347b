"""The DAV server as a WSGI application, and the dispatcher that mounts it beside the web app.

``create_dav_app(settings, engine)`` answers everything under its mount point (``/dav/``);
``mount(web_app, dav_app)`` sends ``/dav/...`` to it, answers ``/.well-known/caldav`` and
``/.well-known/carddav`` with a redirect to ``/dav/`` (RFC 6764), and hands the rest to the
web app. Each request gets its own database session; writes use SQLite's BEGIN IMMEDIATE.

An extension (CalDAV now, CardDAV later) is an object with:

* ``segment`` - its top-level space under the mount (``"calendars"``);
* ``features`` - what it adds to the ``DAV:`` header (``("calendar-access",)``);
* ``reports`` - {report element (Clark name): handler};
* ``space(ctx)`` - the node of its space;
* ``principal_prop(ctx, user, name)`` - its principal properties (home sets, addresses).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from letterpress.config import Settings
from letterpress.dav import sync
from letterpress.dav.auth import CredentialCache, authenticate
from letterpress.dav.cache import ContentCache
from letterpress.dav.errors import DavError, from_domain
from letterpress.dav.http import Request, Response
from letterpress.dav.methods import (
    delete,
    get,
    mkcol,
    options,
    propfind,
    proppatch,
    put,
    report,
)
from letterpress.dav.resource import Context
from letterpress.dav.xml import DAV
from letterpress.db.session import session_factory, writer
from letterpress.errors import LetterpressError

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
WRITE_METHODS = frozenset({"PUT", "DELETE", "PROPPATCH", "MKCOL", "MKCALENDAR"})
PREFIX = "/dav"


class DavApplication:
    def __init__(self, settings: Settings, engine: Engine, extensions: Sequence[Any]) -> None:
        self.settings = settings
        self.engine = engine
        self.extensions = tuple(extensions)
        self.reports: dict[str, report.ReportHandler] = {
            f"{{{DAV}}}sync-collection": sync.report,
        }
        for ext in self.extensions:
            self.reports.update(ext.reports)
        self.readers = session_factory(engine)
        self.writers = session_factory(writer(engine))
        self.credentials = CredentialCache(settings.dav.auth_cache_seconds)
        self.contents = ContentCache()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        req = Request(environ)
        started = time.perf_counter()
        response = self.respond(req)
        log.debug("%s %s -> %d in %.1f ms", req.method, req.path, response.status,
                  (time.perf_counter() - started) * 1000)
        return response.wsgi(start_response, req.method)

    def respond(self, req: Request) -> Response:
        try:
            if req.method == "OPTIONS":
                return options.handle(self.extensions)
            try:
                return self._in_session(req, self.writers if req.method in WRITE_METHODS
                                        else self.readers)
            except OperationalError:
                if req.method in WRITE_METHODS:
                    raise
                # A read that had to write (first visit) met a concurrent writer on SQLite.
                return self._in_session(req, self.writers)
        except DavError as exc:
            return _error_response(exc)
        except LetterpressError as exc:
            return _error_response(from_domain(exc))
        except Exception:
            log.exception("DAV %s %s failed", req.method, req.path)
            return Response(500, b"internal error\n", "text/plain; charset=utf-8")

    def _in_session(self, req: Request, factory: Any) -> Response:
        with factory() as session:
            user = authenticate(session, self.credentials, req.header("Authorization"))
            if user is None:
                return Response(401, b"app password required\n", "text/plain; charset=utf-8", [
                    ("WWW-Authenticate",
                     f'Basic realm="{self.settings.dav.realm}", charset="UTF-8"')])
            ctx = Context(session, user, self.settings, req.script_name, self.extensions,
                          content_cache=self.contents)
            response = self._dispatch(ctx, req)
            session.commit()
            return response

    def _dispatch(self, ctx: Context, req: Request) -> Response:
        method = req.method
        if method == "PROPFIND":
            return propfind.handle(ctx, req)
        if method == "PROPPATCH":
            return proppatch.handle(ctx, req)
        if method in ("GET", "HEAD"):
            return get.handle(ctx, req)
        if method == "PUT":
            return put.handle(ctx, req)
        if method == "DELETE":
            return delete.handle(ctx, req)
        if method in ("MKCOL", "MKCALENDAR"):
            return mkcol.handle(ctx, req)
        if method == "REPORT":
            return report.handle(ctx, req, self.reports)
        raise DavError(405, f"{method} is not supported",
                       headers=(("Allow", ", ".join(options.METHODS)),))


def _error_response(exc: DavError) -> Response:
    body, content_type = exc.body()
    return Response(exc.status, body, content_type, list(exc.headers))


def create_dav_app(settings: Settings, engine: Engine) -> DavApplication:
    """The DAV server with every extension this installation has (CalDAV for now)."""
    from letterpress.calendar.caldav import CalendarExtension

    return DavApplication(settings, engine, [CalendarExtension()])


def mount(web_app: WSGIApp, dav_app: WSGIApp, prefix: str = PREFIX) -> WSGIApp:
    """One WSGI app: ``prefix`` and the well-known DAV paths to ``dav_app``, the rest to web."""
    well_known = ("/.well-known/caldav", "/.well-known/carddav")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        if path == prefix or path.startswith(prefix + "/"):
            environ["SCRIPT_NAME"] = script + prefix
            environ["PATH_INFO"] = path[len(prefix):] or "/"
            return dav_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path.rstrip("/") in well_known or (path == "/" and method == "PROPFIND"):
            start_response("301 Moved Permanently", [
                ("Location", f"{script}{prefix}/"), ("Content-Length", "0"),
                ("Cache-Control", "no-cache")])
            return [b""]
        return web_app(environ, start_response)

    return app


def install_in_web_app(app: Any) -> None:
    """Mount hook for the Flask app (``letterpress.web.mounts``): DAV under ``/dav/`` and the
    ``/.well-known`` redirects, on the same port as the web UI."""
    from letterpress.web.context import web_context

    ctx = web_context(app)
    app.wsgi_app = mount(app.wsgi_app, create_dav_app(ctx.settings, ctx.engine))
