"""The config loader: the example file, defaults, and one clear message per mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from letterpress.config import Settings, load_settings
from letterpress.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def _example_with_mailbox_uncommented() -> str:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[mailboxes]]")
    body = [line.removeprefix("# ") for line in lines[start:]]
    return "\n".join(lines[:start] + body) + "\n"


def test_example_loads_and_equals_defaults() -> None:
    loaded = load_settings(EXAMPLE, environ={})
    defaults = Settings()
    for name in ("company", "web", "imports", "mail", "mailboxes", "database_url", "data_dir",
                 "dav", "reminders", "analytics"):
        assert getattr(loaded, name) == getattr(defaults, name), name


def test_example_mailbox_block_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(_example_with_mailbox_uncommented(), encoding="utf-8")
    settings = load_settings(path, environ={})
    (box,) = settings.mailboxes
    assert box.name == "sales" and box.kind == "shared" and box.port == 993
    assert box.grants[0].user == "manager2" and box.grants[0].rights == ("read", "send_as")
    assert box.grants[1].team == "north"
    assert box.fetch_since == dt.date(2025, 1, 1)
    assert box.smtp is not None and box.smtp.security == "starttls"
    assert "LP_MAIL" not in repr(box.password)


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.source == "<defaults>"
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("letterpress.db")


def test_environment_overrides(tmp_path: Path) -> None:
    env = {"LETTERPRESS_DATA_DIR": str(tmp_path / "d"),
           "LETTERPRESS_DATABASE_URL": "postgresql+psycopg://u@h/db"}
    settings = load_settings(environ=env)
    assert settings.data_dir == tmp_path / "d"
    assert settings.db_url == "postgresql+psycopg://u@h/db"
    assert load_settings(data_dir=tmp_path / "x", environ=env).data_dir == tmp_path / "x"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ("[web]\nport = 'abc'\n", "key 'web.port': expected an integer, got 'abc'"),
        ("[web]\nport = 70000\n", "key 'web.port': expected 1-65535"),
        ("[web]\nsecure_cookies = 'yes'\n", "key 'web.secure_cookies': expected true or false"),
        ("[web]\nworkers = 'many'\n", "key 'web.workers': expected an integer or one of 'auto'"),
        ("[web]\nworkers = -1\n", "key 'web.workers': expected \"auto\" or 0-64, got -1"),
        ("[web]\npublic_url = 'crm.example.com'\n", "key 'web.public_url': expected an http(s)"),
        ("[web]\npublic_url = 'ftp://crm.example.com/'\n", "key 'web.public_url'"),
        ("[web]\npublic_url = 'https://crm.example.com/?a=1'\n", "key 'web.public_url'"),
        ("[web]\npublic_url = 'https://crm.example.com/#top'\n", "key 'web.public_url'"),
        ("[web]\npublic_url = 'https://u:p@crm.example.com/'\n", "key 'web.public_url'"),
        ("[web]\npublic_url = 'https://crm.example.com:port/'\n", "key 'web.public_url'"),
        ("[web]\npublic_url = 1\n", "key 'web.public_url': expected a string, got 1"),
        ("[dav]\nmax_app_passwords = 0\n", "key 'dav.max_app_passwords': expected a positive"),
        ("[company]\ntimezone = 'Mars/Olympus'\n", "key 'company.timezone'"),
        ("[mail]\nfetch_batch = 1.5\n", "key 'mail.fetch_batch'"),
        ("[[mailboxes]]\nname='a'\nhost='mail.example.com'\nuser='a'\nsecurity='plain'\nowner='x'\n",
         "key 'mailboxes[0].security': 'plain' is allowed only to a loopback host"),
        ("[[mailboxes]]\nname='a'\nhost='h'\nuser='a'\nkind='shared'\n",
         "key 'mailboxes[0].grants': a shared mailbox needs grants"),
        ("[[mailboxes]]\nname='a'\nhost='h'\nuser='a'\nowner='x'\nsecurity='ssl'\n",
         "key 'mailboxes[0].security': expected one of 'tls', 'starttls', 'plain'"),
        ("[[mailboxes]]\nhost='h'\nuser='a'\nowner='x'\n", "key 'mailboxes[0].name' is required"),
        ("[[mailboxes]]\nname='a'\nhost='h'\nuser='a'\nowner='x'\nfetch_since='yesterday'\n",
         "key 'mailboxes[0].fetch_since': expected a date"),
        ("[[mailboxes]]\nname='a'\nhost='h'\nuser='a'\nowner='x'\nca_file='/nope/ca.pem'\n",
         "key 'mailboxes[0].ca_file': no such file '/nope/ca.pem'"),
        ("[reminders]\ndigest_smtp = { host = 'smtp.example.ru', security = 'plain' }\n",
         "key 'reminders.digest_smtp.security': 'plain' is allowed only to a loopback host"),
        ("[dav]\ntombstone_days = 0\n", "key 'dav.tombstone_days': expected a positive integer"),
        ("data_dir = [\n", "not valid TOML"),
    ],
)
def test_mistakes_name_file_key_and_expectation(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert expected in message


def test_public_url_is_optional_and_taken_as_written(tmp_path: Path) -> None:
    assert load_settings(EXAMPLE, environ={}).web.public_url is None
    example = EXAMPLE.read_text(encoding="utf-8")
    line = '# public_url = "https://crm.example.com/"'
    assert line in example  # the commented example is valid when uncommented
    path = tmp_path / "c.toml"
    path.write_text(example.replace(line, line[2:]), encoding="utf-8")
    assert load_settings(path, environ={}).web.public_url == "https://crm.example.com/"
    for url in ("http://10.0.0.5:8080/crm", "https://[::1]:8443/"):
        path.write_text(f"[web]\npublic_url = {url!r}\n", encoding="utf-8")
        assert load_settings(path, environ={}).web.public_url == url


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_password_env_is_read_and_never_shown(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[[mailboxes]]\nname='a'\nhost='127.0.0.1'\nuser='a'\nowner='x'\n"
                    "password_env='LP_TEST_PW'\n", encoding="utf-8")
    box = load_settings(path, environ={}).mailboxes[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LP_TEST_PW", "s3cret")
        assert box.secret() == "s3cret"
        mp.delenv("LP_TEST_PW")
        with pytest.raises(ConfigError, match="LP_TEST_PW is not set") as info:
            box.secret()
        assert "s3cret" not in str(info.value)
