"""The outbox: digests are queued durably and delivered through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from letterpress.config import RemindersSettings, Settings, SmtpSettings
from letterpress.crm.events import register_event
from letterpress.db.session import session_factory
from letterpress.mailsvc import outbox, scheduler
from letterpress.testing.dovecot_conf import make_self_signed_cert
from letterpress.testing.factories import make_user
from letterpress.testing.smtpserver import smtp_server

SENDER = "letterpress@print.example"
MESSAGES = [("ivan@print.example", "Напоминания на 10.03", "Позвонить в Ромашку в 15:00"),
            ("olga@print.example", "Напоминания на 10.03", "Встреча с ООО «Вектор»")]


def plain(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="plain")


def test_staged_messages_appear_only_when_the_block_succeeds(tmp_path: Path) -> None:
    with outbox.staged(tmp_path, SENDER, MESSAGES) as written:
        assert len(written) == 2 and outbox.pending(tmp_path) == []
    assert len(outbox.pending(tmp_path)) == 2

    with pytest.raises(RuntimeError), outbox.staged(tmp_path, SENDER, MESSAGES[:1]):
        raise RuntimeError("the commit failed")
    assert len(outbox.pending(tmp_path)) == 2
    assert list(outbox.outbox_dir(tmp_path).glob("*.tmp")) == []


def test_the_queue_is_delivered_and_kept_as_sent(tmp_path: Path) -> None:
    outbox.write_messages(tmp_path, SENDER, MESSAGES)
    with smtp_server() as server:
        result = asyncio.run(outbox.send_outbox(tmp_path, plain(server.port)))
    assert len(result.sent) == 2 and result.failed == [] and result.waiting == 0 and not result.error
    by_recipient = {rcpt[0]: message for _, rcpt, message in server.accepted}
    letter = by_recipient["ivan@print.example"]
    assert letter["Subject"] == "Напоминания на 10.03" and letter["From"] == SENDER
    assert letter["Auto-Submitted"] == "auto-generated" and letter["Message-ID"]
    assert "Позвонить в Ромашку" in letter.get_content()
    assert outbox.pending(tmp_path) == []
    assert len(list((outbox.outbox_dir(tmp_path) / "sent").glob("*.eml"))) == 2


def test_a_refused_recipient_is_set_aside_with_the_reason_and_the_rest_goes(tmp_path: Path) -> None:
    outbox.write_messages(tmp_path, SENDER, MESSAGES)
    with smtp_server(refuse={"ivan@print.example": "550 5.1.1 no such user"}) as server:
        result = asyncio.run(outbox.send_outbox(tmp_path, plain(server.port)))
    assert len(result.sent) == 1 and len(result.failed) == 1 and result.waiting == 0
    (error,) = (outbox.outbox_dir(tmp_path) / "failed").glob("*.error.txt")
    assert "550" in error.read_text("utf-8") and "no such user" in error.read_text("utf-8")
    assert [rcpt for _, rcpt, _ in server.accepted] == [["olga@print.example"]]


def test_a_temporary_refusal_keeps_the_queue_for_the_next_pass(tmp_path: Path) -> None:
    outbox.write_messages(tmp_path, SENDER, MESSAGES[:1])
    with smtp_server(refuse={"ivan@print.example": "451 4.3.0 try again later"}) as server:
        result = asyncio.run(outbox.send_outbox(tmp_path, plain(server.port)))
    assert result.sent == [] and result.failed == [] and result.waiting == 1
    assert "451" in result.error
    with smtp_server() as server:
        again = asyncio.run(outbox.send_outbox(tmp_path, plain(server.port)))
    assert len(again.sent) == 1 and again.waiting == 0 and len(server.accepted) == 1


def test_a_relay_that_is_down_loses_nothing(tmp_path: Path) -> None:
    outbox.write_messages(tmp_path, SENDER, MESSAGES)
    with smtp_server() as server:
        port = server.port
    result = asyncio.run(outbox.send_outbox(tmp_path, plain(port), timeout=5))
    assert result.sent == [] and result.waiting == 2 and result.error.startswith(f"127.0.0.1:{port}")


def test_starttls_checks_the_certificate_against_the_configured_ca(tmp_path: Path) -> None:
    cert, key = make_self_signed_cert(tmp_path / "ssl")
    data = tmp_path / "data"
    outbox.write_messages(data, SENDER, MESSAGES[:1])
    with smtp_server(tls_cert=(cert, key)) as server:
        untrusted = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls")
        refused = asyncio.run(outbox.send_outbox(data, untrusted, timeout=5))
        assert refused.sent == [] and refused.waiting == 1 and refused.error
        trusted = dataclasses.replace(untrusted, ca_file=str(cert))
        result = asyncio.run(outbox.send_outbox(data, trusted, timeout=5))
    assert len(result.sent) == 1 and len(server.accepted) == 1


def test_old_sent_copies_and_crash_leftovers_are_pruned(tmp_path: Path) -> None:
    outbox.write_messages(tmp_path, SENDER, MESSAGES)
    with smtp_server() as server:
        asyncio.run(outbox.send_outbox(tmp_path, plain(server.port)))
    leftover = outbox.outbox_dir(tmp_path) / "digest-crashed.eml.tmp"
    leftover.write_bytes(b"half")
    now = time.time()
    os.utime(leftover, (now - 7_200, now - 7_200))
    assert outbox.prune_sent(tmp_path, now) == 1 and not leftover.exists()
    assert outbox.prune_sent(tmp_path, now + (outbox.KEEP_SENT_DAYS + 1) * 86_400) == 2


def test_the_scheduler_sends_the_morning_digest_through_the_relay(
    engine: Engine, tmp_path: Path
) -> None:
    factory = session_factory(engine)
    msk = ZoneInfo("Europe/Moscow")
    with factory() as session:
        ivan = make_user(session, "ivan", email="ivan@print.example")
        register_event(session, author=ivan, kind="outgoing_call", state="planned",
                       start_at=dt.datetime(2025, 3, 10, 15, 0, tzinfo=msk),
                       subject="Позвонить в Ромашку")
        session.commit()
    with smtp_server() as server:
        settings = Settings(data_dir=tmp_path, reminders=RemindersSettings(
            digest_from=SENDER, digest_smtp=plain(server.port)))
        scheduler.reminders_pass(factory, settings,
                                 dt.datetime(2025, 3, 10, 9, 0, tzinfo=msk))
        asyncio.run(scheduler.deliver_outbox(settings))
        scheduler.reminders_pass(factory, settings,
                                 dt.datetime(2025, 3, 10, 9, 30, tzinfo=msk))
        asyncio.run(scheduler.deliver_outbox(settings))
    (letter,) = [m for _, rcpt, m in server.accepted if rcpt == ["ivan@print.example"]]
    assert "Позвонить в Ромашку" in letter.get_content()
    assert outbox.pending(tmp_path) == []
