"""``python -m bench.web`` still runs end to end: tiny data, a few seconds of load, its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from letterpress.testing.database import postgres_server_url
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--counterparties", "400", "--letters", "3000", "--large-letters", "300",
        "--demo-scale", "0.1", "--no-demo-mail", "--clients", "3", "--seconds", "1",
        "--warmup", "0.3", "--no-cache"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_web_benchmark_measures_every_page(backend: str) -> None:
    args = ["--sqlite"]
    if backend == "postgres":
        server = postgres_server_url()
        require_service(server is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
        args = ["--server", str(server)]
    env = {k: v for k, v in os.environ.items()
           if k not in ("LETTERPRESS_CONFIG", "LETTERPRESS_DATABASE_URL", "LETTERPRESS_DATA_DIR")}
    done = subprocess.run([sys.executable, "-m", "bench.web", *TINY, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["pages"]) == {"counterparties", "card", "calendar_week", "managers"}
    for name in ("counterparties", "card"):
        page = result["pages"][name]
        assert page["rps"] > 0 and page["errors"] == 0, page
        assert 0 < page["p50_ms"] <= page["p95_ms"], page
    for page in result["pages"].values():  # pages still being built may be missing
        assert page.get("missing") or (page["rps"] > 0 and page["statuses"] == {
            "200": page["requests"]}), page
    assert result["healthz"]["rps"] > 0
    assert result["data"]["counts"]["counterparties"] == 400
    assert result["data"]["counts"]["letters"] == 3000
    assert result["data"]["cached"] is False
    assert result["machine"]["reference_ms"] > 0 and result["machine"]["python"]
