"""The web benchmark's server: ``letterpress serve`` as a subprocess on a free loopback port,
with ``web.workers`` set through a config file of its own, and its CPU time read from ``/proc``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from letterpress.testing.serve import free_port

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    command: str
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        total = 0.0
        for pid in [self.pid, *_children(self.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            total += (int(fields[11]) + int(fields[12])) / TICKS
        return total


def _process_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends connected to one database, read from ``/proc``
    (the server runs on this machine): :meth:`sample` before and after, :meth:`between`."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = admin_url
        self.database = database

    def sample(self) -> dict[int, float]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            pids = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,))]
        found = {pid: _process_cpu(pid) for pid in pids}
        return {pid: cpu for pid, cpu in found.items() if cpu is not None}

    @staticmethod
    def between(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU spent in between by the backends alive at the end (a backend that left in
        between is not counted; the pool keeps its connections under load)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except FileNotFoundError:
            continue
    return found


@contextmanager
def running_server(db_url: str, data_dir: Path, workers: int | str,
                   log: Callable[[str], None]) -> Iterator[Server]:
    """``letterpress serve`` with ``web.workers = workers`` (an int, or "auto")."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("LETTERPRESS_CONFIG",)}
    env.update(LETTERPRESS_DATABASE_URL=db_url, LETTERPRESS_DATA_DIR=str(data_dir))
    config = data_dir / "bench-serve.toml"
    setting = f'"{workers}"' if isinstance(workers, str) else str(workers)
    config.write_text(f"[web]\nworkers = {setting}\n", encoding="utf-8")
    argv = [sys.executable, "-m", "letterpress", "--config", str(config), "--data-dir",
            str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command = f"letterpress serve (web.workers = {setting})"
    log_path = data_dir / "server.log"
    with log_path.open("wb") as server_log:
        proc = subprocess.Popen(argv, env=env, stdout=server_log, stderr=server_log,
                                stdin=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", proc, log_path)
        log(f"server: {command} on port {port} (pid {proc.pid}, log {log_path})")
        yield Server("127.0.0.1", port, proc.pid, command, log_path)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait(url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n"
                               f"{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 120 s")
