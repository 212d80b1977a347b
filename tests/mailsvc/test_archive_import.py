"""``letterpress import mbox|maildir``: the same pipeline as IMAP, resumable, nothing twice."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from letterpress.cli import main
from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import Letter, LetterLink, Mailbox
from letterpress.db.session import session_factory
from letterpress.testing import letters


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_mbox_and_maildir_import_file_letters_once(
        tmp_path: Path, db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with session_factory(engine)() as s:
        users.add_user(s, "manager1")
        create_counterparty(s, CounterpartyData(name="Строймаш", domains=["stroymash.ru"]))
        s.commit()
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", db_url)
    box = mailbox.mbox(str(tmp_path / "old.mbox"))
    for i in range(30):
        box.add(letters.letter(message_id=f"arch{i}@stroymash.ru", subject=f"Архив {i}"))
    box.add(b"")  # an empty message is rejected, named by its position
    box.close()
    base = ["--data-dir", str(tmp_path / "d"), "import", "mbox", str(tmp_path / "old.mbox"),
            "--mailbox", "archive-m1", "--owner", "manager1", "--workers", "0", "--format", "json"]
    first = _cli(capsys, *base)
    assert first["created"] == 30 and first["filed"] == 30
    assert first["rejected"] == [{"row": 31, "column": "letter", "reason": "empty message"}]
    again = _cli(capsys, *base)
    assert again["created"] == 0 and again["unchanged"] == 30
    md = mailbox.Maildir(str(tmp_path / "md"))
    for i in range(5):
        md.add(letters.letter(message_id=f"arch{i}@stroymash.ru"))  # already known letters
    md.add(letters.letter(message_id="fresh@stroymash.ru"))
    md.close()
    third = _cli(capsys, "--data-dir", str(tmp_path / "d"), "import", "maildir",
                 str(tmp_path / "md"), "--mailbox", "archive-m1", "--owner", "manager1",
                 "--workers", "0", "--format", "json")
    assert third["created"] == 1 and third["unchanged"] == 5
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 31
        assert s.scalar(select(func.count()).select_from(LetterLink)) == 31
        assert s.scalar(select(Mailbox.is_archive)) is True


def test_archive_import_needs_mailbox_and_owner(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.mbox").write_bytes(b"")
    assert main(["--data-dir", str(tmp_path), "import", "mbox", str(tmp_path / "x.mbox")]) == 1
    assert "--mailbox NAME and --owner LOGIN" in capsys.readouterr().err
