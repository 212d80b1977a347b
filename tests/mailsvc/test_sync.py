"""The IMAP pipeline against a real Dovecot: first sync, exactly once, UIDVALIDITY, IDLE, \\Seen."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import Settings
from letterpress.crm import contacts, users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import (
    Attachment,
    Event,
    Letter,
    LetterLink,
    LetterLocation,
    MailFolder,
)
from letterpress.db.session import session_factory, writer
from letterpress.mailsvc.daemon import Daemon, prepare_jobs
from letterpress.testing import letters
from letterpress.testing.dovecot import ConnectionInfo, DovecotServer
from letterpress.testing.mailconf import mail_settings

pytestmark = pytest.mark.slow


def _world(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(writer(engine))
    with factory() as s:
        users.add_user(s, "manager1", email="m.sidorova@letterpress.test")
        cp = create_counterparty(s, CounterpartyData(name="Строймаш", domains=["stroymash.ru"]))
        contacts.create_contact(s, name="Иван Петров", counterparty_id=cp.id,
                                emails=["ivan.petrov@stroymash.ru"])
        s.commit()
    return factory


def _settings(tmp_path: Path, db_url: str, info: ConnectionInfo, **extra: object) -> Settings:
    options: dict[str, object] = {"owner": "manager1", "folders": ["INBOX", "Sent"],
                                  "sent_folders": ["Sent"], **extra}
    box = info.mailbox_entry("box1", **options)
    return mail_settings(tmp_path, db_url, [box], mail={"fetch_batch": 7})


def _sync(settings: Settings, factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        daemon = Daemon(settings, factory, workers=0)
        try:
            return await daemon.run_once(prepare_jobs(factory, settings))
        finally:
            daemon.close()
    return asyncio.run(main())


def _count(s: Session, model: type) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def test_first_sync_files_then_nothing_twice(tmp_path: Path, db_url: str, engine: Engine,
                                              dovecot_module: DovecotServer,
                                              dovecot_user: ConnectionInfo) -> None:
    factory = _world(engine)
    settings = _settings(tmp_path, db_url, dovecot_user)
    parent = letters.letter(message_id="p1@stroymash.ru", attachments=[
        letters.Attachment("Прайс-лист.xlsx", "application/vnd.ms-excel", letters.price_list_xlsx())])
    mails = [parent] + [letters.letter(subject=f"Письмо {i}", message_id=f"m{i}@stroymash.ru",
                                       sender=("Новый Человек", "new.person@stroymash.ru"))
                        for i in range(20)]
    dovecot_module.deliver_maildir(dovecot_user.user, "INBOX", mails)
    dovecot_module.deliver_maildir(dovecot_user.user, "Sent", [letters.reply("p1@stroymash.ru",
                                                                             message_id="r1@lp.test")])
    result = _sync(settings, factory)
    assert result.errors == {}
    with factory() as s:
        assert _count(s, Letter) == 22 and _count(s, LetterLocation) == 22
        assert _count(s, LetterLink) == 22
        reply = s.scalar(select(Letter).where(Letter.message_id == "r1@lp.test"))
        assert reply is not None and reply.is_outgoing
        parent_row = s.scalar(select(Letter).where(Letter.message_id == "p1@stroymash.ru"))
        assert parent_row is not None and reply.thread_id == parent_row.thread_id
        kinds = dict(s.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
        assert kinds == {"incoming_email": 21, "outgoing_email": 1}
        att = s.scalar(select(Attachment))
        assert att is not None and att.filename == "Прайс-лист.xlsx"
        folders = {f.name: f for f in s.scalars(select(MailFolder))}
        assert folders["INBOX"].last_uid == 21 and folders["Sent"].last_uid == 1
    again = _sync(settings, factory)
    assert sum(r.fetched for r in again.reports) == 0
    with factory() as s:
        assert _count(s, Letter) == 22 and _count(s, Event) == 22
    with dovecot_module.imap(dovecot_user.user) as imap:
        imap.select("INBOX", readonly=True)
        _typ, data = imap.search(None, "UNSEEN")
        assert len(data[0].split()) == 21  # BODY.PEEK and EXAMINE left \Seen alone


def test_uidvalidity_change_resyncs_without_duplicates(tmp_path: Path, db_url: str, engine: Engine,
                                                      dovecot: DovecotServer) -> None:
    factory = _world(engine)
    info = dovecot.new_user()
    settings = _settings(tmp_path, db_url, info, folders=["INBOX"], sent_folders=[])
    dovecot.deliver_maildir(info.user, "INBOX",
                            [letters.letter(message_id=f"u{i}@stroymash.ru") for i in range(10)])
    _sync(settings, factory)
    old = dovecot.uidvalidity(info.user, "INBOX")
    dovecot.reset_uidvalidity(info.user, "INBOX")
    assert dovecot.uidvalidity(info.user, "INBOX") != old
    dovecot.deliver_maildir(info.user, "INBOX", [letters.letter(message_id="u-new@stroymash.ru")])
    result = _sync(settings, factory)
    assert result.errors == {}
    with factory() as s:
        assert _count(s, Letter) == 11
        assert _count(s, LetterLocation) == 11
        assert _count(s, Event) == 11
        assert {loc.uidvalidity for loc in s.scalars(select(LetterLocation))} == {
            dovecot.uidvalidity(info.user, "INBOX")}


def test_letter_in_two_mailboxes_is_stored_once(tmp_path: Path, db_url: str, engine: Engine,
                                                dovecot_module: DovecotServer) -> None:
    factory = _world(engine)
    with factory() as s:
        users.add_user(s, "manager2")
        s.commit()
    a, b = dovecot_module.new_user(), dovecot_module.new_user()
    same = letters.letter(message_id="cc@stroymash.ru")
    dovecot_module.lmtp_deliver(a.user, same)
    dovecot_module.lmtp_deliver(b.user, same)
    settings = mail_settings(tmp_path, db_url, [
        a.mailbox_entry("a", owner="manager1", folders=["INBOX"]),
        b.mailbox_entry("b", owner="manager2", folders=["INBOX"]),
    ])
    _sync(settings, factory)
    with factory() as s:
        assert _count(s, Letter) == 1 and _count(s, LetterLocation) == 2
        assert _count(s, Event) == 1


def test_idle_files_a_delivered_letter_within_two_seconds(tmp_path: Path, db_url: str,
                                                         engine: Engine,
                                                         dovecot_module: DovecotServer,
                                                         dovecot_user: ConnectionInfo) -> None:
    factory = _world(engine)
    settings = _settings(tmp_path, db_url, dovecot_user, folders=["INBOX"], sent_folders=[])

    async def main() -> float:
        daemon = Daemon(settings, factory, workers=0)
        jobs = prepare_jobs(factory, settings)
        runner = asyncio.create_task(daemon.run_forever(jobs))
        try:
            await asyncio.sleep(1.0)  # first pass done, now idling
            started = time.monotonic()
            await asyncio.to_thread(dovecot_module.lmtp_deliver, dovecot_user.user,
                                    letters.letter(message_id="idle@stroymash.ru"))
            while time.monotonic() - started < 5:
                with factory() as s:
                    if s.scalar(select(LetterLink.id).join(Letter).where(
                            Letter.message_id == "idle@stroymash.ru")):
                        return time.monotonic() - started
                await asyncio.sleep(0.05)
            return float("inf")
        finally:
            daemon.stop.set()
            await runner
            daemon.close()

    elapsed = asyncio.run(main())
    assert elapsed < 2.0, f"filed after {elapsed:.2f} s"


def test_wrong_password_is_an_account_error_without_the_password(
        tmp_path: Path, db_url: str, engine: Engine, dovecot_module: DovecotServer,
        dovecot_user: ConnectionInfo) -> None:
    factory = _world(engine)
    box = dovecot_user.mailbox_entry("box1", owner="manager1")
    box["password"] = "not-the-password-xyzzy"
    settings = mail_settings(tmp_path, db_url, [box])
    result = _sync(settings, factory)
    (message,) = result.errors.values()
    assert "refused" in message and "xyzzy" not in message
    with factory() as s:
        folder = s.scalar(select(MailFolder))
        assert folder is not None and folder.last_error and "xyzzy" not in folder.last_error


def test_unknown_owner_stops_start_up_naming_them(tmp_path: Path, db_url: str, engine: Engine,
                                                  dovecot_module: DovecotServer,
                                                  dovecot_user: ConnectionInfo) -> None:
    from letterpress.errors import ConfigError

    factory = _world(engine)
    settings = mail_settings(tmp_path, db_url, [dovecot_user.mailbox_entry("x", owner="ghost")])
    with pytest.raises(ConfigError, match="unknown users: ghost"):
        prepare_jobs(factory, settings)


def test_reply_stored_before_its_parent_joins_the_thread(db_url: str, engine: Engine) -> None:
    """Regression: Sent synced before INBOX left a reply in a thread of its own."""
    from letterpress.testing import mailstore

    factory = _world(engine)
    with factory() as s:
        box = mailstore.mailbox(s, "m1", owner="manager1", folders=["INBOX", "Sent"],
                                sent_folders=["Sent"])
        mailstore.deliver(s, box, [letters.reply("p9@stroymash.ru", message_id="r9@lp.test")],
                          folder="Sent")
        mailstore.deliver(s, box, [letters.letter(message_id="p9@stroymash.ru")])
        s.commit()
        reply = s.scalar(select(Letter).where(Letter.message_id == "r9@lp.test"))
        parent = s.scalar(select(Letter).where(Letter.message_id == "p9@stroymash.ru"))
        assert reply is not None and parent is not None
        assert reply.thread_id == parent.thread_id
