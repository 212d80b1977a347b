"""``letterpress import KIND FILE`` as scripts and the ERP integration call it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from letterpress.cli import main
from letterpress.search import create_schema
from letterpress.testing.database import fresh_engine
from tests.crm.erp_import.conftest import COUNTERPARTIES, WriteCsv

Run = Callable[..., tuple[int, str, str]]


def _runner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / "data"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_import_reports_json_and_a_second_run_changes_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], write_csv: WriteCsv,
) -> None:
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", db_url)
    run = _runner(tmp_path, capsys)
    for login in ("manager1", "manager2"):
        assert run("user", "add", login, "--role", "manager")[0] == 0
    with fresh_engine(db_url, create=False) as engine, engine.begin() as connection:
        create_schema(connection)  # a search index, which the import must keep up to date
    rows = [list(r) for r in COUNTERPARTIES] + [["CP-9", "partner", "Bad kind", "", "", "", "",
                                                 "", ""]]
    path = write_csv(rows)
    code, out, err = run("import", "counterparties", str(path), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"created": 3, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 5, "column": "kind",
         "reason": "expected one of customer, supplier, both, person, got 'partner'"}]}
    code, out, err = run("import", "counterparties", str(path), "--progress")
    assert code == 0
    assert "importing" in err  # the progress bar goes to stderr only
    assert out.splitlines() == [
        "counterparties: 0 created, 0 updated, 3 unchanged, 1 rejected",
        "  row 5 kind: expected one of customer, supplier, both, person, got 'partner'",
    ]
    code, out, _ = run("stats", "--format", "json")
    assert json.loads(out)["counterparties"] == 3
    code, out, _ = run("search", "Paper", "--as", "manager1", "--format", "json")
    assert [(hit["kind"], hit["title"]) for hit in json.loads(out)] == [
        ("counterparty", "Paper Mill")]


def test_file_errors_exit_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write_csv: WriteCsv
) -> None:
    """A file that cannot be imported is refused before the database is touched."""
    run = _runner(tmp_path, capsys)
    path = write_csv([["external_id", "name", "colour"], ["CP-1", "Alpha", "red"]],
                     name="bad.csv")
    code, out, err = run("import", "counterparties", str(path), "--format", "json")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(f"letterpress: {path}: unknown column 'colour' for counterparties")
    code, out, err = run("import", "orders", str(tmp_path / "missing.csv"))
    assert (code, out) == (1, "")
    assert err == f"letterpress: {tmp_path / 'missing.csv'}: cannot read: No such file or directory\n"
    with pytest.raises(SystemExit) as caught:
        run("import", "letters", str(path))
    assert caught.value.code == 2
    assert not (tmp_path / "data").exists()


def test_a_1c_report_with_title_lines_imports_from_the_command_line(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], write_csv: WriteCsv,
) -> None:
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", db_url)
    run = _runner(tmp_path, capsys)
    path = write_csv([
        ["Контрагенты", "", ""], ["", "", ""], ["Сформирован: 27.11.2026 10:00", "", ""], [],
        ["Наименование", "Код", "Телефоны"],
        ["ООО Ромашка", "К-1", "рабочий: +7 495 123-45-67"],
        ["", "К-2", ""],
        ["Итого", "", ""],  # the totals line: skipped
    ], delimiter=";", encoding="cp1251")
    code, out, err = run("import", "counterparties", str(path), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 7, "column": "Наименование", "reason": "a value is required"}]}

    headless = write_csv([["Контрагенты"], ["К-1", "Альфа"]], delimiter=";", name="headless.csv")
    code, out, err = run("import", "counterparties", str(headless))
    assert (code, out) == (1, "")
    assert err == (f"letterpress: {headless}: no header found in the first 20 lines; expected a "
                   "line with the columns external_id, name for counterparties "
                   "(see docs/import.md)\n")
