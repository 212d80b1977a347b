"""``letterpress serve`` as a child process, for browser and end-to-end tests.

The server reads its data directory from the command line only: the variables in
:data:`SERVE_ENV_KEYS` are kept out of its environment (and out of the preparation of its data,
see :func:`without_serve_environment`) so that a developer's own settings never leak in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HOST = "127.0.0.1"
SERVE_ENV_KEYS = ("LETTERPRESS_DATABASE_URL", "LETTERPRESS_CONFIG", "LETTERPRESS_DATA_DIR")
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment() -> dict[str, str]:
    """This process's environment without :data:`SERVE_ENV_KEYS`."""
    return {k: v for k, v in os.environ.items() if k not in SERVE_ENV_KEYS}


@contextmanager
def without_serve_environment() -> Iterator[None]:
    """Remove :data:`SERVE_ENV_KEYS` from this process's environment for the block."""
    saved = {k: os.environ.pop(k) for k in SERVE_ENV_KEYS if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextmanager
def serving(data_dir: Path, root: Path) -> Iterator[str]:
    """Run ``letterpress --data-dir DATA_DIR serve`` on a free loopback port until the block ends;
    yields its base URL once ``/healthz`` answers. Its output goes to ``root/serve.log``, which a
    failure to start quotes."""
    port = free_port()
    log = root / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "letterpress", "--data-dir", str(data_dir), "serve",
             "--host", HOST, "--port", str(port)],
            cwd=root, env=clean_environment(), stdout=err, stderr=err, stdin=subprocess.DEVNULL,
        )
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                        if response.status == 200:
                            break
                except (OSError, urllib.error.URLError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"letterpress serve did not start:\n{log.read_text()}")
                time.sleep(0.25)
            yield base
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
