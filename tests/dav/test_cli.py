"""`letterpress user app-password`: made, listed, revoked; the password works only for DAV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letterpress.cli import main
from letterpress.crm.apppasswords import verify_app_password
from letterpress.db.session import session_factory
from letterpress.testing.database import fresh_engine, sqlite_url
from letterpress.testing.factories import make_user


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> object:
    assert main(["--data-dir", str(data_dir), *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_app_password_command(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LETTERPRESS_DATABASE_URL", raising=False)
    monkeypatch.delenv("LETTERPRESS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with fresh_engine(sqlite_url(tmp_path)) as engine:
        with session_factory(engine)() as session:
            make_user(session, "ivan")
            session.commit()
        made = _run(capsys, tmp_path, "user", "app-password", "ivan", "--label", "phone",
                    "--format", "json")
        assert isinstance(made, dict) and made["login"] == "ivan" and len(made["password"]) >= 20
        with session_factory(engine)() as session:
            assert verify_app_password(session, "ivan", made["password"]) is not None
            assert verify_app_password(session, "ivan", "secret-pw") is None  # the web password
        listed = _run(capsys, tmp_path, "user", "app-password", "ivan", "--list", "--format", "json")
        assert isinstance(listed, list) and listed[0]["label"] == "phone"
        revoked = _run(capsys, tmp_path, "user", "app-password", "ivan", "--revoke", "--label",
                       "phone", "--format", "json")
        assert revoked == {"login": "ivan", "revoked": 1}
        with session_factory(engine)() as session:
            assert verify_app_password(session, "ivan", made["password"]) is None
    assert main(["--data-dir", str(tmp_path), "user", "app-password", "nobody"]) == 1


def test_app_password_command_keeps_to_the_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from letterpress.crm.model import AppPassword
    from letterpress.testing.factories import password_hash

    monkeypatch.delenv("LETTERPRESS_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text("[dav]\nmax_app_passwords = 1\n", encoding="utf-8")
    monkeypatch.setenv("LETTERPRESS_CONFIG", str(config))
    with fresh_engine(sqlite_url(tmp_path)) as engine:
        with session_factory(engine)() as session:
            ivan = make_user(session, "ivan")
            session.add(AppPassword(user_id=ivan.id, label="phone",
                                    password_hash=password_hash("seeded")))
            session.commit()
        assert main(["--data-dir", str(tmp_path), "user", "app-password", "ivan"]) == 1
    assert "1 active app passwords, the most allowed" in capsys.readouterr().err
