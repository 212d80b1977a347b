"""``letterpress report`` and ``letterpress analytics run`` end to end, on both databases."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from letterpress.cli import main
from letterpress.db.session import session_factory
from letterpress.testing.database import fresh_engine
from tests.crm.analytics.builders import Ledger

PERIOD = ("--period", "2025-01..2025-12", "--today", "2026-01-10")


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in ("LETTERPRESS_CONFIG", "LETTERPRESS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", db_url)
    with fresh_engine(db_url) as engine, session_factory(engine)() as session:
        ledger = Ledger(session)
        ledger.user("admin", role="admin")
        ledger.user("head", role="head")
        m1 = ledger.user("m1", supervisor="head")
        m2 = ledger.user("m2")
        for external_id, manager, amounts in (("A", m1, [700]), ("B", m2, [200, 50]),
                                              ("C", m1, [100])):
            cp = ledger.customer(external_id, manager=manager)
            for n, amount in enumerate(amounts):
                ledger.ship(cp, f"2025-{n + 3:02d}", amount)
        session.commit()
    return db_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "json" in argv and code == 0 else out), err


def test_report_json_rows(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = _run(capsys, "report", "abc", *PERIOD, "--format", "json")
    assert code == 0, err
    assert [(r["counterparty"], r["class"], r["value"]) for r in rows] == [
        ("A", "A", 700.0), ("B", "A", 250.0), ("C", "B", 100.0)]  # of 1050: 66.7 %, 90.5 % above
    for key in ("counterparty", "value", "share", "cumulative_share", "class"):
        assert key in rows[0]
    code, rows, err = _run(capsys, "report", "stages", *PERIOD, "--format", "json")
    assert code == 0, err
    assert {r["counterparty"]: r["stage"] for r in rows} == {
        "A": "lost", "B": "lost", "C": "lost"}  # nothing since April: lost by October
    code, rows, err = _run(capsys, "report", "xyz", "--period", "2025-03..2025-04",
                           "--today", "2025-05-02", "--with-abc", "--format", "json")
    assert code == 0, err
    assert rows == [{"counterparty": "B", "name": "Company B", "manager": "m2", "cv": 0.6,
                     "class": "Y", "mean": 125.0, "total": 250.0, "buckets": 2, "abc": "A"}]
    code, rows, err = _run(capsys, "report", "managers", *PERIOD, "--format", "json")
    assert code == 0, err
    assert {r["manager"]: r["revenue"] for r in rows} == {"head": 0.0, "m1": 800.0, "m2": 250.0}
    code, data, err = _run(capsys, "report", "abc", *PERIOD, "--format", "json", "--meta")
    assert code == 0 and data["settings"]["abc_a_percent"] == 80.0 and len(data["rows"]) == 3


def test_as_restricts_what_a_user_sees(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    def seen(login: str, name: str = "abc") -> set[str]:
        code, rows, err = _run(capsys, "report", name, *PERIOD, "--as", login, "--format", "json")
        assert code == 0, err
        return {r["counterparty" if name != "managers" else "manager"] for r in rows}

    assert seen("m1") == {"A", "C"}
    assert seen("m2") == {"B"}
    assert seen("head") == {"A", "C"}
    assert seen("admin") == {"A", "B", "C"}
    assert seen("m1", "managers") == {"m1"}
    assert seen("head", "managers") == {"head", "m1"}
    code, _, err = _run(capsys, "report", "abc", *PERIOD, "--as", "m1", "--manager", "m2",
                        "--format", "json")
    assert code == 1 and "may not see" in err
    code, _, err = _run(capsys, "report", "abc", *PERIOD, "--as", "nobody", "--format", "json")
    assert code == 1 and "nobody" in err
    code, _, err = _run(capsys, "report", "abc", "--period", "2025-13", "--format", "json")
    assert code == 1 and "period" in err


def test_other_formats_and_the_run(cli_db: str, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path) -> None:
    code, out, err = _run(capsys, "report", "abc", *PERIOD)
    assert code == 0, err
    assert "settings: abc_a_percent=80.0" in out and "(3 rows)" in out
    code, out, err = _run(capsys, "report", "abc", *PERIOD, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("counterparty,name,manager,value")
    assert "abc_b_percent=95.0" in err
    target = tmp_path / "abc.xlsx"
    code, _, err = _run(capsys, "report", "abc", *PERIOD, "--format", "xlsx", "--output",
                        str(target))
    assert code == 0, err
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert [c.value for c in book["abc"][1]][:4] == ["counterparty", "name", "manager", "value"]
    assert book["abc"].max_row == 4 and book["settings"]["A2"].value == "period"
    code, figures, err = _run(capsys, "analytics", "run", *PERIOD, "--format", "json")
    assert code == 0, err
    assert figures["abc_rows"] == 3 and figures["period"] == "2025-01..2025-12"
    code, rows, err = _run(capsys, "report", "abc", "--period", "2025", "--today", "2026-01-10",
                           "--history", "--format", "json")
    assert code == 0 and {r["movement"] for r in rows} == {"new"}
    code, rows, err = _run(capsys, "report", "managers", *PERIOD, "--manager", "m1", "--drill",
                           "revenue", "--format", "json")
    assert code == 0, err
    assert sorted(r["revenue"] for r in rows) == [100.0, 700.0]
