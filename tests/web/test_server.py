"""``letterpress serve`` under gunicorn for real, and the WSGI module for other servers."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from letterpress.cli import main
from letterpress.testing.serve import free_port
from letterpress.web.server import MAX_AUTO_WORKERS, MIN_AUTO_WORKERS, workers_for


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read().decode()


@pytest.mark.slow
def test_serve_migrates_then_answers_and_logs_to_stderr(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("LETTERPRESS_DATABASE_URL", "LETTERPRESS_CONFIG", "LETTERPRESS_DATA_DIR")}
    log = tmp_path / "stderr.log"
    out = tmp_path / "stdout.log"
    with log.open("wb") as err_file, out.open("wb") as out_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "letterpress", "--data-dir", str(tmp_path / "data"),
             "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out_file, stderr=err_file, stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, _headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"the server did not start:\n{log.read_text()}")
                    time.sleep(0.2)
            assert (status, body) == (200, "ok\n")
            status, headers, body = _get(f"http://127.0.0.1:{port}/login")
            assert status == 200 and "Вход" in body
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            status, _headers, _body = _get(f"http://127.0.0.1:{port}/counterparties/")
            assert status == 200  # urllib followed the redirect to the sign-in page
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    stderr = log.read_text()
    assert "Listening at: http://127.0.0.1:" in stderr
    assert "GET /healthz" in stderr  # the access log
    assert stderr.count("Booting worker with pid") >= MIN_AUTO_WORKERS  # web.workers = "auto"
    assert out.read_text() == ""
    assert (tmp_path / "data" / "letterpress.db").exists()
    assert (tmp_path / "data" / "web-secret-key").exists()


def test_workers_setting_resolves_auto_by_cores() -> None:
    assert workers_for(3, cpu_count=2) == 3
    assert workers_for(1, cpu_count=8) == 1
    assert workers_for("auto", cpu_count=2) == 2
    assert workers_for(0, cpu_count=4) == 4
    assert workers_for("auto", cpu_count=1) == MIN_AUTO_WORKERS
    assert workers_for("auto", cpu_count=64) == MAX_AUTO_WORKERS
    assert workers_for(12, cpu_count=64) == 12  # an explicit number is taken as it is
    assert workers_for("auto") >= MIN_AUTO_WORKERS


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "70000"])
    assert exc.value.code == 2
    assert "65535" in capsys.readouterr().err


def test_wsgi_module_builds_the_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LETTERPRESS_CONFIG", raising=False)
    monkeypatch.delenv("LETTERPRESS_DATABASE_URL", raising=False)
    monkeypatch.setenv("LETTERPRESS_DATA_DIR", str(tmp_path / "data"))
    sys.modules.pop("letterpress.web.wsgi", None)
    try:
        module = importlib.import_module("letterpress.web.wsgi")
        assert isinstance(module.app, Flask)
        response = module.app.test_client().get("/healthz")
        assert response.status_code == 200
        module.app.extensions["letterpress"].engine.dispose()
    finally:
        sys.modules.pop("letterpress.web.wsgi", None)
