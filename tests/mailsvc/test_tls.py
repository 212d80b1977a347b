"""IMAP over TLS and STARTTLS against a real Dovecot with its own CA, as a company server has."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from letterpress.crm.model import Letter
from letterpress.testing import letters
from letterpress.testing.dovecot import DovecotServer
from letterpress.testing.mailconf import mail_settings
from tests.mailsvc.test_sync import _sync, _world

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_a_server_signed_by_a_company_ca_is_trusted_only_through_ca_file(
    tmp_path: Path, db_url: str, engine: Engine,
    dovecot_factory: Callable[..., DovecotServer], security: str,
) -> None:
    server = dovecot_factory(tls=True)
    server.add_user("secure", "pw")
    server.deliver_maildir("secure", "INBOX", [letters.letter(message_id="tls@stroymash.ru")])
    info = server.connection_info("secure", security)  # type: ignore[arg-type]
    assert server.cert_path is not None
    factory = _world(engine)

    untrusted = mail_settings(tmp_path, db_url, [info.mailbox_entry("box1", owner="manager1")])
    (message,) = _sync(untrusted, factory).errors.values()
    assert "certificate" in message.lower()
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 0

    trusted = mail_settings(tmp_path, db_url, [info.mailbox_entry(
        "box1", owner="manager1", ca_file=str(server.cert_path))])
    result = _sync(trusted, factory)
    assert result.errors == {}
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 1
