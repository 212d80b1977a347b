"""The web benchmark's server: ``letterpress serve`` (or gunicorn with more workers) as a
subprocess on a free loopback port, with its CPU time read from ``/proc``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except FileNotFoundError:
            continue
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(db_url: str, data_dir: Path, workers: int,
                   log: Callable[[str], None]) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("LETTERPRESS_CONFIG",)}
    env.update(LETTERPRESS_DATABASE_URL=db_url, LETTERPRESS_DATA_DIR=str(data_dir))
    if workers <= 1:
        argv = [sys.executable, "-m", "letterpress", "--data-dir", str(data_dir), "serve",
                "--host", "127.0.0.1", "--port", str(port)]
        command = "letterpress serve"
    else:
        # The options of letterpress.web.server.serve, with more workers.
        argv = [sys.executable, "-m", "gunicorn", "letterpress.web.wsgi:app",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
                "--access-logfile", "-", "--error-logfile", "-"]
        command = f"gunicorn letterpress.web.wsgi:app --workers {workers} (gthread, 4 threads)"
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
