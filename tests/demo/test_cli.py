"""``letterpress demo`` end to end: migrations, the build, the marker, rebuilding, refusing."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from letterpress.cli import main
from letterpress.commands import demo as demo_command
from letterpress.config import Settings
from letterpress.demo import LOGINS
from letterpress.demo.datadir import MARKER
from letterpress.testing.database import PostgresTestDatabase
from tests.conftest import require_service

ENV = ("LETTERPRESS_DATABASE_URL", "LETTERPRESS_CONFIG", "LETTERPRESS_DATA_DIR")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./letterpress.toml


def lasting(counts: dict[str, int]) -> dict[str, int]:
    """The counts that do not depend on the second of the build: the live step runs as of that
    moment, so a reminder may fall due or a meeting be held between two builds."""
    return {k: v for k, v in counts.items()
            if k not in {"reminders", "reminders_due", "planned_events"}}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--format" in argv and code == 0 else out), err


def test_demo_builds_rebuilds_and_reports_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "var"
    code, data, err = _run(capsys, "--data-dir", str(data_dir), "demo", "--no-serve",
                           "--format", "json")
    assert code == 0, err
    counts = data["counts"]
    assert counts["users"] == 8 and counts["counterparties"] >= 300
    assert counts["contact_persons"] >= 600 and counts["customer_orders"] >= 1500
    assert data["url"] == "http://127.0.0.1:5000/"
    assert data["logins"] == list(LOGINS) and data["password"] == "demo"
    assert data["rebuilt"] is False and data["serving"] is False and data["seed"] == 1
    assert (data_dir / MARKER).exists() and (data_dir / "letterpress.db").exists()
    # The letters: one mbox per manager and the head, filed through the mail pipeline.
    assert data["mail_dir"] == str(data_dir / "demo-mail")
    assert sorted(p.name for p in (data_dir / "demo-mail").iterdir()) == sorted(
        f"{login}.mbox" for login in LOGINS if login != "admin")
    assert counts["letters"] >= 3000 and counts["letters_filed"] > 0.9 * counts["letters"]
    assert counts["letters_unparsed"] > 0 and counts["contacts_from_mail"] > 0

    code, stats, err = _run(capsys, "--data-dir", str(data_dir), "stats", "--format", "json")
    assert code == 0, err
    for key in ("users", "counterparties", "contact_persons", "events", "tasks", "orders",
                "shipments", "payments", "invoices", "mailboxes", "letters", "letters_unparsed",
                "letters_filed", "letters_unfiled", "contacts_from_mail"):
        assert stats[key] == counts[key], key

    # A second run replaces the previous demo and says so (on stderr: stdout is the JSON).
    code, again, err = _run(capsys, "--data-dir", str(data_dir), "demo", "--no-serve", "--seed",
                            "1", "--host", "0.0.0.0", "--port", "8099", "--format", "json")
    assert code == 0, err
    assert "previous demo" in err and again["rebuilt"] is True
    assert lasting(again["counts"]) == lasting(counts) and again["url"] == "http://0.0.0.0:8099/"


def test_demo_text_output_names_the_logins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "--data-dir", str(tmp_path / "var"), "demo", "--no-serve",
                          "--no-mail", "--port", "5050")
    assert code == 0, err
    assert "http://127.0.0.1:5050/" in out
    assert "admin, head, manager1 ... manager6" in out and "'demo'" in out
    assert "counterparties" in out and "letters" not in out
    assert not (tmp_path / "var" / "demo-mail").exists()


def test_demo_text_output_counts_the_letters() -> None:
    counts = {"letters": 4843, "mailboxes": 7, "letters_filed": 4639, "letters_unfiled": 204,
              "letters_ambiguous": 8, "letters_unparsed": 12, "contacts_from_mail": 62}
    line = demo_command._mail_line(counts)
    assert line == ("  4843 letters in 7 mail archives: 4639 filed, 204 unfiled (8 waiting in "
                    "the ambiguous queue, 12 unparsed); 62 contact persons created from mail.")


def test_demo_refuses_a_data_directory_with_real_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(tmp_path / "var")
    code, _, err = _run(capsys, "--data-dir", data_dir, "user", "add", "alice", "--role", "admin")
    assert code == 0, err
    code, _, err = _run(capsys, "--data-dir", data_dir, "demo", "--no-serve")
    assert code == 1
    assert "already holds data" in err and "1 users" in err
    code, users, err = _run(capsys, "--data-dir", data_dir, "user", "list", "--format", "json")
    assert [u["login"] for u in users] == ["alice"]


def test_demo_serves_after_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web server blocks until stopped, so a stand-in records how it was called."""
    calls: list[tuple[Settings, str, int]] = []
    server = types.ModuleType("letterpress.web.server")
    def serve(settings: Settings, host: str, port: int) -> None:
        calls.append((settings, host, port))

    server.serve = serve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "letterpress.web.server", server)
    code, out, err = _run(capsys, "--data-dir", str(tmp_path / "var"), "demo", "--no-mail",
                          "--port", "5077")
    assert code == 0, err
    assert "Ctrl+C" in out
    [(settings, host, port)] = calls
    assert (host, port) == ("127.0.0.1", 5077) and settings.data_dir == tmp_path / "var"


def test_demo_on_postgresql_replaces_only_a_previous_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    postgres_db: PostgresTestDatabase | None,
) -> None:
    require_service(postgres_db is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
    assert postgres_db is not None
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", postgres_db.schema_url()[0])
    first = tmp_path / "first"
    build = ("--data-dir", str(first), "demo", "--no-serve", "--no-mail", "--format", "json")
    code, data, err = _run(capsys, *build)
    assert code == 0, err
    assert data["database"].startswith("postgresql")
    # Another data directory has no marker for this database: its data is not to be touched.
    code, _, err = _run(capsys, "--data-dir", str(tmp_path / "other"), "demo", "--no-serve",
                        "--no-mail")
    assert code == 1 and "already holds data" in err
    code, again, err = _run(capsys, *build)
    assert code == 0, err
    assert again["rebuilt"] is True and lasting(again["counts"]) == lasting(data["counts"])
