"""CalDAV benchmark: Letterpress against Radicale, the same workload, in one run.

    python -m bench.dav [--events 5000] [--puts 100] [--db-url URL]

Each server gets a calendar already holding ``--events`` events spread over 2025 (ours: CRM
events of one user, written through the ORM and then made into the «События» calendar on first
use; Radicale: .ics files written straight into its storage folder, its item cache warmed by one
listing before timing). Both run as subprocesses on loopback ports: ours under gunicorn as
``letterpress serve`` runs it (one worker, four threads, SQLite by default), Radicale 3 with no
authentication. The client is ``requests`` with keep-alive, the same code for both. Timed:

* ``put``: ``--puts`` PUTs of new events (``If-None-Match: *``), total ms;
* ``query_month``: a calendar-query for June 2025 (time-range, getetag + calendar-data), median
  of 20 (``query_month_cold``, reported apart: the first one, before server caches are warm);
* ``sync_after_10``: sync-collection from a token taken before 10 changes, median of 5 rounds;
* ``propfind``: PROPFIND Depth 1 (getetag, getcontenttype) of the whole calendar, median of 5.

Progress goes to stderr; each figure is printed for both, and the last stdout line is JSON:
``{"ops": {"put": {"letterpress_ms", "radicale_ms", "ratio"}, ...}}`` (ratio = ours / theirs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from letterpress.testing.serve import free_port

UTC = dt.UTC
YEAR = dt.datetime(2025, 1, 1, 8, tzinfo=UTC)
QUERY = ('<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" '
         'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
         '</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
         '<c:time-range start="20250601T000000Z" end="20250701T000000Z"/></c:comp-filter>'
         "</c:comp-filter></c:filter></c:calendar-query>")
SYNC = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
        "<d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>")
PROPFIND = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>'
            "<d:getetag/><d:getcontenttype/></d:prop></d:propfind>")
LOGIN = "bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def event_start(i: int, total: int) -> dt.datetime:
    minutes = (i * 525_600 // total) // 15 * 15  # spread over the year, on quarter hours
    return YEAR + dt.timedelta(minutes=minutes)


def ics(uid: str, start: dt.datetime, summary: str) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:{start.strftime(fmt)}\r\n"
            f"DTEND:{(start + dt.timedelta(hours=1)).strftime(fmt)}\r\nSUMMARY:{summary}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def wait_for(url: str, auth: Any, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            requests.request("PROPFIND", url, auth=auth, headers={"Depth": "0"}, timeout=600)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


# --- Letterpress ---------------------------------------------------------------------------


def prepare_letterpress(root: Path, db_url: str | None, events: int) -> tuple[str, str]:
    """A database with one user, an app password and ``events`` planned CRM events."""
    from letterpress.crm.apppasswords import create_app_password
    from letterpress.crm.calendar_feed import ensure_collections
    from letterpress.crm.model import Event
    from letterpress.db.base import Base
    from letterpress.db.session import make_engine, session_factory
    from letterpress.testing.database import stamp_head
    from letterpress.testing.factories import make_user

    url = db_url or f"sqlite:///{root / 'letterpress.db'}"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    stamp_head(engine)
    with session_factory(engine)() as session:
        user = make_user(session, LOGIN, email="bench@print.example")
        _row, password = create_app_password(session, LOGIN, "bench")
        session.add_all(Event(
            kind="meeting", state="planned", start_at=event_start(i, events),
            end_at=event_start(i, events) + dt.timedelta(hours=1), author_id=user.id,
            responsible_id=user.id, subject=f"Meeting {i}", content="", location="",
            uid=f"seed-{i}@bench", sequence=0) for i in range(events))
        session.flush()
        ensure_collections(session, user.id)
        session.commit()
    engine.dispose()
    return url, password


def serve_letterpress(db_url: str, port: int) -> None:
    """Run in the server subprocess: the DAV app under gunicorn, as `letterpress serve` does."""
    import logging

    from gunicorn.app.base import BaseApplication

    from letterpress.config import load_settings
    from letterpress.dav.app import create_dav_app, mount
    from letterpress.db.session import make_engine
    from letterpress.testing.davserver import placeholder_app

    logging.basicConfig(level=logging.WARNING)
    settings = load_settings(environ={"LETTERPRESS_DATABASE_URL": db_url})

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {"bind": [f"127.0.0.1:{port}"], "workers": 1,
                               "worker_class": "gthread", "threads": 4, "accesslog": None,
                               "errorlog": "-", "loglevel": "warning",
                               "control_socket_disable": True}.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return mount(placeholder_app, create_dav_app(settings, make_engine(settings.db_url)))

    Server().run()


# --- Radicale ------------------------------------------------------------------------------


def prepare_radicale(root: Path, events: int) -> Path:
    storage = root / "radicale"
    calendar = storage / "collection-root" / LOGIN / "events"
    calendar.mkdir(parents=True)
    (calendar / ".Radicale.props").write_text(
        json.dumps({"tag": "VCALENDAR", "D:displayname": "events",
                    "C:supported-calendar-component-set": "VEVENT"}), encoding="utf-8")
    for i in range(events):
        (calendar / f"seed-{i}.ics").write_text(
            ics(f"seed-{i}@bench", event_start(i, events), f"Meeting {i}"), encoding="utf-8")
    return storage


def start_radicale(storage: Path, port: int) -> subprocess.Popen[bytes]:
    config = storage.parent / "radicale.conf"
    config.write_text(f"""[server]
hosts = 127.0.0.1:{port}
[auth]
type = none
[storage]
filesystem_folder = {storage}
[logging]
level = warning
""", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- the workload --------------------------------------------------------------------------


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def workload(name: str, calendar_url: str, auth: Any, puts: int) -> dict[str, float]:
    http = requests.Session()
    http.auth = auth

    def call(method: str, url: str, body: str = "", **headers: str) -> requests.Response:
        response = http.request(method, url, data=body.encode("utf-8"), headers=headers,
                                timeout=300)
        if response.status_code >= 400:
            raise RuntimeError(f"{name}: {method} {url} -> {response.status_code}: "
                               f"{response.text[:300]}")
        return response

    log(f"{name}: warming up")
    call("PROPFIND", calendar_url, PROPFIND, Depth="1")
    results: dict[str, float] = {}
    # The first month query, before any cache of the server's is warm (reported, not compared).
    results["query_month_cold"] = timed(lambda: call("REPORT", calendar_url, QUERY, Depth="1"))

    def put_all() -> None:
        for i in range(puts):
            start = dt.datetime(2025, 6, 1 + i % 28, 7, tzinfo=UTC)
            call("PUT", f"{calendar_url}new-{i}.ics", ics(f"new-{i}@bench", start, f"New {i}"),
                 **{"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})

    results["put"] = timed(put_all)
    log(f"{name}: {puts} PUTs in {results['put']:.0f} ms")

    hits = len(re.findall(r"<[A-Za-z0-9]*:?response>", call("REPORT", calendar_url, QUERY,
                                                            Depth="1").text))
    results["query_month"] = statistics.median(
        timed(lambda: call("REPORT", calendar_url, QUERY, Depth="1")) for _ in range(20))
    log(f"{name}: month query ({hits} hits) median {results['query_month']:.1f} ms")

    rounds = []
    for r in range(5):
        first = call("REPORT", calendar_url, SYNC.format(""), Depth="0").text
        token = re.search(r"sync-token>([^<]+)<", first)
        if token is None:
            raise RuntimeError(f"{name}: no sync token")
        for i in range(10):
            start = dt.datetime(2025, 6, 1 + i, 7, tzinfo=UTC)
            call("PUT", f"{calendar_url}new-{i}.ics",
                 ics(f"new-{i}@bench", start, f"Changed {r}-{i}"),
                 **{"Content-Type": "text/calendar; charset=utf-8"})
        body = SYNC.format(token.group(1))
        rounds.append(timed(lambda body=body: call("REPORT", calendar_url, body, Depth="0")))
    results["sync_after_10"] = statistics.median(rounds)
    log(f"{name}: sync after 10 changes median {results['sync_after_10']:.1f} ms")

    results["propfind"] = statistics.median(
        timed(lambda: call("PROPFIND", calendar_url, PROPFIND, Depth="1")) for _ in range(5))
    log(f"{name}: PROPFIND Depth 1 median {results['propfind']:.1f} ms")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--puts", type=int, default=100)
    parser.add_argument("--db-url", help="PostgreSQL URL for Letterpress (default: SQLite)")
    parser.add_argument("--serve-letterpress", nargs=2, metavar=("DB_URL", "PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_letterpress:
        serve_letterpress(args.serve_letterpress[0], int(args.serve_letterpress[1]))
        return 0

    root = Path(tempfile.mkdtemp(prefix="lp-bench-dav-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        log(f"filling Letterpress with {args.events} events")
        db_url, password = prepare_letterpress(root, args.db_url, args.events)
        port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(Path(__file__).resolve().parents[1])] + sys.path))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "bench.dav", "--serve-letterpress", db_url, str(port)],
            env=env))
        ours_url = f"http://127.0.0.1:{port}/dav/calendars/{LOGIN}/events/"
        wait_for(ours_url, (LOGIN, password), procs[-1])

        log(f"filling Radicale with {args.events} events")
        storage = prepare_radicale(root, args.events)
        rport = free_port()
        procs.append(start_radicale(storage, rport))
        theirs_url = f"http://127.0.0.1:{rport}/{LOGIN}/events/"
        wait_for(theirs_url, (LOGIN, "x"), procs[-1])

        ours = workload("letterpress", ours_url, (LOGIN, password), args.puts)
        theirs = workload("radicale", theirs_url, (LOGIN, "x"), args.puts)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)

    ops = {}
    for op in ("put", "query_month", "sync_after_10", "propfind"):
        ratio = ours[op] / theirs[op] if theirs[op] else float("inf")
        ops[op] = {"letterpress_ms": round(ours[op], 1), "radicale_ms": round(theirs[op], 1),
                   "ratio": round(ratio, 3)}
        print(f"{op:15s} letterpress {ours[op]:9.1f} ms   radicale {theirs[op]:9.1f} ms   "
              f"ratio {ratio:.3f}")
    cold = {"letterpress_ms": round(ours["query_month_cold"], 1),
            "radicale_ms": round(theirs["query_month_cold"], 1)}
    print(json.dumps({"ops": ops, "query_month_cold": cold, "events": args.events,
                      "puts": args.puts,
                      "database": "postgresql" if args.db_url else "sqlite"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
