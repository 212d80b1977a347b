"""Writing Maildir folders directly on disk, the way Dovecot's own delivery would leave them.

Used by :class:`letterpress.testing.dovecot.DovecotServer` to load thousands of test letters in a
fraction of a second (the server indexes them on the next SELECT; measured ~29,000 letters/s against
~260-1,400/s for IMAP APPEND). Implements the file naming of https://cr.yp.to/proto/maildir.html
with Dovecot's ``,S=<size>`` extension, and the Maildir++ folder layout (``.Parent.Child``) with
folder names in the modified UTF-7 of RFC 3501 section 5.1.3, as Dovecot stores them.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path

#: IMAP system flag -> Maildir info letter (the letters must appear in ASCII order in the name).
MAILDIR_FLAGS: dict[str, str] = {
    "\\Draft": "D",
    "\\Flagged": "F",
    "\\Answered": "R",
    "\\Seen": "S",
    "\\Deleted": "T",
}

#: A letter to deliver: its raw bytes, or the bytes with the INTERNALDATE the server should report.
Letter = bytes | tuple[bytes, dt.datetime]


def encode_mutf7(name: str) -> str:
    """A mailbox name in the modified UTF-7 of RFC 3501 5.1.3: ``Отправленные`` -> ``&BB4E...``."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def decode_mutf7(name: str) -> str:
    """The inverse of :func:`encode_mutf7`."""
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = name.index("-", i)
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            out.append(base64.b64decode(b64).decode("utf-16-be"))
        i = end + 1
    return "".join(out)


def maildir_info(flags: Iterable[str]) -> str:
    """The ``:2,<letters>`` suffix for IMAP system flags; keywords are refused (no keyword file)."""
    letters = []
    for flag in flags:
        letter = next((v for k, v in MAILDIR_FLAGS.items() if k.lower() == flag.lower()), None)
        if letter is None:
            raise ValueError(
                f"flag {flag!r}: deliver_maildir sets only {', '.join(MAILDIR_FLAGS)}; "
                "use append() for keywords"
            )
        letters.append(letter)
    return ":2," + "".join(sorted(set(letters)))


def maildirpp_name(folder: str) -> str:
    """The Maildir++ directory of a folder: ``Projects/2025`` -> ``.Projects.2025``."""
    parts = folder.split("/")
    for part in parts:
        if not part or "." in part or part.startswith("~"):
            raise ValueError(
                f"folder {folder!r}: parts must be non-empty, without '.', not start with '~'"
            )
    return "." + ".".join(encode_mutf7(p) for p in parts)


def ensure_maildir(path: Path, uid: int, gid: int, *, subfolder: bool) -> None:
    """Create ``cur``, ``new``, ``tmp`` (and the Maildir++ marker file) owned by the mail user."""
    chown = os.geteuid() == 0
    created: list[Path] = []
    for p in (path, path / "cur", path / "new", path / "tmp"):
        if not p.is_dir():
            p.mkdir(mode=0o700, parents=True, exist_ok=True)
            created.append(p)
    marker = path / "maildirfolder"
    if subfolder and not marker.exists():
        marker.touch(mode=0o600)
        created.append(marker)
    if chown:
        for p in created:
            os.chown(p, uid, gid)


class MaildirWriter:
    """Hands out unique, ordered file names; one per server, so UIDs follow the order of writing.

    Dovecot gives UIDs to new files in the order of the time and microseconds in their names, so a
    counter spread over both keeps the letters of one call, and of successive calls, in order.
    """

    def __init__(self, uid: int, gid: int) -> None:
        self.uid = uid
        self.gid = gid
        self._base = int(time.time())
        self._counter = itertools.count()
        self._host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
        self._pid = os.getpid()

    def write(self, maildir: Path, letters: Iterable[Letter], flags: Iterable[str] = ()) -> int:
        """Write ``letters`` into ``maildir/cur`` through ``tmp`` (atomic for a watching server)."""
        info = maildir_info(flags)
        chown = os.geteuid() == 0
        tmp_dir = os.fspath(maildir / "tmp")
        cur_dir = os.fspath(maildir / "cur")
        count = 0
        for letter in letters:
            data, when = (letter, None) if isinstance(letter, bytes) else letter
            n = next(self._counter)
            base = f"{self._base + n // 1_000_000}.M{n % 1_000_000}P{self._pid}Q{n}.{self._host}"
            tmp_path = f"{tmp_dir}/{base}"
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if chown:
                    os.fchown(fd, self.uid, self.gid)
            finally:
                os.close(fd)
            if when is not None:
                stamp = when.timestamp()
                os.utime(tmp_path, (stamp, stamp))
            os.rename(tmp_path, f"{cur_dir}/{base},S={len(data)}{info}")
            count += 1
        return count
