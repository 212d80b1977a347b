"""The Dovecot test server helper against the real Dovecot it drives."""

from __future__ import annotations

import asyncio
import datetime as dt
import imaplib
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from letterpress.config import load_settings
from letterpress.testing import fixtures
from letterpress.testing.dovecot import (
    ConnectionInfo,
    DovecotError,
    DovecotServer,
    aioimap_client,
)

pytestmark = pytest.mark.slow


def letter(n: int, subject: str = "Letter") -> bytes:
    return (
        f"From: Client <client{n}@example.test>\r\nTo: sales@printhouse.test\r\n"
        f"Subject: {subject} {n}\r\nMessage-ID: <{n}.{time.monotonic_ns()}@example.test>\r\n"
        f"Date: Mon, 3 Mar 2025 10:00:00 +0300\r\n\r\nBody {n}\r\n"
    ).encode()


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def fetch_flags(client: imaplib.IMAP4, uid: int) -> str:
    typ, data = client.uid("fetch", str(uid), "(FLAGS)")
    assert typ == "OK"
    return data[0].decode()


def test_start_kill_start_stop(dovecot: DovecotServer) -> None:
    assert dovecot.running and accepts(dovecot.imap_port) and accepts(dovecot.lmtp_port)
    assert dovecot.conf_path.is_file() and str(dovecot.root).startswith(("/dev/shm", "/tmp"))
    port = dovecot.imap_port
    dovecot.kill()
    assert not dovecot.running and not accepts(port)
    dovecot.start()
    assert dovecot.imap_port == port and accepts(port)
    dovecot.stop()
    assert not dovecot.running and not accepts(port)


def test_stop_says_bye_to_connected_clients(dovecot: DovecotServer) -> None:
    dovecot.add_user("connected", "pw")
    with dovecot.imap("connected") as client:
        client.select("INBOX")
        started = time.monotonic()
        dovecot.stop()
        assert time.monotonic() - started < 1.0  # not doveadm stop's 10 s wait for the client
        with pytest.raises(imaplib.IMAP4.abort, match="shutting down"):
            client.noop()
    assert not dovecot.running


def test_start_failure_reports_the_log(dovecot_factory: Callable[..., DovecotServer]) -> None:
    server = dovecot_factory()
    server.kill()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", server.lmtp_port))
        squatter.listen()
        with pytest.raises(DovecotError, match="Address already in use"):
            server.start()


def test_login_with_imaplib(dovecot_module: DovecotServer, dovecot_user: ConnectionInfo) -> None:
    client = imaplib.IMAP4(dovecot_user.host, dovecot_user.port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            client.login(dovecot_user.user, "wrong")
        assert client.login(dovecot_user.user, dovecot_user.password)[0] == "OK"
        assert client.select("INBOX") == ("OK", [b"0"])
    finally:
        client.logout()


def test_login_with_aioimaplib(dovecot_user: ConnectionInfo) -> None:
    async def session() -> None:
        async with aioimap_client(dovecot_user) as client:
            assert client.get_state() == "AUTH"
            assert (await client.select("INBOX")).result == "OK"

    asyncio.run(session())


def test_deliver_maildir_gives_consecutive_uids(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    count = dovecot_module.deliver_maildir(
        dovecot_user.user, "INBOX", (letter(i) for i in range(1000))
    )
    assert count == 1000
    with dovecot_module.imap(dovecot_user.user) as client:
        assert client.select("INBOX") == ("OK", [b"1000"])
        _typ, data = client.uid("search", None, "ALL")
        assert [int(u) for u in data[0].split()] == list(range(1, 1001))
        _typ, data = client.uid("fetch", "1,1000", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = [part[1].strip() for part in data if isinstance(part, tuple)]
        assert subjects == [b"Subject: Letter 0", b"Subject: Letter 999"]


def test_deliver_maildir_folder_flags_and_date(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    when = dt.datetime(2024, 12, 31, 9, 30, tzinfo=dt.UTC)
    user = dovecot_user.user
    dovecot_module.deliver_maildir(user, "Отправленные", [(letter(1), when)], flags=["\\Seen"])
    with dovecot_module.imap(user) as client:
        _typ, listing = client.list()
        assert any(
            b'"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"' in line
            or line.endswith(b"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-")
            for line in listing
        )
        client.select('"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"')
        _typ, data = client.uid("fetch", "1", "(FLAGS INTERNALDATE)")
        assert b"\\Seen" in data[0] and b'"31-Dec-2024 09:30:00 +0000"' in data[0]


def test_append_many_on_one_connection(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    uids = dovecot_module.append_many(dovecot_user.user, "Drafts", [letter(i) for i in range(5)])
    assert uids == [1, 2, 3, 4, 5]


def test_append_creates_folder_and_returns_uid(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    user = dovecot_user.user
    assert dovecot_module.append(user, "Sent", letter(1), flags=["\\Seen"]) == 1
    assert dovecot_module.append(user, "Sent", letter(2)) == 2
    with dovecot_module.imap(user) as client:
        client.select("Sent")
        assert "\\Seen" in fetch_flags(client, 1)
        assert "\\Seen" not in fetch_flags(client, 2)
        _typ, data = client.lsub()
        assert any(line.endswith(b"Sent") for line in data)


def test_body_peek_does_not_set_seen(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    user = dovecot_user.user
    dovecot_module.deliver_maildir(user, "INBOX", [letter(1)])
    with dovecot_module.imap(user) as client:
        client.select("INBOX")
        typ, data = client.uid("fetch", "1", "(BODY.PEEK[])")
        assert typ == "OK" and data[0][1].startswith(b"From: Client")
        assert "\\Seen" not in fetch_flags(client, 1)
        client.uid("fetch", "1", "(BODY[])")  # the control: a plain BODY[] does set it
        assert "\\Seen" in fetch_flags(client, 1)


def test_lmtp_delivery_is_seen_by_idle_within_2_s(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    async def session() -> float:
        async with aioimap_client(dovecot_user) as client:
            await client.select("INBOX")
            idle = await client.idle_start(timeout=10)
            await client.protocol.wait_for_idle_response()
            started = time.monotonic()
            await asyncio.to_thread(dovecot_module.lmtp_deliver, dovecot_user.user, letter(1))
            seen: list[bytes] = []
            while not any(line.endswith(b"EXISTS") for line in seen):
                left = 2.0 - (time.monotonic() - started)
                seen += await client.wait_server_push(timeout=max(left, 0.01))
            elapsed = time.monotonic() - started
            client.idle_done()
            await asyncio.wait_for(idle, 5)
            return elapsed

    assert asyncio.run(session()) < 2.0
    assert dovecot_module.status(dovecot_user.user, "INBOX")["MESSAGES"] == 1


def test_lmtp_into_a_folder(dovecot_module: DovecotServer, dovecot_user: ConnectionInfo) -> None:
    user = dovecot_user.user
    assert dovecot_module.lmtp_deliver_many(user, [letter(1), letter(2)], folder="Orders") == 2
    dovecot_module.lmtp_deliver(user, b"Subject: bare LF\n\nline\n")
    assert dovecot_module.status(user, "Orders")["MESSAGES"] == 2
    with dovecot_module.imap(user) as client:
        client.select("INBOX")
        _typ, data = client.uid("fetch", "1", "(BODY.PEEK[])")
        assert b"Subject: bare LF\r\n\r\nline\r\n" in data[0][1]


def test_shared_mailbox_is_visible_only_to_granted_users(dovecot_module: DovecotServer) -> None:
    granted, other = dovecot_module.new_user("clerk"), dovecot_module.new_user("outsider")
    name = dovecot_module.add_shared_mailbox("sales", {granted.user: "lrws"})
    assert name == "Public/sales"
    dovecot_module.deliver_maildir(granted.user, name, [letter(1)])
    with dovecot_module.imap(granted.user) as client:
        _typ, listing = client.list()
        assert any(line.endswith(b"Public/sales") for line in listing)
        assert client.select(name) == ("OK", [b"1"])
    with dovecot_module.imap(other.user) as client:
        _typ, listing = client.list()
        assert not any(b"Public" in line for line in listing)
        assert client.select(name)[0] == "NO"


def test_folder_shared_with_setacl(dovecot_module: DovecotServer) -> None:
    owner, reader, other = (dovecot_module.new_user(p) for p in ("owner", "reader", "other"))
    dovecot_module.deliver_maildir(owner.user, "INBOX", [letter(1), letter(2)])
    name = dovecot_module.share_folder(owner.user, "INBOX", reader.user, "lr")
    assert name == f"shared/{owner.user}/INBOX"
    assert dovecot_module.status(reader.user, name)["MESSAGES"] == 2
    with dovecot_module.imap(other.user) as client:
        assert client.select(f'"{name}"')[0] == "NO"


def test_restart_keeps_mail_and_uidvalidity(dovecot: DovecotServer) -> None:
    user = dovecot.add_user("keeper", "pw").user
    dovecot.deliver_maildir(user, "INBOX", [letter(i) for i in range(5)])
    before = dovecot.status(user, "INBOX")
    dovecot.restart()
    assert dovecot.status(user, "INBOX") == before
    dovecot.restart(graceful=False)
    assert dovecot.status(user, "INBOX") == before


def test_reset_uidvalidity_keeping_uids(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo
) -> None:
    user = dovecot_user.user
    dovecot_module.deliver_maildir(user, "INBOX", [letter(i) for i in range(3)])
    before = dovecot_module.status(user, "INBOX")
    new = dovecot_module.reset_uidvalidity(user, "INBOX")
    after = dovecot_module.status(user, "INBOX")
    assert new == after["UIDVALIDITY"] != before["UIDVALIDITY"]
    assert after["UIDNEXT"] == before["UIDNEXT"] == 4


def test_reset_uidvalidity_renumbering(dovecot: DovecotServer) -> None:
    user = dovecot.add_user("renumbered", "pw").user
    dovecot.deliver_maildir(user, "INBOX", [letter(i) for i in range(3)])
    with dovecot.imap(user) as client:
        client.select("INBOX")
        client.uid("store", "1", "+FLAGS.SILENT", r"(\Deleted)")
        client.expunge()
    before = dovecot.status(user, "INBOX")
    assert before["UIDNEXT"] == 4 and before["MESSAGES"] == 2
    new = dovecot.reset_uidvalidity(user, "INBOX", renumber=True)
    after = dovecot.status(user, "INBOX")
    assert new == after["UIDVALIDITY"] != before["UIDVALIDITY"]
    assert after["MESSAGES"] == 2 and after["UIDNEXT"] == 3  # numbered afresh from 1
    with dovecot.imap(user) as client:
        client.select("INBOX")
        _typ, data = client.uid("fetch", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = [part[1].strip() for part in data if isinstance(part, tuple)]
        assert subjects == [b"Subject: Letter 1", b"Subject: Letter 2"]


def test_tls_and_starttls(dovecot_factory: Callable[..., DovecotServer]) -> None:
    server = dovecot_factory(tls=True)
    server.add_user("secure", "pw")
    tls = server.connection_info("secure", "tls")
    assert tls.port == server.imaps_port != server.imap_port
    with imaplib.IMAP4_SSL(tls.host, tls.port, ssl_context=tls.ssl_context(), timeout=10) as c:
        assert c.login(tls.user, tls.password)[0] == "OK"
    starttls = server.connection_info("secure", "starttls")
    with imaplib.IMAP4(starttls.host, starttls.port, timeout=10) as c:
        c.starttls(ssl_context=starttls.ssl_context())
        assert c.login(starttls.user, starttls.password)[0] == "OK"

    async def aio_session() -> None:
        async with aioimap_client(tls) as client:
            assert (await client.select("INBOX")).result == "OK"

    asyncio.run(aio_session())


def test_connection_info_loads_as_mailbox_config(
    dovecot_module: DovecotServer, dovecot_user: ConnectionInfo, tmp_path: Path
) -> None:
    info = dovecot_module.connection_info(dovecot_user.user)
    assert (info.host, info.port, info.security) == ("127.0.0.1", dovecot_module.imap_port, "plain")
    with pytest.raises(DovecotError, match="tls=True"):
        dovecot_module.connection_info(dovecot_user.user, "tls")
    config = tmp_path / "letterpress.toml"
    config.write_text(info.mailbox_toml("inbox", owner="manager1", folders=["INBOX", "Sent"]))
    (box,) = load_settings(config, environ={}).mailboxes
    assert (box.host, box.port, box.user, box.secret()) == (
        info.host,
        info.port,
        info.user,
        info.password,
    )
    assert box.security == "plain" and box.folders == ("INBOX", "Sent")


def test_missing_dovecot_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTERPRESS_DOVECOT", "/nonexistent/dovecot")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        fixtures.require_dovecot()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing in CI"):
        fixtures.require_dovecot()


def test_unknown_user_is_named(dovecot_module: DovecotServer) -> None:
    with pytest.raises(DovecotError, match="nobody-here"):
        dovecot_module.deliver_maildir("nobody-here", "INBOX", [letter(1)])
    assert re.fullmatch(r"user\d+", dovecot_module.new_user().user)
