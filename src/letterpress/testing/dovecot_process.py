"""Where a test Dovecot runs and how its processes are found: binary, directory, ports, /proc.

The master daemonises into a session (and process group) of its own whose id is its pid; every
process it starts (log, auth, imap-login, imap, lmtp ...) stays in that group, titled
``dovecot/<service>``. Stopping and killing work on that group, and only on processes that carry
those titles, so a recycled pid never makes us signal a stranger.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

HOST = "127.0.0.1"
BINARY_ENV = "LETTERPRESS_DOVECOT"
DIR_ENV = "LETTERPRESS_DOVECOT_DIR"
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class DovecotError(RuntimeError):
    """The test server could not be started, stopped or driven; the message has the log's tail."""


def find_dovecot() -> Path | None:
    """The ``dovecot`` binary: ``$LETTERPRESS_DOVECOT``, then PATH, then the usual sbin folders."""
    named = os.environ.get(BINARY_ENV)
    if named:
        return Path(named) if os.access(named, os.X_OK) else None
    found = shutil.which("dovecot")
    if found:
        return Path(found)
    for folder in _SBIN_DIRS:
        candidate = Path(folder) / "dovecot"
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def find_doveadm(dovecot: Path) -> Path | None:
    beside = dovecot.with_name("doveadm")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("doveadm")
    return Path(found) if found else None


def unavailable_reason() -> str | None:
    """Why no test server can run here, or None when one can."""
    binary = find_dovecot()
    if binary is None:
        return "Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
    if find_doveadm(binary) is None:
        return f"doveadm is missing (looked beside {binary} and on PATH)"
    return None


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in socks]


def greets(port: int, greeting: bytes) -> bool:
    """Whether the port accepts a connection and its first line starts with ``greeting``."""
    try:
        with socket.create_connection((HOST, port), timeout=2) as sock:
            if not greeting:
                return True
            data = b""
            while b"\n" not in data:
                chunk = sock.recv(512)
                if not chunk:
                    return False
                data += chunk
            return data.startswith(greeting)
    except OSError:
        return False


def make_root(directory: str | os.PathLike[str] | None) -> Path:
    """A fresh 0755 directory that the ``mail``, ``dovecot`` and ``dovenull`` users can traverse.

    By default on tmpfs (/dev/shm): writing Maildir files there measured ~35,000 letters/s
    against ~2,000/s on this machine's busy /tmp disk. ``$LETTERPRESS_DOVECOT_DIR`` overrides.
    """
    named = directory if directory is not None else os.environ.get(DIR_ENV) or None
    if named is not None:
        parent = Path(named)
        if os.geteuid() == 0 and not _traversable(parent):
            raise DovecotError(f"{parent}: every folder on the path must be world-traversable")
    else:
        candidates = [Path(p) for p in ("/dev/shm", tempfile.gettempdir(), "/tmp")]
        usable = (p for p in candidates if os.access(p, os.W_OK | os.X_OK) and _traversable(p))
        parent = next(usable, Path("/tmp"))
    root = Path(tempfile.mkdtemp(prefix="lp-dovecot-", dir=parent)).resolve()
    root.chmod(0o755)
    # Unix socket paths are limited to 108 bytes; the longest Dovecot socket name is ~30.
    if len(str(root / "run" / "login")) + 30 > 107:
        shutil.rmtree(root)
        raise DovecotError(f"{root}: too long for Dovecot's sockets; pass a shorter directory")
    return root


def _traversable(path: Path) -> bool:
    path = path.resolve()
    for p in (path, *path.parents):
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _stat_fields(pid: int) -> list[bytes] | None:
    """Fields of /proc/PID/stat after the command name: state, ppid, pgrp, ..."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()
    except OSError:
        return None


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def is_master(pid: int, conf_path: Path) -> bool:
    """True while ``pid`` is a live (non-zombie) Dovecot master started with ``conf_path``."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] == b"Z":
        return False
    return os.fsencode(conf_path) in _cmdline(pid).split(b"\0")


def group_members(pgid: int, conf_path: Path) -> dict[int, str]:
    """Live Dovecot processes of the group ``pgid``: pid -> service (``imap``, ``login`` ...)."""
    members: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat_fields(pid)
        if fields is None or int(fields[2]) != pgid or fields[0] == b"Z":
            continue
        title = _cmdline(pid).split(b"\0")[0]
        if title.startswith(b"dovecot/"):
            service = (title[len(b"dovecot/") :].split() or [b"?"])[0].decode(errors="replace")
            members[pid] = "login" if service.endswith("-login") else service
        elif pid == pgid and is_master(pid, conf_path):
            members[pid] = "master"
    return members
