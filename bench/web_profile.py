"""The web pages' cost in-process: CPU milliseconds per request of the app itself, with no HTTP
server, no load generator and no other request in the same process to share the GIL with.

    python -m bench.web_profile [--sqlite] [--requests 300] [--pages minimal,base,calendar_week,...]
                                [--profile PAGE] [--top 25]

It takes the database :mod:`bench.web` keeps (build it first with ``python -m bench.web``; any
key: the data need not match the sources), builds the app as ``letterpress serve`` does
(:func:`letterpress.web.app.create_app` on the settings of the data directory) and signs in
through the login form (CSRF on, as in production). Each page is then called ``--requests``
times as a bare WSGI call (a fresh environ, the session cookie, the body read to the end) after
a few untimed calls; per page it reports:

* ``cpu_ms``: this process's CPU time per request (``time.process_time``; the database server's
  is not in it: on PostgreSQL ``db_cpu_ms`` is that of the backends, read from ``/proc``);
* ``wall_ms``; ``statements``: SQL statements per request;
* the split of the wall time: ``sql_ms`` inside the driver's ``execute`` (with SQLite, the
  database's own work, in this process), ``render_ms`` inside Jinja's rendering (less the SQL
  run from it), and ``other_ms``: the rest (Flask, Flask-Login, the ORM building objects,
  Python code of the views); ``cpu_split_ms`` the same split of this process's CPU (``driver``,
  ``jinja``, ``rest``: SQLAlchemy and the ORM around the driver are in ``rest``).

With ``--profile PAGE`` the same calls run under cProfile and the ``--top`` functions by
internal and by cumulative time go to stderr; with ``--statements PAGE`` each SQL statement of the
page, with its calls per request and mean wall time, slowest in all first. The last line of stdout is one JSON object.

Pages: ``healthz`` (no session, one ``SELECT 1``: Flask's own floor), ``minimal`` (``/calendar/counterparty-names``: the login wall, the session and the user,
JSON, no template), ``base`` (an empty page in ``base.html``, added by this module: what every
page pays for the header's reminder count, the navigation and the frame), ``calendar_week`` and ``managers`` (as ``head``),
``counterparties`` and ``card`` (as ``manager4``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, before_render_template, render_template, template_rendered
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.machine import describe
from bench.web import CACHE_DB, CACHE_DIR, PG_DEFAULT, _pg_admin
from bench.web_server import DatabaseCpu
from letterpress.config import load_settings
from letterpress.demo import DEMO_PASSWORD
from letterpress.web.app import create_app

COOKIE = "letterpress_session"
BASE_PATH = "/_bench/base"
BASE_TEMPLATE = ('{% extends "base.html" %}{% block title %}Bench{% endblock %}'
                 '{% block content %}<h1>Bench</h1>{% endblock %}')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    login: str


def pages(large: int) -> dict[str, Page]:
    return {p.name: p for p in (
        Page("healthz", "/healthz", ""),
        Page("minimal", "/calendar/counterparty-names?q=", "head"),
        Page("base", BASE_PATH, "head"),
        Page("calendar_week", "/calendar/week", "head"),
        Page("managers", "/analytics/managers", "head"),
        Page("counterparties", "/counterparties/", "manager4"),
        Page("card", f"/counterparties/{large}", "manager4"),
    )}


@dataclass
class _Split:
    """Wall seconds inside the driver's execute and inside template rendering."""

    sql: float = 0.0
    render: float = 0.0
    sql_in_render: float = 0.0
    sql_cpu: float = 0.0
    render_cpu: float = 0.0
    sql_cpu_in_render: float = 0.0
    statements: int = 0
    rendering: int = 0
    # With --statements: each statement's text -> [calls, wall seconds].
    by_statement: dict[str, list[float]] | None = None
    _sql_start: list[tuple[float, float]] = field(default_factory=list)
    _render_start: list[tuple[float, float]] = field(default_factory=list)

    def install(self, app: Flask) -> None:
        engine = app.extensions["letterpress"].engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(*_args: Any) -> None:
            self._sql_start.append((time.perf_counter(), time.thread_time()))

        @event.listens_for(engine, "after_cursor_execute")
        def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            wall, cpu = self._sql_start.pop()
            spent, spent_cpu = time.perf_counter() - wall, time.thread_time() - cpu
            self.sql += spent
            self.sql_cpu += spent_cpu
            self.statements += 1
            if self.by_statement is not None:
                entry = self.by_statement.setdefault(statement, [0, 0.0])
                entry[0] += 1
                entry[1] += spent
            if self.rendering:
                self.sql_in_render += spent
                self.sql_cpu_in_render += spent_cpu

        def _render_begins(*_args: Any, **_kw: Any) -> None:
            self.rendering += 1
            self._render_start.append((time.perf_counter(), time.thread_time()))

        def _render_ends(*_args: Any, **_kw: Any) -> None:
            self.rendering -= 1
            wall, cpu = self._render_start.pop()
            if not self.rendering:
                self.render += time.perf_counter() - wall
                self.render_cpu += time.thread_time() - cpu

        before_render_template.connect(_render_begins, app, weak=False)
        template_rendered.connect(_render_ends, app, weak=False)

    def reset(self) -> None:
        self.sql = self.render = self.sql_in_render = 0.0
        self.sql_cpu = self.render_cpu = self.sql_cpu_in_render = 0.0
        self.statements = 0
        if self.by_statement is not None:
            self.by_statement.clear()

    def print_statements(self, name: str, requests: int) -> None:
        """Each statement of ``name`` with its calls per request and mean wall ms, slowest first."""
        assert self.by_statement is not None
        print(f"--- {name}: statements ---", file=sys.stderr)
        for text, (calls, wall) in sorted(self.by_statement.items(), key=lambda kv: -kv[1][1]):
            print(f"{calls / requests:5.1f}x {wall * 1000 / calls:7.3f} ms  "
                  f"{' '.join(text.split())[:400]}", file=sys.stderr)


class Caller:
    """Bare WSGI calls into ``app`` with one session cookie."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.cookie = ""

    def call(self, method: str, path: str, body: bytes = b"",
             content_type: str = "") -> tuple[int, list[tuple[str, str]], bytes]:
        route, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": route,
            "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000", "HTTP_USER_AGENT": "letterpress-bench-web/1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
        }
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]],
                           _exc: Any = None) -> Callable[[bytes], None]:
            answer["status"], answer["headers"] = int(status.split()[0]), headers
            return lambda _data: None

        chunks = self.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie" and value.startswith(f"{COOKIE}="):
                self.cookie = value.split(";", 1)[0]
        return answer["status"], answer["headers"], data

    def sign_in(self, login: str) -> None:
        self.cookie = ""
        status, _headers, page = self.call("GET", "/login")
        match = _CSRF.search(page.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"GET /login: {status}")
        body = urllib.parse.urlencode({"csrf_token": match.group(1), "login": login,
                                       "password": DEMO_PASSWORD, "next": ""}).encode()
        status, _headers, _page = self.call("POST", "/login", body,
                                            "application/x-www-form-urlencoded")
        if status != 302:
            raise RuntimeError(f"POST /login as {login}: {status}")


@contextmanager
def _profiled(enabled: bool, top: int, name: str, dump: str = "") -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile(time.thread_time)  # CPU, not the waits for the database
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        if dump:
            Path(dump).mkdir(parents=True, exist_ok=True)
            profile.dump_stats(str(Path(dump) / f"{name}.prof"))
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
            print(f"--- {name}: by {order} ---\n{out.getvalue()}", file=sys.stderr)


def measure(caller: Caller, split: _Split, page: Page, requests: int, warmup: int,
            profile: bool, top: int, backends: DatabaseCpu | None,
            dump: str = "", statements: bool = False) -> dict[str, Any]:
    if page.login:
        caller.sign_in(page.login)
    else:
        caller.cookie = ""
    for _ in range(warmup):
        status, _headers, _body = caller.call("GET", page.path)
        if status != 200:
            raise RuntimeError(f"GET {page.path} as {page.login}: {status}")
    split.by_statement = {} if statements else None
    split.reset()
    size = 0
    db_before = backends.sample() if backends is not None else {}
    with _profiled(profile, top, page.name, dump):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            status, _headers, body = caller.call("GET", page.path)
            size = len(body)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if statements:
        split.print_statements(page.name, requests)
    figures: dict[str, Any] = {
        "path": page.path, "login": page.login, "requests": requests, "bytes": size,
        "cpu_ms": round(cpu * 1000 / requests, 2), "wall_ms": round(wall * 1000 / requests, 2),
        "statements": round(split.statements / requests, 1),
        "sql_ms": round(split.sql * 1000 / requests, 2),
        "render_ms": round((split.render - split.sql_in_render) * 1000 / requests, 2),
        "other_ms": round((wall - split.sql - split.render + split.sql_in_render) * 1000
                          / requests, 2),
        "cpu_split_ms": {
            "driver": round(split.sql_cpu * 1000 / requests, 2),
            "jinja": round((split.render_cpu - split.sql_cpu_in_render) * 1000 / requests, 2),
            "rest": round((cpu - split.sql_cpu - split.render_cpu + split.sql_cpu_in_render)
                          * 1000 / requests, 2),
        },
    }
    if backends is not None:
        db_cpu = DatabaseCpu.between(db_before, backends.sample())
        figures["db_cpu_ms"] = round(db_cpu * 1000 / requests, 2)
    return figures


def _add_base_page(app: Flask) -> None:
    app.jinja_env.loader = ChoiceLoader([DictLoader({"_bench/base.html": BASE_TEMPLATE}),
                                         app.jinja_env.loader])

    def base_page() -> str:
        return render_template("_bench/base.html")

    app.add_url_rule(BASE_PATH, "bench_base", base_page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--server", default=os.environ.get("LETTERPRESS_TEST_DATABASE_URL")
                        or PG_DEFAULT)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--pages", default="minimal,base,calendar_week,managers,counterparties,card")
    parser.add_argument("--profile", default="", help="comma-separated pages to run under cProfile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--statements", default="",
                        help="comma-separated pages whose statements to list with their times")
    parser.add_argument("--dump", default="", help="a directory for the profiles (PAGE.prof)")
    args = parser.parse_args(argv)
    kind = "sqlite" if args.sqlite else "postgresql"
    data_dir = CACHE_DIR / kind
    facts_file = data_dir / "bench-key.json"
    if not facts_file.exists():
        parser.error(f"no kept {kind} database: run python -m bench.web first")
    facts = json.loads(facts_file.read_text())["facts"]
    if args.sqlite:
        url = f"sqlite:///{data_dir / 'letterpress.db'}"
    else:
        url = make_url(args.server).set(drivername="postgresql+psycopg", database=CACHE_DB) \
            .render_as_string(hide_password=False)
    environ = {k: v for k, v in os.environ.items() if k != "LETTERPRESS_CONFIG"}
    environ.update(LETTERPRESS_DATABASE_URL=url, LETTERPRESS_DATA_DIR=str(data_dir))
    settings = load_settings(data_dir=Path(data_dir), environ=environ)
    app = create_app(settings)
    _add_base_page(app)
    split = _Split()
    split.install(app)
    caller = Caller(app)
    backends = None if args.sqlite else DatabaseCpu(_pg_admin(args.server), CACHE_DB)
    every = pages(facts["large_counterparty_id"])
    profiled = set(filter(None, args.profile.split(",")))
    listed = set(filter(None, args.statements.split(",")))
    results: dict[str, Any] = {}
    machine = describe()
    load_before = os.getloadavg()
    for name in args.pages.split(","):
        try:
            results[name] = measure(caller, split, every[name], args.requests, args.warmup,
                                    name in profiled, args.top, backends, args.dump,
                                    name in listed)
        except RuntimeError as exc:  # a page being rebuilt by someone else: the others still
            results[name] = {"error": str(exc)}
        print(f"{name:15s} {json.dumps(results[name])}", file=sys.stderr, flush=True)
    print(json.dumps({"database": kind, "pages": results, "machine": machine,
                      "load_before": [round(x, 2) for x in load_before],
                      "load_after": [round(x, 2) for x in os.getloadavg()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
