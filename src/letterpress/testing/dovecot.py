"""A real Dovecot IMAP/LMTP server for tests and benchmarks, in a temporary directory of its own.

::

    with DovecotServer() as server:            # or tls=True for an IMAPS listener too
        alice = server.add_user("alice", "secret")
        server.deliver_maildir("alice", "INBOX", letters)        # ~35,000 letters/s, on disk
        server.lmtp_deliver("alice", letter)                     # like an MTA: the server files it
        uid = server.append("alice", "Sent", letter, flags=["\\Seen"])
        box = server.add_shared_mailbox("sales", {"alice": "lrws"})   # -> "Public/sales"
        server.reset_uidvalidity("alice", "INBOX")
        entry = alice.mailbox_entry("alice-inbox")               # a [[mailboxes]] entry

The server runs Debian's ``dovecot`` binary with a config written by
:mod:`letterpress.testing.dovecot_conf` (Maildir, the acl plugin, IMAP and LMTP on free loopback
ports); as root the mail belongs to the ``mail`` user (uid 8), otherwise Dovecot runs rootless as
the caller. Start takes ~0.05-0.1 s, stop ~0.03 s (see :meth:`DovecotServer.stop` for why not
``doveadm stop``'s 1-10 s). Facts behind the choices: shared/notes/mail-stack.md.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import imaplib
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import smtplib
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from letterpress.testing import dovecot_conf
from letterpress.testing.dovecot_conf import PUBLIC_PREFIX, SHARED_PREFIX, ConfParams
from letterpress.testing.dovecot_process import (
    HOST,
    DovecotError,
    find_doveadm,
    find_dovecot,
    free_ports,
    greets,
    group_members,
    is_master,
    make_root,
    unavailable_reason,
)
from letterpress.testing.mail_account import ConnectionInfo, Security, aioimap_client
from letterpress.testing.maildir import (
    Letter,
    MaildirWriter,
    encode_mutf7,
    ensure_maildir,
    maildirpp_name,
)

__all__ = [
    "ConnectionInfo",
    "DovecotError",
    "DovecotServer",
    "aioimap_client",
    "quote_mailbox",
    "unavailable_reason",
]

ACL_RIGHTS = frozenset("lrwstipekxa")
#: Services that write no mail: once only these are left, stopping may kill them.
_HOLD_NO_MAIL = frozenset({"master", "log", "login", "anvil", "config", "stats", "auth"})
_LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]+$")


def quote_mailbox(name: str) -> str:
    """A mailbox name as an IMAP quoted string in modified UTF-7 (imaplib quotes nothing itself)."""
    encoded = encode_mutf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(typ: str, data: list[Any], what: str) -> list[Any]:
    if typ != "OK":
        raise DovecotError(f"{what}: {typ} {data!r}")
    return data


class DovecotServer:
    """One Dovecot instance: IMAP (and optionally IMAPS) plus LMTP on free loopback ports.

    Ports are chosen once and kept across :meth:`restart`, so clients configured with them
    reconnect to the same address. The directory is removed by :meth:`close` unless ``keep_dir``.
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        directory: str | os.PathLike[str] | None = None,
        keep_dir: bool = False,
        start_timeout: float = 15.0,
        binary: str | os.PathLike[str] | None = None,
    ) -> None:
        found = Path(binary) if binary else find_dovecot()
        if found is None:
            raise DovecotError(unavailable_reason() or "dovecot not found")
        self.binary = found
        self.doveadm = find_doveadm(found) or found.with_name("doveadm")
        self.tls = tls
        self.keep_dir = keep_dir
        self.start_timeout = start_timeout
        self.root = make_root(directory)
        self.conf_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self._out_path = self.root / "dovecot.out"
        self.rootless = os.geteuid() != 0
        if self.rootless:
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()
        else:
            try:
                entry = pwd.getpwnam("mail")
                self.mail_uid, self.mail_gid = entry.pw_uid, entry.pw_gid
            except KeyError:
                self.mail_uid = self.mail_gid = 8
        self.imap_port, self.lmtp_port, imaps = free_ports(3)
        self.imaps_port: int | None = imaps if tls else None
        self.cert_path: Path | None = None
        self._users: dict[str, str] = {}
        self._user_seq = itertools.count(1)
        self._pgid: int | None = None
        self._ever_started = False
        self._writer = MaildirWriter(self.mail_uid, self.mail_gid)
        try:
            self._layout()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self._owner_pid = os.getpid()
        _LIVE.add(self)

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Self:
        if not self.running:
            try:
                self.start()
            except BaseException:
                self.close()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """Whether the master process is alive."""
        return self._pgid is not None and is_master(self._pgid, self.conf_path)

    @property
    def master_pid(self) -> int | None:
        """The master's pid (also its process group's id) while it runs."""
        return self._pgid if self.running else None

    def start(self) -> Self:
        """Start the master and wait until IMAP and LMTP answer with their greetings."""
        if self.running:
            raise DovecotError("Dovecot is already running")
        self.kill()  # what a master that died on its own left behind still holds the ports
        for attempt in itertools.count(1):
            self._write_conf()
            pid_file = self.root / "run" / "master.pid"
            pid_file.unlink(missing_ok=True)
            with open(self._out_path, "wb") as out:
                # The daemonised master inherits these: never a pipe (a reader would hang).
                proc = subprocess.run(
                    [str(self.binary), "-c", str(self.conf_path)],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False,
                    timeout=self.start_timeout,
                )  # fmt: skip
            if proc.returncode == 0:
                break
            output = self.log_tail()
            if "in use" in output and not self._ever_started and attempt < 5:
                # Someone took a port between free_ports() and the bind: pick new ones.
                self.imap_port, self.lmtp_port, imaps = free_ports(3)
                self.imaps_port = imaps if self.tls else None
                continue
            raise DovecotError(f"dovecot exited with status {proc.returncode}\n{output}")
        self._pgid = self._read_master_pid(pid_file)
        self._ever_started = True
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self, *, graceful: bool = True, timeout: float = 3.0) -> None:
        """Stop the server: SIGTERM to the master and all its processes, SIGKILL what lingers.

        Signalled together, imap processes say ``* BYE Server shutting down`` and exit at once and
        the master needs ~0.1 s; SIGTERM to the master alone (``doveadm stop``) takes 1-10 s, as
        the master sleeps and its imap processes wait for their clients. Once the processes that
        write mail (imap, lmtp, indexer) are gone, the rest is killed: a login process started by
        a late connection would wait 5 s for services already gone. ``graceful=False`` is
        :meth:`kill`.
        """
        if self._pgid is None:
            return
        if graceful and self.running:
            for pid in self._members():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if set(self._members().values()) <= _HOLD_NO_MAIL:
                    break
                time.sleep(0.01)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the master and every process it started, at once (a crash, as clients see it)."""
        if self._pgid is None:
            return
        deadline = time.monotonic() + 10
        while (members := self._members()) and time.monotonic() < deadline:
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        (self.root / "run" / "master.pid").unlink(missing_ok=True)
        self._pgid = None

    def restart(self, *, graceful: bool = True) -> None:
        """Stop and start again on the same ports; the mail and UIDVALIDITY stay."""
        self.stop(graceful=graceful)
        self.start()

    def close(self) -> None:
        """Kill the server and remove its directory (unless ``keep_dir``)."""
        self.kill()
        _LIVE.discard(self)
        if not self.keep_dir:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        """The end of Dovecot's log and of the start command's output, for error messages."""
        parts = []
        for path in (self._out_path, self.log_path):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                if text:
                    parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts) or "(no log output)"

    # -- users and access ------------------------------------------------------------------

    def add_user(self, login: str, password: str | None = None) -> ConnectionInfo:
        """Create (or re-password) a user with an empty Maildir; takes effect at once."""
        if not _LOGIN_RE.match(login) or login.startswith("."):
            raise ValueError(f"login {login!r}: use letters, digits and . _ @ - only")
        password = password if password is not None else secrets.token_hex(8)
        if any(c in password for c in ":\n\r"):
            raise ValueError("password: ':' and line breaks cannot be stored in a passwd-file")
        repassworded = login in self._users and self._users[login] != password
        self._users[login] = password
        ensure_maildir(self.home(login) / "Maildir", self.mail_uid, self.mail_gid, subfolder=False)
        if not self.rootless:
            os.chown(self.home(login), self.mail_uid, self.mail_gid)
        path = self.root / "users" / login
        line = (
            f"{login}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::{self.home(login)}::\n"
        )
        tmp = path.with_name(f".{login}.tmp")
        tmp.write_text(line)
        tmp.chmod(0o644)
        if repassworded:
            # Dovecot re-reads a known passwd-file when its mtime (in seconds) or size changed,
            # and looks at most once a second: move the mtime on, and let that second pass.
            stamp = max(int(time.time()), int(path.stat().st_mtime) + 1)
            os.utime(tmp, (stamp, stamp))
        os.replace(tmp, path)
        if repassworded and self.running:
            time.sleep(1.05 - time.time() % 1)
        return self.connection_info(login)

    def new_user(self, prefix: str = "user") -> ConnectionInfo:
        """A fresh user with a generated login and password (one per test on a shared server)."""
        login = f"{prefix}{next(self._user_seq)}"
        while login in self._users:
            login = f"{prefix}{next(self._user_seq)}"
        return self.add_user(login)

    @property
    def users(self) -> Mapping[str, str]:
        """login -> password."""
        return dict(self._users)

    def connection_info(self, user: str, security: Security = "plain") -> ConnectionInfo:
        """Host, port, login and password of ``user`` for the given kind of connection."""
        password = self._password(user)
        if security != "plain" and not self.tls:
            raise DovecotError(f"security={security!r} needs DovecotServer(tls=True)")
        if security == "tls":
            assert self.imaps_port is not None
            port = self.imaps_port
        else:
            port = self.imap_port
        return ConnectionInfo(HOST, port, user, password, security, self.cert_path)

    def add_shared_mailbox(self, name: str, rights: Mapping[str, str]) -> str:
        """A mailbox in the public namespace that only the named users see; returns its IMAP name.

        ``rights`` maps a login (or ``anyone``, ``authenticated``, ``group=NAME``) to IMAP ACL
        letters (RFC 4314), e.g. ``{"alice": "lrws", "bob": "lr"}``; calling again replaces them.
        New IMAP sessions see the change; running ones may cache the old rights for 30 s.
        """
        lines = []
        for who, letters in rights.items():
            bad = set(letters) - ACL_RIGHTS
            if bad:
                raise ValueError(f"rights for {who!r}: unknown letters {''.join(sorted(bad))!r}")
            ident = (
                who if who in ("anyone", "authenticated", "owner") or "=" in who else f"user={who}"
            )
            lines.append(f"{ident} {letters}\n")
        path = self.root / "public" / maildirpp_name(name)
        ensure_maildir(path, self.mail_uid, self.mail_gid, subfolder=True)
        self._write_owned(path / "dovecot-acl", "".join(lines).encode())
        return PUBLIC_PREFIX + name

    def share_folder(self, owner: str, folder: str, grantee: str, rights: str) -> str:
        """``owner`` grants ``grantee`` rights by IMAP SETACL; returns the grantee's name for it."""
        with self.imap(owner) as client:
            _check(*client.setacl(quote_mailbox(folder), grantee, rights), "SETACL")
        return f"{SHARED_PREFIX}{owner}/{folder}"

    # -- mail --------------------------------------------------------------------------------

    def home(self, user: str) -> Path:
        return self.root / "home" / user

    def maildir_path(self, user: str, folder: str) -> Path:
        """Where ``folder`` of ``user`` is on disk (``Public/...``, ``shared/<owner>/...`` too)."""
        if folder.upper() == "INBOX":
            return self.home(user) / "Maildir"
        if folder.startswith(PUBLIC_PREFIX):
            return self.root / "public" / maildirpp_name(folder[len(PUBLIC_PREFIX) :])
        if folder.startswith(SHARED_PREFIX):
            owner, _, rest = folder[len(SHARED_PREFIX) :].partition("/")
            return self.maildir_path(owner, rest)
        return self.home(user) / "Maildir" / maildirpp_name(folder)

    def deliver_maildir(
        self, user: str, folder: str, messages: Iterable[Letter], flags: Iterable[str] = ()
    ) -> int:
        """Write letters straight into the folder's Maildir (created if missing); returns the count.

        The server gives them consecutive UIDs, in this order, on the next SELECT or STATUS.
        A message may be ``(bytes, datetime)`` to set its INTERNALDATE. Flags: system flags only.
        """
        self._password(user)
        path = self.maildir_path(user, folder)
        if not (path / "cur").is_dir():
            if self.running and not folder.startswith((PUBLIC_PREFIX, SHARED_PREFIX)):
                self.create_folder(user, folder)  # through the server, so LIST knows it at once
            else:
                ensure_maildir(path, self.mail_uid, self.mail_gid, subfolder=True)
        return self._writer.write(path, messages, flags)

    def append(
        self,
        user: str,
        folder: str,
        message: bytes,
        flags: Iterable[str] = (),
        date_time: float | None = None,
    ) -> int | None:
        """IMAP APPEND as ``user`` (creating the folder if missing); returns the new UID.

        The UID comes from the APPENDUID response code (RFC 4315); None if the server gave none.
        """
        return self.append_many(user, folder, [message], flags, date_time)[0]

    def append_many(
        self,
        user: str,
        folder: str,
        messages: Iterable[bytes],
        flags: Iterable[str] = (),
        date_time: float | None = None,
    ) -> list[int | None]:
        """Several APPENDs over one connection (a login costs more than an APPEND); their UIDs."""
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        stamp = imaplib.Time2Internaldate(date_time) if date_time is not None else None
        mailbox = quote_mailbox(folder)
        uids: list[int | None] = []
        with self.imap(user) as client:
            for message in messages:
                typ, data = client.append(mailbox, flag_list, stamp, message)
                if typ == "NO" and b"[TRYCREATE]" in (data[0] or b"") and not uids:
                    _check(*client.create(mailbox), "CREATE")
                    _check(*client.subscribe(mailbox), "SUBSCRIBE")
                    typ, data = client.append(mailbox, flag_list, stamp, message)
                _check(typ, data, "APPEND")
                match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
                uids.append(int(match.group(1)) if match else None)
        return uids

    def lmtp_deliver(
        self,
        user: str,
        message: bytes,
        *,
        folder: str | None = None,
        sender: str = "sender@example.test",
    ) -> None:
        """Deliver one letter over LMTP, as an MTA would (the server files it, IDLE sees it)."""
        self.lmtp_deliver_many(user, [message], folder=folder, sender=sender)

    def lmtp_deliver_many(
        self,
        user: str,
        messages: Iterable[bytes],
        *,
        folder: str | None = None,
        sender: str = "sender@example.test",
    ) -> int:
        """Several letters over one LMTP connection, one recipient per transaction (see notes)."""
        self._password(user)
        rcpt = user
        if folder is not None and folder.upper() != "INBOX":
            if not re.fullmatch(r"[A-Za-z0-9_/-]+", folder):
                raise ValueError(f"folder {folder!r}: LMTP +detail takes ASCII names; use append()")
            local, at, domain = user.partition("@")
            rcpt = f"{local}+{folder}{at}{domain}"
        count = 0
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            for message in messages:
                data = re.sub(rb"\r?\n", b"\r\n", message)
                options = [] if data.isascii() else ["BODY=8BITMIME"]
                lmtp.sendmail(sender, [rcpt], data, mail_options=options)
                count += 1
        return count

    def create_folder(self, user: str, name: str, *, subscribe: bool = True) -> None:
        """Create a folder as ``user`` (through IMAP when running, on disk when stopped)."""
        if not self.running:
            path = self.maildir_path(user, name)
            ensure_maildir(path, self.mail_uid, self.mail_gid, subfolder=True)
            return
        with self.imap(user) as client:
            _check(*client.create(quote_mailbox(name)), "CREATE")
            if subscribe:
                _check(*client.subscribe(quote_mailbox(name)), "SUBSCRIBE")

    def uidvalidity(self, user: str, folder: str) -> int:
        """The folder's UIDVALIDITY as the server reports it (STATUS)."""
        return self.status(user, folder)["UIDVALIDITY"]

    def status(self, user: str, folder: str) -> dict[str, int]:
        """STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN) of a folder."""
        with self.imap(user) as client:
            data = _check(
                *client.status(quote_mailbox(folder), "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"),
                "STATUS",
            )
        raw = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
        inner = raw[raw.rindex("(") + 1 : raw.rindex(")")].split()
        return {inner[i].upper(): int(inner[i + 1]) for i in range(0, len(inner), 2)}

    def reset_uidvalidity(self, user: str, folder: str, *, renumber: bool = False) -> int | None:
        """Force a new UIDVALIDITY on a folder, as after a server-side rebuild; returns it.

        ``renumber=False`` (server running): ``doveadm mailbox update --uid-validity``, the UIDs
        stay. ``renumber=True``, or a stopped server: the folder's uidlist and index files are
        deleted with the server stopped, so Dovecot numbers the letters afresh from 1 (this costs a
        graceful restart). Returns None when the server is left stopped.
        """
        if not renumber and self.running:
            old = self.uidvalidity(user, folder)
            self._doveadm(
                "mailbox",
                "update",
                "-u",
                user,
                "--uid-validity",
                str(old + 1),
                encode_mutf7(folder),
            )
            return old + 1
        was_running = self.running
        old_value = self.uidvalidity(user, folder) if was_running else None
        self.stop()
        self._forget_indexes(user, folder)
        if not was_running:
            return None
        self.start()
        new = self.uidvalidity(user, folder)
        if new == old_value:  # Dovecot derives it from the clock; never the same value twice
            return self.reset_uidvalidity(user, folder, renumber=False)
        return new

    @contextlib.contextmanager
    def imap(self, user: str, *, timeout: float = 30.0) -> Iterator[imaplib.IMAP4]:
        """A logged-in stdlib IMAP client for ``user``; logs out (and closes) on exit."""
        client = imaplib.IMAP4(HOST, self.imap_port, timeout=timeout)
        try:
            client.login(user, self._password(user))
            yield client
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                client.shutdown()

    # -- internals ---------------------------------------------------------------------------

    def _members(self) -> dict[int, str]:
        return group_members(self._pgid, self.conf_path) if self._pgid is not None else {}

    def _password(self, user: str) -> str:
        try:
            return self._users[user]
        except KeyError:
            raise DovecotError(f"no user {user!r}: call add_user() first") from None

    def _layout(self) -> None:
        for name in ("run", "state", "users"):
            (self.root / name).mkdir(mode=0o755, exist_ok=True)
        for name in ("home", "public", "acl"):
            path = self.root / name
            path.mkdir(mode=0o755, exist_ok=True)
            if not self.rootless:
                os.chown(path, self.mail_uid, self.mail_gid)
        if self.tls:
            self.cert_path, _ = dovecot_conf.make_self_signed_cert(self.root / "ssl")

    def _write_conf(self) -> None:
        rootless = None
        if self.rootless:
            rootless = (pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)
        params = ConfParams(
            root=self.root,
            imap_port=self.imap_port,
            lmtp_port=self.lmtp_port,
            imaps_port=self.imaps_port,
            mail_uid=self.mail_uid,
            mail_gid=self.mail_gid,
            rootless=rootless,
            cert=self.cert_path,
            key=self.root / "ssl" / "key.pem" if self.cert_path else None,
        )
        self.conf_path.write_text(dovecot_conf.render(params))

    def _write_owned(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        if not self.rootless:
            os.chown(tmp, self.mail_uid, self.mail_gid)
        os.replace(tmp, path)

    def _read_master_pid(self, pid_file: Path) -> int:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                return int(pid_file.read_text().split()[0])
            time.sleep(0.01)
        raise DovecotError(f"no {pid_file} after start\n{self.log_tail()}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        checks = [(self.imap_port, b"* OK"), (self.lmtp_port, b"220")]
        if self.imaps_port is not None:
            checks.append((self.imaps_port, b""))
        for port, greeting in checks:
            while not greets(port, greeting):
                if not self.running:
                    raise DovecotError(f"Dovecot died during start-up\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise DovecotError(
                        f"port {port} did not answer within {self.start_timeout} s\n"
                        f"{self.log_tail()}"
                    )
                time.sleep(0.02)

    def _doveadm(self, *args: str) -> str:
        proc = subprocess.run(
            [str(self.doveadm), "-c", str(self.conf_path), *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def _forget_indexes(self, user: str, folder: str) -> None:
        """Delete what holds a folder's UIDs: its uidlist, its indexes, the mailbox list index."""
        path = self.maildir_path(user, folder)
        doomed = [path / "dovecot-uidlist", *path.glob("dovecot.index*")]
        roots = [self.home(u) / "Maildir" for u in self._users]
        doomed += [p for root in roots for p in root.glob("dovecot.list.index*")]
        if folder.startswith(PUBLIC_PREFIX):
            rel = maildirpp_name(folder[len(PUBLIC_PREFIX) :])
            doomed += [
                p for u in self._users for p in (self.home(u) / "public-idx" / rel).glob("*")
            ]
            doomed += list((self.root / "public").glob("dovecot.list.index*"))
        for p in doomed:
            if p.is_file():
                p.unlink()


#: Servers not yet closed: a script that dies without closing one must not leave Dovecot running.
_LIVE: set[DovecotServer] = set()


@atexit.register
def _close_leftovers() -> None:
    for server in list(_LIVE):
        if server._owner_pid == os.getpid():  # not in a forked child: the server is the parent's
            server.close()
