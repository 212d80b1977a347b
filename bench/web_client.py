"""The web benchmark's load: signed-in clients, each a thread with its own keep-alive
``http.client`` connection, sending the next request as soon as the last one answered.

Signing in goes through the real login form (GET for the CSRF token and the session cookie, then
the POST); each client keeps one session cookie per login it needs. The client's own CPU time is
measured per page: a load generator near one core is the bottleneck, not the server.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.web_server import DatabaseCpu, Server

USER_AGENT = "letterpress-bench-web/1"
COOKIE = "letterpress_session"
PASSWORD = "demo"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    logins: tuple[str, ...]  # client i signs in as logins[i % len(logins)]


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    bytes: int = 0


def _cookie(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith(f"{COOKIE}="):
            return value.split(";", 1)[0]
    return None


def sign_in(server: Server, login: str) -> str:
    """The ``letterpress_session=...`` cookie of a fresh session of ``login``."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        conn.request("GET", "/login", headers={"User-Agent": USER_AGENT})
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _cookie(response.getheaders())
        match = _CSRF.search(page)
        if response.status != 200 or cookie is None or match is None:
            raise RuntimeError(f"GET /login: {response.status}, no form or cookie")
        body = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2),
                                       "login": login, "password": PASSWORD, "next": ""})
        conn.request("POST", "/login", body=body, headers={
            "User-Agent": USER_AGENT, "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        signed = _cookie(response.getheaders())
        if response.status != 302 or signed is None:
            raise RuntimeError(f"POST /login as {login}: {response.status}")
        return signed
    finally:
        conn.close()


class _Client:
    def __init__(self, server: Server, cookies: dict[str, str]) -> None:
        self.server = server
        self.cookies = cookies
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=120)

    def get(self, path: str, login: str | None) -> tuple[int, int]:
        headers = {"User-Agent": USER_AGENT}
        if login is not None:
            headers["Cookie"] = self.cookies[login]
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                return response.status, len(body)
            except (http.client.HTTPException, OSError):
                self.conn.close()  # the server closed a kept-alive connection: reconnect once
                self.conn = http.client.HTTPConnection(self.server.host, self.server.port,
                                                       timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _run(clients: list[_Client], path: str, logins: Sequence[str | None], seconds: float,
         tallies: list[_Tally] | None) -> None:
    stop_at = time.perf_counter() + seconds

    def loop(i: int) -> None:
        client, login = clients[i], logins[i % len(logins)]
        tally = tallies[i] if tallies is not None else None
        while (started := time.perf_counter()) < stop_at:
            try:
                status, size = client.get(path, login)
            except (http.client.HTTPException, OSError):
                if tally is not None:
                    tally.errors += 1
                continue
            elapsed = time.perf_counter() - started
            if tally is not None:
                tally.latencies.append(elapsed)
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                tally.bytes += size
                if status != 200:
                    tally.errors += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _figures(tallies: list[_Tally], seconds: float) -> dict[str, Any]:
    latencies = [x for t in tallies for x in t.latencies]
    statuses: dict[int, int] = {}
    for t in tallies:
        for status, n in t.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    ok = statuses.get(200, 0)
    return {
        "rps": round(ok / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(_p(latencies, 0.95) * 1000, 1) if latencies else None,
        "p99_ms": round(_p(latencies, 0.99) * 1000, 1) if latencies else None,
        "requests": len(latencies), "errors": sum(t.errors for t in tallies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "kb_per_page": round(sum(t.bytes for t in tallies) / max(1, len(latencies)) / 1024, 1),
    }


def measure_pages(server: Server, specs: Sequence[PageSpec], *, clients: int, seconds: float,
                  warmup: float, log: Callable[[str], None],
                  database: DatabaseCpu | None = None) -> dict[str, Any]:
    """Each page in turn, then ``/healthz``; ``database``: the PostgreSQL backends whose CPU
    per request is reported too."""
    logins = sorted({login for spec in specs for login in spec.logins})
    log(f"signing in {clients} clients as {', '.join(logins)}")
    pool = []
    for i in range(clients):
        needed = {spec.logins[i % len(spec.logins)] for spec in specs if spec.logins}
        pool.append(_Client(server, {login: sign_in(server, login) for login in sorted(needed)}))
    pages: dict[str, Any] = {}
    client_cpu = 0.0
    for spec in [*specs, PageSpec("healthz", "/healthz", ())]:
        login_of: Sequence[str | None] = [spec.logins[i % len(spec.logins)]
                                          for i in range(clients)] if spec.logins else [None]
        status, _size = pool[0].get(spec.path, login_of[0])
        if status == 404:
            log(f"{spec.name}: {spec.path} answers 404: not built yet, reported as missing")
            pages[spec.name] = {"missing": True, "status": status, "path": spec.path,
                                "rps": None, "p50_ms": None, "p95_ms": None}
            continue
        if status != 200:
            log(f"{spec.name}: {spec.path} answers {status}")
        log(f"{spec.name}: {spec.path}, {warmup:.0f} s warm-up, {seconds:.0f} s timed")
        _run(pool, spec.path, login_of, warmup, None)
        tallies = [_Tally() for _ in pool]
        load_before = os.getloadavg()
        db_before = database.sample() if database is not None else {}
        cpu_before, server_before = time.process_time(), server.cpu_seconds()
        wall = time.perf_counter()
        _run(pool, spec.path, login_of, seconds, tallies)
        wall = time.perf_counter() - wall
        figures = _figures(tallies, wall)
        cpu = (time.process_time() - cpu_before) / wall
        client_cpu = max(client_cpu, cpu)
        server_cpu = server.cpu_seconds() - server_before
        if database is not None:
            db_cpu = DatabaseCpu.between(db_before, database.sample())
            figures["db_cpu_ms_per_request"] = round(db_cpu * 1000 / max(1, figures["requests"]),
                                                     1)
            figures["db_cpu_cores"] = round(db_cpu / wall, 2)
        figures.update(path=spec.path, logins=list(spec.logins),
                       client_cpu_cores=round(cpu, 2),
                       server_cpu_cores=round(server_cpu / wall, 2),
                       # the worker's CPU per answered request: steadier than rps on a busy
                       # machine (what the database spends is not in it)
                       server_cpu_ms_per_request=round(
                           server_cpu * 1000 / max(1, figures["requests"]), 1),
                       loadavg_1m_before_after=[round(load_before[0], 2),
                                                round(os.getloadavg()[0], 2)])
        if status != 200:
            figures["first_status"] = status
        pages[spec.name] = figures
    for client in pool:
        client.conn.close()
    return {"pages": {k: v for k, v in pages.items() if k != "healthz"},
            "healthz": pages["healthz"], "client_cpu_cores": round(client_cpu, 2)}
