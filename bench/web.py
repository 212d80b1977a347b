"""Web UI benchmark: the pages managers and the head of sales open all day, under load.

    python -m bench.web [--seconds 30] [--clients 20] [--sqlite] [--fresh | --reuse]
                        [--no-cache] [--pages counterparties,card,calendar_week,managers]
                        [--workers N|auto]

Data (:mod:`bench.web_data`): the demo printing house grown to 5,000 counterparties and 200,000
letters, with one large counterparty (~5,000 letters, 2,000 more calls and meetings, 300 more
orders), a full current week in every calendar and the nightly analytics stored. PostgreSQL by
default (``$LETTERPRESS_TEST_DATABASE_URL``, else ``postgresql://postgres@127.0.0.1:5432/test``
names the server), ``--sqlite`` for the embedded default.

The built database is kept between runs (PostgreSQL: the database ``lp_bench_web``, its key in the
database's COMMENT; SQLite: ``var/bench-web/sqlite/letterpress.db`` with ``bench-key.json``): the
key covers the sizes, the generator's and the demo's source, the schema the models give and the
current ISO week (the calendar's data is this week's). A run with the same key reuses it and says
``"cached": true``; ``--fresh`` rebuilds; ``--reuse`` takes the kept database whatever its key
says (to compare two runs on the same data while the sources move: the schema must still be the
models'); ``--no-cache`` builds into a scratch database dropped at the end.

Server: ``letterpress serve`` itself as a subprocess (gunicorn gthread workers with four threads
each, the access log on; the README's production setup), with ``web.workers`` from ``--workers``
(default ``auto``, what ``letterpress serve`` runs when not configured; ``1`` is the old single
process).

Load: ``--clients`` threads, each with its own keep-alive ``http.client`` connection and its own
signed-in sessions (the login form, with its CSRF token): the counterparty list and the large
counterparty's card as managers (``manager1`` ... ``manager6`` in turn: managers work these
pages; which of them reads the large counterparty's letters depends on the demo's seed and
source: its responsible manager most, the others those of shared mailboxes or none, as "no
access"), the calendar week and the managers dashboard as ``head`` (the head of
sales watches the team's week and the indicators; a manager's own week is lighter). Per page:
``--warmup`` seconds untimed, then ``--seconds`` of closed-loop requests (each client sends the
next request as soon as the last one answered). ``/healthz`` under the same server and client is
the raw limit: ``vs_healthz`` is the page's rps over it. A page that answers 404 (not built yet)
is reported ``"missing": true`` with null figures. ``--pages card_threads`` (not measured by
default) is the card's panel of the newest threads, which the card loads after itself: what a
card costs in all is ``card`` plus it.

Progress goes to stderr; the last line of stdout is one JSON object:
``{"pages": {"counterparties": {"rps", "p50_ms", "p95_ms", ...}, "card": ..., "calendar_week":
..., "managers": ...}, "healthz": ..., "target_p95_ms": 150, ...}`` with the client's own CPU
(``client_cpu_cores``: if it nears one core the client, not the server, is the limit), the
server's (``server_cpu_cores``, and ``server_cpu_ms_per_request``: the worker's cost of a page,
which moves less than rps when other work shares the machine; the database's is not in it), and
the load average before and after each page, ``machine`` (the CPU, the interpreter and
:func:`bench.machine.reference_ms`, a fixed pure-Python workload's time: machines of one kind
differ); on PostgreSQL also the database backends' CPU
(``db_cpu_ms_per_request``, ``db_cpu_cores``: the server runs on this machine).

The closed loop makes p95 about ``clients / rps`` (plus the spread): 20 clients under 150 ms ask
for some 150 answers a second per page: on two cores shared by the workers, the database and the
load generator, a few milliseconds of CPU per request in all. On a machine others share, rps and
p95 follow the CPU the server is given; what a page costs is ``python -m bench.web_profile``'s
in-process CPU per request (on the database kept here), which moves far less.

Two runs started together take turns to build the kept database (a lock in its directory): the
second reuses what the first built.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, CreateTable

import letterpress.crm.model  # noqa: F401 - registers every table
from bench import web_data
from bench.machine import describe
from bench.scratch import fresh_postgres_database
from bench.web_client import PageSpec, measure_pages
from bench.web_server import DatabaseCpu, running_server
from letterpress.config import Settings, load_settings
from letterpress.db.base import Base
from letterpress.db.session import make_engine
from letterpress.testing.database import stamp_head
from letterpress.web.server import THREADS, workers_for

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / "var" / "bench-web"
CACHE_DB = "lp_bench_web"
DATA_VERSION = 1
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PAGES = ("counterparties", "card", "calendar_week", "managers")
# Not measured unless asked for: the card's panel of the newest threads, which the card loads
# after itself (what a card costs in all is "card" plus this).
EXTRA_PAGES = ("card_threads",)
TARGET_P95_MS = 150.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the database, built or reused ---------------------------------------------------------


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted([ROOT / "bench" / "web_data.py", ROOT / "bench" / "web_bulk.py",
                        *(ROOT / "src" / "letterpress" / "demo").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _schema_digest(engine: Engine) -> str:
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=engine.dialect)).encode())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            digest.update(str(CreateIndex(index).compile(dialect=engine.dialect)).encode())
    return digest.hexdigest()[:16]


def cache_key(engine: Engine, sizes: web_data.Sizes, today: dt.date) -> dict[str, Any]:
    year, week, _ = today.isocalendar()
    return {"version": DATA_VERSION, "sizes": dataclasses.asdict(sizes),
            "week": f"{year}-W{week:02d}", "month": f"{today:%Y-%m}",
            "sources": _sources_digest(), "schema": _schema_digest(engine)}


def _settings(data_dir: Path, db_url: str) -> Settings:
    return load_settings(data_dir=data_dir, environ={"LETTERPRESS_DATABASE_URL": db_url})


def _build(db_url: str, data_dir: Path, sizes: web_data.Sizes, today: dt.date) -> dict[str, Any]:
    engine = make_engine(db_url)
    try:
        Base.metadata.create_all(engine)  # the models' schema (new indexes included)
        stamp_head(engine)
        built = web_data.build(engine, _settings(data_dir, db_url), sizes, today, log)
    finally:
        engine.dispose()
    return {"large_counterparty_id": built.large_counterparty_id, "large": built.large,
            "counts": built.counts, "build_seconds": built.seconds}


def _pg_admin(server: str) -> str:
    return make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_comment(server: str) -> str | None:
    with psycopg.connect(_pg_admin(server), autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (CACHE_DB,)).fetchone()
    return None if row is None else (row[0] or "")


@contextmanager
def database(args: argparse.Namespace, sizes: web_data.Sizes,
             today: dt.date) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(database URL, data directory, facts about the data) for this run."""
    if not args.no_cache:
        yield _cached(args, sizes, today)
        return
    with tempfile.TemporaryDirectory(prefix="lp-bench-web-") as tmp:
        data_dir = Path(tmp)
        if args.sqlite:
            url = f"sqlite:///{data_dir / 'letterpress.db'}"
            yield url, data_dir, {**_build(url, data_dir, sizes, today), "cached": False,
                                  "kept": False}
            return
        with fresh_postgres_database(args.server, prefix="lp_bench_web") as url:
            yield url, data_dir, {**_build(url, data_dir, sizes, today), "cached": False,
                                  "kept": False}


@contextmanager
def _build_lock(data_dir: Path) -> Iterator[None]:
    """Held while a run decides whether to reuse the kept database and builds it: two runs
    started together (several people benchmark on one machine) would otherwise drop each
    other's half-built database. The second waits and then reuses the first's."""
    with (data_dir / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _cached(args: argparse.Namespace, sizes: web_data.Sizes,
            today: dt.date) -> tuple[str, Path, dict[str, Any]]:
    """The kept database: reused when its key matches (on PostgreSQL the key is also in the
    database's COMMENT, so a database rebuilt or dropped by hand is noticed), else rebuilt."""
    kind = "sqlite" if args.sqlite else "postgresql"
    data_dir = CACHE_DIR / kind
    data_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(data_dir):
        return _reuse_or_build(args, sizes, today, kind, data_dir)


def _reuse_or_build(args: argparse.Namespace, sizes: web_data.Sizes, today: dt.date, kind: str,
                    data_dir: Path) -> tuple[str, Path, dict[str, Any]]:
    if args.sqlite:
        url = f"sqlite:///{data_dir / 'letterpress.db'}"
    else:
        url = make_url(args.server).set(drivername="postgresql+psycopg", database=CACHE_DB) \
            .render_as_string(hide_password=False)
    probe = make_engine(url if args.sqlite else args.server)
    key = cache_key(probe, sizes, today)
    probe.dispose()
    marker = json.dumps(key, sort_keys=True)
    facts_file = data_dir / "bench-key.json"
    stored = json.loads(facts_file.read_text()) if facts_file.exists() else None
    in_place = (data_dir / "letterpress.db").exists() if args.sqlite \
        else _pg_comment(args.server) == marker
    if not args.fresh and stored is not None and stored.get("key") == key and in_place:
        log(f"reusing the cached {kind} database (key {key['week']}, {key['sources']})")
        return url, data_dir, {**stored["facts"], "cached": True, "kept": True}
    if args.reuse and stored is not None and in_place:
        log(f"--reuse: the kept {kind} database although its key differs "
            f"({stored['key'].get('sources')}/{stored['key'].get('schema')} built, "
            f"{key['sources']}/{key['schema']} now)")
        return url, data_dir, {**stored["facts"], "cached": True, "kept": True,
                               "key_mismatch": stored.get("key") != key}
    log(f"building the {kind} database (a minute or more; it is kept for later runs)")
    facts_file.unlink(missing_ok=True)
    for name in ("letterpress.db", "letterpress.db-wal", "letterpress.db-shm"):
        (data_dir / name).unlink(missing_ok=True)
    if not args.sqlite:
        with psycopg.connect(_pg_admin(args.server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{CACHE_DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{CACHE_DB}"')
    facts = _build(url, data_dir, sizes, today)
    if not args.sqlite:
        with psycopg.connect(_pg_admin(args.server), autocommit=True) as admin:
            admin.execute(f'COMMENT ON DATABASE "{CACHE_DB}" IS '
                          + "'" + marker.replace("'", "''") + "'")
    facts_file.write_text(json.dumps({"key": key, "facts": facts}, ensure_ascii=False))
    return url, data_dir, {**facts, "cached": False, "kept": True}


# --- the run -------------------------------------------------------------------------------


def page_specs(large: int, names: list[str]) -> list[PageSpec]:
    managers = tuple(f"manager{i}" for i in range(1, 7))
    every = {
        "counterparties": PageSpec("counterparties", "/counterparties/", managers),
        "card": PageSpec("card", f"/counterparties/{large}", managers),
        "card_threads": PageSpec("card_threads", f"/counterparties/{large}/threads", managers),
        "calendar_week": PageSpec("calendar_week", "/calendar/week", ("head",)),
        "managers": PageSpec("managers", "/analytics/managers", ("head",)),
    }
    return [every[name] for name in names]


def _workers(value: str) -> int | str:
    if value == "auto":
        return value
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("a positive number or auto")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="timed seconds per page")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds per page")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"comma-separated, of {', '.join(PAGES + EXTRA_PAGES)}")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--server", default=os.environ.get("LETTERPRESS_TEST_DATABASE_URL")
                        or PG_DEFAULT, help="the PostgreSQL server (any database on it)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    parser.add_argument("--reuse", action="store_true",
                        help="use the kept database even if the sources or schema moved on")
    parser.add_argument("--no-cache", action="store_true",
                        help="build into a scratch database and drop it at the end")
    parser.add_argument("--workers", type=_workers, default="auto",
                        help="web.workers of `letterpress serve`: a number or auto (default)")
    parser.add_argument("--counterparties", type=int, default=web_data.Sizes.counterparties)
    parser.add_argument("--letters", type=int, default=web_data.Sizes.letters)
    parser.add_argument("--large-letters", type=int, default=web_data.Sizes.large_letters)
    parser.add_argument("--demo-scale", type=float, default=web_data.Sizes.demo_scale,
                        help=argparse.SUPPRESS)
    parser.add_argument("--no-demo-mail", action="store_true",
                        help="build the demo without its mail step (faster; for smoke tests)")
    args = parser.parse_args(argv)
    if args.fresh and args.reuse:
        parser.error("--fresh and --reuse exclude each other")
    unknown = set(args.pages.split(",")) - set(PAGES + EXTRA_PAGES)
    if unknown:
        parser.error(f"--pages: unknown {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    large_events = web_data.Sizes.large_events if args.large_letters >= 1000 else 50
    large_orders = web_data.Sizes.large_orders if args.large_letters >= 1000 else 20
    sizes = web_data.Sizes(counterparties=args.counterparties, letters=args.letters,
                           large_letters=args.large_letters, large_events=large_events,
                           large_orders=large_orders, demo_scale=args.demo_scale,
                           demo_mail=not args.no_demo_mail)
    today = dt.datetime.now(load_settings(environ={}).company.tz).date()
    machine = describe()
    with database(args, sizes, today) as (url, data_dir, facts):
        log(f"data: {json.dumps(facts, ensure_ascii=False)}")
        specs = page_specs(facts["large_counterparty_id"], args.pages.split(","))
        backends = None if args.sqlite else DatabaseCpu(
            _pg_admin(args.server), make_url(url).database or CACHE_DB)
        with running_server(url, data_dir, args.workers, log) as server:
            results = measure_pages(server, specs, clients=args.clients, seconds=args.seconds,
                                    warmup=args.warmup, log=log, database=backends)
    pages = {spec.name: results["pages"][spec.name] for spec in specs}
    raw = results["healthz"]
    for figures in pages.values():
        if figures.get("rps") and raw.get("rps"):
            figures["vs_healthz"] = round(figures["rps"] / raw["rps"], 3)
        if figures.get("p95_ms") is not None:
            figures["meets_target"] = figures["p95_ms"] < TARGET_P95_MS
    for name, figures in [*pages.items(), ("healthz", raw)]:
        if figures.get("missing"):
            log(f"{name:15s} missing ({figures.get('status')})")
        else:
            log(f"{name:15s} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f} ms  "
                f"p95 {figures['p95_ms']:7.1f} ms  errors {figures['errors']}")
    out = {"pages": pages, "healthz": raw, "target_p95_ms": TARGET_P95_MS,
           "clients": args.clients, "seconds": args.seconds,
           "database": "sqlite" if args.sqlite else "postgresql",
           "server": {"command": server.command, "workers": workers_for(args.workers),
                      "threads": THREADS},
           "client_cpu_cores": results["client_cpu_cores"],
           "cpu_count": os.cpu_count(), "machine": machine, "data": facts}
    if results["client_cpu_cores"] > 0.5:
        out["note"] = ("the load generator used more than half a core: on this machine it "
                       "competes with the server")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
