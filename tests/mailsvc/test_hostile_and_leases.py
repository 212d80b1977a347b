"""1,000 malformed letters never stop ingestion; two daemons never file a letter twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.crm.model import Blob, Letter, LetterLocation, MailFolder
from letterpress.db.session import session_factory, writer
from letterpress.mailsvc.daemon import Daemon, prepare_jobs
from letterpress.testing import letters
from letterpress.testing.database import fresh_engine
from letterpress.testing.dovecot import DovecotServer
from letterpress.testing.mailconf import mail_settings, write_config

pytestmark = pytest.mark.slow


def _count(s: Session, model: type, *where: object) -> int:
    return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_malformed_letters_are_kept_raw_and_ingestion_goes_on(
        tmp_path: Path, db_url: str, engine: Engine, dovecot: DovecotServer) -> None:
    factory = session_factory(writer(engine))
    with factory() as s:
        users.add_user(s, "manager1")
        s.commit()
    info = dovecot.new_user()
    hostile = list(letters.malformed_corpus(1000, seed=3, huge=1))
    good = letters.letter(message_id="after-the-storm@stroymash.ru")
    dovecot.deliver_maildir(info.user, "INBOX", [*hostile, good])
    settings = mail_settings(tmp_path, str(engine.url.render_as_string(hide_password=False)),
                             [info.mailbox_entry("box", owner="manager1")])

    async def main():  # type: ignore[no-untyped-def]
        daemon = Daemon(settings, factory, workers=2)
        try:
            return await daemon.run_once(prepare_jobs(factory, settings))
        finally:
            daemon.close()

    result = asyncio.run(main())
    assert result.errors == {}
    with factory() as s:
        folder = s.scalar(select(MailFolder))
        assert folder is not None and folder.last_uid == 1001
        assert _count(s, LetterLocation) == 1001
        assert s.scalar(select(Letter.id).where(Letter.message_id == "after-the-storm@stroymash.ru"))
        stored = dict(s.execute(select(LetterLocation.uid, LetterLocation.raw_sha256)).all())
    # each letter is stored byte for byte as the server serves it (IMAP turns bare LF into CRLF)
    with dovecot.imap(info.user) as imap:
        imap.select("INBOX", readonly=True)
        for uid in [*range(1, 51), *range(950, 1002)]:
            _typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
            served = data[0][1]
            assert stored[uid] == hashlib.sha256(served).hexdigest(), uid
            with factory() as s:
                blob = s.get(Blob, stored[uid])
                assert blob is not None and blob.data == served
    with factory() as s:
        unparsed = _count(s, Letter, Letter.parse_error.is_not(None))
        print(f"{unparsed} of 1000 hostile letters could not be parsed and are listed as such")


@pytest.mark.postgres
def test_two_daemons_on_postgres_never_file_twice(tmp_path: Path, postgres_url: str,
                                                  dovecot: DovecotServer) -> None:
    with fresh_engine(postgres_url) as engine:
        factory = session_factory(engine)
        with factory() as s:
            users.add_user(s, "manager1")
            s.commit()
        infos = [dovecot.new_user() for _ in range(3)]
        for i, info in enumerate(infos):
            dovecot.deliver_maildir(info.user, "INBOX", [
                letters.letter(message_id=f"two{i}-{n}@stroymash.ru") for n in range(1500)])
            # a letter present in every mailbox: stored once
            dovecot.deliver_maildir(info.user, "INBOX", [letters.letter(message_id="everyone@x.ru")])
        config = write_config(tmp_path / "lp.toml", database_url=postgres_url, data_dir=tmp_path / "d",
                              mailboxes=[info.mailbox_entry(f"box{i}", owner="manager1")
                                         for i, info in enumerate(infos)])
        cmd = [sys.executable, "-m", "letterpress", "--config", str(config), "mail", "sync",
               "--once", "--format", "json"]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        outputs = [p.communicate(timeout=600) for p in procs]
        reports = [json.loads(out) for out, _err in outputs]
        # each folder was followed by exactly one of the two processes at a time
        followed = [{f["folder"] for f in r["folders"]} for r in reports]
        held = [set(r["errors"]) for r in reports]
        assert followed[0] | followed[1] | held[0] | held[1] == {f"box{i}/INBOX" for i in range(3)}
        # a third pass picks up whatever a held-off folder still had
        again = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
        assert again.returncode == 0, again.stderr.decode()[-2000:]
        with factory() as s:
            assert _count(s, Letter) == 3 * 1500 + 1
            assert _count(s, LetterLocation) == 3 * 1501
