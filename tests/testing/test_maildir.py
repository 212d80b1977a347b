"""Maildir naming and modified UTF-7, without a server."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from letterpress.testing.maildir import (
    MaildirWriter,
    decode_mutf7,
    encode_mutf7,
    ensure_maildir,
    maildir_info,
    maildirpp_name,
)


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", "INBOX"),
        ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),  # RFC 3501: ',' stands for '/'
        ("R&D", "R&-D"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # the RFC's own example
    ],
)
def test_mutf7_round_trip(name: str, encoded: str) -> None:
    assert encode_mutf7(name) == encoded
    assert decode_mutf7(encoded) == name


def test_maildir_info_orders_letters_and_refuses_keywords() -> None:
    assert maildir_info(["\\Seen", "\\Answered", "\\flagged"]) == ":2,FRS"
    assert maildir_info([]) == ":2,"
    with pytest.raises(ValueError, match="keywords"):
        maildir_info(["$Important"])


def test_maildirpp_name() -> None:
    assert maildirpp_name("Projects/2025") == ".Projects.2025"
    assert maildirpp_name("Входящие") == "." + encode_mutf7("Входящие")
    with pytest.raises(ValueError):
        maildirpp_name("a.b")


def test_writer_names_sort_in_writing_order(tmp_path: Path) -> None:
    box = tmp_path / "box"
    ensure_maildir(box, os.getuid(), os.getgid(), subfolder=True)
    writer = MaildirWriter(os.getuid(), os.getgid())
    when = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert writer.write(box, [b"a", (b"bb", when)], flags=["\\Seen"]) == 2
    assert writer.write(box, [b"ccc"]) == 1
    # Dovecot orders new files by the seconds, then the microseconds (M...) of their names.
    names = sorted(
        os.listdir(box / "cur"),
        key=lambda n: (int(n.split(".")[0]), int(n.split(".M")[1].split("P")[0])),
    )
    assert [n.split(",S=")[1] for n in names] == ["1:2,S", "2:2,S", "3:2,"]
    assert (box / "cur" / names[1]).stat().st_mtime == when.timestamp()
    assert not os.listdir(box / "tmp")
    assert (box / "maildirfolder").exists()
