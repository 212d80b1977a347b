"""Exactly once under failure: kill -9 of the daemon mid-import, a Dovecot restart mid-sync."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import Event, Letter, LetterLink, LetterLocation, MailFolder
from letterpress.db.session import session_factory
from letterpress.testing import letters
from letterpress.testing.dovecot import DovecotServer
from letterpress.testing.mailconf import write_config

pytestmark = pytest.mark.slow
N_LETTERS = 5000


def _count(s: Session, model: type) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def _prepare(engine: Engine) -> None:
    with session_factory(engine)() as s:
        users.add_user(s, "manager1")
        create_counterparty(s, CounterpartyData(name="Строймаш", domains=["stroymash.ru"]))
        s.commit()


def _corpus(n: int) -> list[bytes]:
    return [letters.letter(subject=f"Заказ {i}", message_id=f"crash{i}@stroymash.ru",
                           sender=(f"Сотрудник {i % 50}", f"person{i % 50}@stroymash.ru"),
                           body=f"Письмо номер {i}.\n" * 5)
            for i in range(n)]


def _sync_cmd(config: Path) -> list[str]:
    return [sys.executable, "-m", "letterpress", "--config", str(config), "mail", "sync", "--once"]


def test_kill_9_at_random_points_files_every_letter_once(tmp_path: Path, db_url: str,
                                                         engine: Engine,
                                                         dovecot: DovecotServer) -> None:
    _prepare(engine)
    info = dovecot.new_user()
    dovecot.deliver_maildir(info.user, "INBOX", _corpus(N_LETTERS))
    config = write_config(tmp_path / "lp.toml", database_url=db_url, data_dir=tmp_path / "d",
                          mailboxes=[info.mailbox_entry("box", owner="manager1")],
                          sections={"mail": {"fetch_batch": 50}})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    rng = random.Random(20261127)
    kills = 0
    factory = session_factory(engine)
    progress: list[int] = []
    while kills < 5:
        with factory() as s:
            before = _count(s, Letter)
        proc = subprocess.Popen(_sync_cmd(config), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:  # wait until letters flow
            with factory() as s:
                if _count(s, Letter) > before:
                    break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.25))  # then a random point of the import
        if proc.poll() is not None:
            proc.wait()
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        with factory() as s:
            progress.append(_count(s, Letter))
    final = subprocess.run(_sync_cmd(config), env=env, capture_output=True, timeout=600,
                           check=False)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    with factory() as s:
        assert _count(s, Letter) == N_LETTERS
        assert _count(s, LetterLocation) == N_LETTERS
        assert _count(s, LetterLink) == N_LETTERS
        assert _count(s, Event) == N_LETTERS
        folder = s.scalar(select(MailFolder))
        assert folder is not None and folder.last_uid == N_LETTERS
    assert kills >= 5, f"the import finished before 5 kills (progress {progress})"
    assert progress == sorted(progress) and progress[-1] < N_LETTERS, progress


def test_dovecot_restart_mid_sync_then_retry_completes(tmp_path: Path, db_url: str,
                                                       engine: Engine,
                                                       dovecot: DovecotServer) -> None:
    _prepare(engine)
    info = dovecot.new_user()
    dovecot.deliver_maildir(info.user, "INBOX", _corpus(3000))
    config = write_config(tmp_path / "lp.toml", database_url=db_url, data_dir=tmp_path / "d",
                          mailboxes=[info.mailbox_entry("box", owner="manager1")])
    proc = subprocess.Popen(_sync_cmd(config), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.8)
    dovecot.kill()
    dovecot.start()
    _out, err = proc.communicate(timeout=300)
    first = proc.returncode
    again = subprocess.run(_sync_cmd(config), capture_output=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    with session_factory(engine)() as s:
        assert _count(s, Letter) == 3000 and _count(s, LetterLocation) == 3000
        assert _count(s, Event) == 3000
    assert first in (0, 1), err.decode()[-2000:]
