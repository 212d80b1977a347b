"""A thin IMAP4rev1 client on aioimaplib: connect (TLS, STARTTLS or plain), EXAMINE, UID SEARCH,
batched UID FETCH of BODY.PEEK[] (never touching \\Seen), and IDLE.

aioimaplib rescans its buffer on every line, so one FETCH of many letters is quadratic; fetches
are cut into batches (``mail.fetch_batch``) and the next batch is requested before the current one
is processed, and its response splitter is replaced by a linear one (:class:`_Protocol`).
Third-party errors are translated here into the graded mail errors: connection and login
failures are :class:`AccountError`, a folder that cannot be examined is :class:`FolderError`.
Credentials never appear in messages.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import aioimaplib
from aioimaplib.aioimaplib import (  # type: ignore[import-untyped]
    CRLF,
    Command,
    FetchCommand,
    IncompleteRead,
    literal_data_re,
    matched_parenthesis,
)
from aioimaplib.aioimaplib import log as _aioimaplib_log

from letterpress.errors import AccountError, FolderError

_UIDVALIDITY_RE = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT_RE = re.compile(rb"\[UIDNEXT (\d+)\]")
_EXISTS_RE = re.compile(rb"^(\d+) EXISTS")
_FETCH_UID_RE = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: str  # tls | starttls | plain
    user: str
    password: str
    timeout: float = 30.0
    verify_tls: bool = True
    ca_file: str = ""

    def __repr__(self) -> str:
        return f"Endpoint({self.user}@{self.host}:{self.port}, {self.security})"


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int | None
    exists: int


def _ssl_context(endpoint: Endpoint) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=endpoint.ca_file or None)
    if not endpoint.verify_tls:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class _Protocol(aioimaplib.IMAP4ClientProtocol):  # type: ignore[misc]
    """aioimaplib's protocol (2.0.3) with the same response splitting, done in linear time.

    Upstream copies the rest of the received chunk at every line and every literal
    (``data.partition``, ``data[n:]``, recursing once per line), formats each chunk for a debug
    message even when nobody logs it, and after every line of a FETCH response rescans all the
    lines received so far for the last ``n FETCH (``. With ~200 KB chunks of ~15 KB letters that
    was ~250 us of CPU a letter, on the thread that also feeds the parsers and the database. Here
    the chunk is walked with an offset (literals are copied once, into the command), and the
    FETCH check scans back from the end to the same line; the decisions are upstream's, in the
    same order.
    """

    current_command: Any  # both set by upstream's __init__
    incomplete_line: bytes

    def data_received(self, d: bytes) -> None:
        if _aioimaplib_log.isEnabledFor(logging.DEBUG):
            _aioimaplib_log.debug("Received : %s", d)
        try:
            self._handle_responses(self.incomplete_line + d, self._handle_line,
                                   self.current_command)
            self.incomplete_line = b""
            self.current_command = None
        except IncompleteRead as incomplete_read:
            self.current_command = incomplete_read.cmd
            self.incomplete_line = incomplete_read.data

    def _handle_responses(self, data: bytes, line_handler: Callable[[bytes, Any], Any],
                          current_cmd: Any = None) -> None:
        view = memoryview(data)
        pos, end = 0, len(data)
        while True:
            if pos >= end:
                if self.pending_sync_command is not None:
                    self.pending_sync_command.flush()
                if current_cmd is not None and _waits_for_data(current_cmd):
                    raise IncompleteRead(current_cmd)
                return
            if current_cmd is not None and current_cmd.wait_literal_data():
                pos = end - len(current_cmd.append_literal_data(view[pos:]))
                if current_cmd.wait_literal_data():
                    raise IncompleteRead(current_cmd)
            eol = data.find(CRLF, pos)
            if eol < 0:
                raise IncompleteRead(current_cmd, data[pos:])
            line = data[pos:eol]
            pos = eol + 2
            cmd = line_handler(line, current_cmd)
            begin_literal = literal_data_re.match(line)
            if begin_literal:
                if cmd is None:
                    cmd = Command("NIL", "unused")
                cmd.begin_literal_data(int(begin_literal.group("size")))
                current_cmd = cmd
            elif cmd is not None and _waits_for_data(cmd):
                current_cmd = cmd
            else:
                current_cmd = None

    async def fetch(self, message_set: str, message_parts: str, by_uid: bool = False,
                    timeout: float | None = None) -> Any:
        """Upstream's FETCH, with the read timeout of :class:`_FetchCommand`."""
        return await self.execute(
            _FetchCommand(self.new_tag(), message_set, message_parts,
                          prefix="UID" if by_uid else "", loop=self.loop, timeout=timeout))


class _FetchCommand(FetchCommand):  # type: ignore[misc]
    """Upstream's FETCH command with its read timeout kept lazily, to the same effect.

    Upstream cancels its timer and schedules a new one at every line and every chunk of a
    literal received: four or more times a letter, ~25 us each, on the thread that also feeds
    the parsers and the database (``bench.ingest``). Here receiving only notes the time; the one
    timer, when it fires, schedules itself again for whatever remains of the timeout since the
    last data, and only then times the command out.
    """

    _last_data: float

    def _set_timer(self) -> None:
        self._last_data = self._loop.time()
        if self._timeout is not None:
            self._timer = self._loop.call_later(self._timeout, self._check_timeout)

    def _reset_timer(self) -> None:
        self._last_data = self._loop.time()

    def _check_timeout(self) -> None:
        remaining = self._last_data + self._timeout - self._loop.time()
        if remaining > 0:
            self._timer = self._loop.call_later(remaining, self._check_timeout)
        else:
            self._timeout_callback()


def _waits_for_data(cmd: Any) -> bool:
    """``cmd.wait_data()``; for FETCH, upstream's test, the last ``n FETCH (`` found from the end."""
    if not isinstance(cmd, FetchCommand):
        return bool(cmd.wait_data())
    lines = cmd.response.lines
    start = 0
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if isinstance(line, bytes) and FetchCommand.FETCH_MESSAGE_DATA_RE.match(line):
            start = index
            break
    return not matched_parenthesis(b"".join(x for x in lines[start:] if isinstance(x, bytes)))


class _Client(aioimaplib.IMAP4):  # type: ignore[misc]
    """``aioimaplib.IMAP4`` (TLS when given an SSL context) talking through :class:`_Protocol`."""

    def create_client(self, host: str, port: int, loop: asyncio.AbstractEventLoop | None,
                      conn_lost_cb: Callable[[Exception | None], None] | None = None,
                      ssl_context: ssl.SSLContext | None = None) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = _Protocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(local_loop.create_connection(
            lambda: self.protocol, host, port, ssl=ssl_context))


def quote_mailbox(name: str) -> str:
    """A quoted IMAP string (folder names may hold spaces; modified UTF-7 is the caller's job)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapConnection:
    """One authenticated connection; use as ``async with ImapConnection(endpoint) as conn``."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.client: aioimaplib.IMAP4 | None = None

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        ep = self.endpoint
        try:
            if ep.security == "tls":
                self.client = _Client(ep.host, ep.port, timeout=ep.timeout,
                                      ssl_context=_ssl_context(ep))
            else:
                self.client = _Client(ep.host, ep.port, timeout=ep.timeout)
            await self.client.wait_hello_from_server()
            if ep.security == "starttls":
                await self._starttls()
            response = await self.client.login(ep.user, ep.password)
        except (TimeoutError, OSError, ssl.SSLError, aioimaplib.AioImapException) as exc:
            await self.close()
            # A refused TLS handshake leaves asyncio's own transport closing on a callback of
            # the loop's next turn: let it run, or a sync that ends here drops the socket open.
            await asyncio.sleep(0)
            raise AccountError(f"cannot connect to {ep.host}:{ep.port} ({ep.security}): "
                               f"{type(exc).__name__}: {exc}") from None
        if response.result != "OK":
            await self.close()
            raise AccountError(f"login as {ep.user!r} at {ep.host}:{ep.port} refused")

    async def _starttls(self) -> None:
        assert self.client is not None
        protocol = self.client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise AccountError(f"{self.endpoint.host} does not offer STARTTLS")
        cmd = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await asyncio.wait_for(protocol.execute(cmd), self.endpoint.timeout)
        if response.result != "OK":
            raise AccountError(f"STARTTLS refused by {self.endpoint.host}")
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(protocol.transport, protocol, _ssl_context(self.endpoint),
                                         server_hostname=self.endpoint.host)
        protocol.transport = transport
        await asyncio.wait_for(protocol.capability(), self.endpoint.timeout)

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.get_state() in ("AUTH", "SELECTED"):
                await asyncio.wait_for(client.logout(), 5)
        except (TimeoutError, OSError, aioimaplib.AioImapException, AttributeError):
            pass
        finally:
            transport = getattr(client.protocol, "transport", None)
            if transport is not None:
                transport.close()

    @property
    def has_idle(self) -> bool:
        return self.client is not None and self.client.has_capability("IDLE")

    async def examine(self, folder: str) -> FolderStatus:
        """Open ``folder`` read-only (EXAMINE: flags, \\Seen included, are never changed)."""
        assert self.client is not None
        response = await self.client.examine(quote_mailbox(folder))
        if response.result != "OK":
            raise FolderError(f"cannot open folder {folder!r}: {_text(response.lines)}")
        # aioimaplib moves to SELECTED only after SELECT; EXAMINE selects the folder just the same.
        self.client.protocol.state = "SELECTED"
        blob = b"\n".join(bytes(line) for line in response.lines)
        validity = _UIDVALIDITY_RE.search(blob)
        if validity is None:
            raise FolderError(f"folder {folder!r}: the server sent no UIDVALIDITY")
        uidnext = _UIDNEXT_RE.search(blob)
        exists = next((int(m.group(1)) for line in response.lines
                       if (m := _EXISTS_RE.match(bytes(line)))), 0)
        return FolderStatus(int(validity.group(1)), int(uidnext.group(1)) if uidnext else None, exists)

    async def uids_after(self, last_uid: int, *, since: str | None = None) -> list[int]:
        """UIDs greater than ``last_uid`` (with ``since`` as an IMAP date on the first import)."""
        assert self.client is not None
        criteria = [f"UID {last_uid + 1}:*"]
        if since:
            criteria.append(f"SINCE {since}")
        response = await self.client.uid_search(*criteria, charset=None)
        if response.result != "OK":
            raise FolderError(f"UID SEARCH failed: {_text(response.lines)}")
        uids: list[int] = []
        for line in response.lines[:-1]:  # the last line is the tagged completion text
            words = bytes(line).split()
            if words and words[0] == b"SEARCH":  # aioimaplib usually strips it; servers vary
                words = words[1:]
            uids.extend(int(w) for w in words if w.isdigit())
        return sorted(u for u in uids if u > last_uid)

    async def fetch_raw(self, uids: Sequence[int]) -> list[tuple[int, bytes]]:
        """``(uid, exact bytes)`` of each letter, by BODY.PEEK[] (the \\Seen flag stays as it is)."""
        assert self.client is not None
        if not uids:
            return []
        response = await self.client.uid("fetch", _uid_set(uids), "(UID BODY.PEEK[])")
        if response.result != "OK":
            raise FolderError(f"UID FETCH failed: {_text(response.lines)}")
        out: list[tuple[int, bytes]] = []
        pending_uid: int | None = None
        for line in response.lines:
            if isinstance(line, bytearray):
                if pending_uid is not None:
                    out.append((pending_uid, bytes(line)))
                    pending_uid = None
                continue
            match = _FETCH_UID_RE.search(line) if b"FETCH" in line else None
            if match is not None:
                pending_uid = int(match.group(1))
        return out

    async def batches(self, uids: Sequence[int], size: int) -> AsyncIterator[list[tuple[int, bytes]]]:
        """Fetch ``uids`` in batches, keeping the next request in flight while one is consumed."""
        chunks = [list(uids[i:i + size]) for i in range(0, len(uids), size)]
        if not chunks:
            return
        pending = asyncio.ensure_future(self.fetch_raw(chunks[0]))
        try:
            for nxt in chunks[1:]:
                batch = await pending
                pending = asyncio.ensure_future(self.fetch_raw(nxt))
                yield batch
            yield await pending
        finally:
            if not pending.done():
                pending.cancel()

    async def idle_until_change(self, timeout: float) -> bool:
        """IDLE until the server reports new mail or ``timeout`` passes; True on new mail."""
        assert self.client is not None
        idle = await self.client.idle_start(timeout=timeout)
        changed = False
        try:
            while True:
                lines = await self.client.wait_server_push(timeout=timeout)
                if isinstance(lines, list) and any(b"EXISTS" in bytes(x) for x in lines
                                                   if isinstance(x, (bytes, bytearray))):
                    changed = True
                    break
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
        except TimeoutError:
            pass
        finally:
            if self.client.has_pending_idle():
                self.client.idle_done()
            try:
                await asyncio.wait_for(idle, 10)
            except TimeoutError:
                raise FolderError("the server did not end IDLE") from None
        return changed


def _uid_set(uids: Sequence[int]) -> str:
    """Compress ascending UIDs into an IMAP sequence set (1:5,7,9:10)."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if start != prev else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if start != prev else str(start))
    return ",".join(parts)


def _text(lines: Sequence[bytes | bytearray]) -> str:
    return " ".join(bytes(x).decode("utf-8", "replace") for x in lines if len(x) < 500)[:300]
