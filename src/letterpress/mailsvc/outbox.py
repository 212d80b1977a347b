"""Outgoing notifications (the morning reminder digests): a folder of .eml files, then SMTP.

``DATA_DIR/outbox/`` is the durable queue. :func:`staged` writes messages there under temporary
names and publishes them (an atomic rename to ``.eml``) only after the caller's transaction
committed, so a crash never leaves a digest for reminders that were not recorded, nor a
half-written file. When ``reminders.digest_smtp`` is set, :func:`send_outbox` delivers the queue
through that relay: a delivered file moves to ``outbox/sent/`` (kept :data:`KEEP_SENT_DAYS` days),
a message the relay refuses for good (5xx) moves to ``outbox/failed/`` beside a ``.error.txt``
naming the reason, and a temporary failure (4xx, connection refused, time-out) leaves the queue
as it is for the next pass. Without a relay the files wait for an MTA's pickup.

Delivery is at least once: a crash after the relay accepted a message and before its file moved
sends that one message again at the next pass.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import os
import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from letterpress.config import SmtpSettings

log = logging.getLogger(__name__)

KEEP_SENT_DAYS = 30
_TMP_SUFFIX = ".tmp"


def outbox_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "outbox"


def _compose(sender: str, recipient: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "letterpress")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return bytes(message)


@contextmanager
def staged(data_dir: Path, sender: str,
           messages: Sequence[tuple[str, str, str]]) -> Iterator[list[Path]]:
    """Write ``(recipient, subject, body)`` messages; publish them when the block succeeds.

    Commit the transaction that recorded them inside the block. If the block raises, the
    written files are removed and nothing is published.
    """
    outbox = outbox_dir(data_dir)
    written: list[Path] = []
    if messages:
        outbox.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    try:
        for n, (recipient, subject, body) in enumerate(messages):
            path = outbox / f"digest-{stamp}-{os.getpid()}-{n}.eml{_TMP_SUFFIX}"
            with open(path, "wb") as out:
                out.write(_compose(sender, recipient, subject, body))
                out.flush()
                os.fsync(out.fileno())
            written.append(path)
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for path in written:
        path.rename(path.with_suffix(""))


def write_messages(data_dir: Path, sender: str, messages: Sequence[tuple[str, str, str]]) -> int:
    """Write and publish at once (no transaction to wait for); returns how many were written."""
    with staged(data_dir, sender, messages) as written:
        return len(written)


@dataclass
class SendResult:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: int = 0
    error: str = ""


def pending(data_dir: Path) -> list[Path]:
    """Published messages not yet delivered, oldest first."""
    outbox = outbox_dir(data_dir)
    if not outbox.is_dir():
        return []
    return sorted(outbox.glob("*.eml"))


def _client(smtp: SmtpSettings, timeout: float) -> aiosmtplib.SMTP:
    context: ssl.SSLContext | None = None
    if smtp.security != "plain":
        context = ssl.create_default_context(cafile=smtp.ca_file or None)
    return aiosmtplib.SMTP(
        hostname=smtp.host, port=smtp.port, timeout=timeout,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",
        tls_context=context,
    )


def _move(path: Path, folder: str) -> Path:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    moved = target / path.name
    path.rename(moved)
    os.utime(moved)
    return moved


async def send_outbox(data_dir: Path, smtp: SmtpSettings, *, timeout: float = 30.0) -> SendResult:
    """Deliver the queue through ``smtp``; see the module's docstring for what happens to each."""
    result = SendResult()
    queue = pending(data_dir)
    prune_sent(data_dir)
    if not queue:
        return result
    client = _client(smtp, timeout)
    try:
        await client.connect()
        if smtp.user:
            await client.login(smtp.user, smtp.secret())
        for path in queue:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)
            try:
                await client.send_message(message)
            except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
                if _is_permanent(exc):
                    moved = _move(path, "failed")
                    moved.with_name(moved.name + ".error.txt").write_text(
                        f"{smtp.host}:{smtp.port} refused this message: {exc}\n", "utf-8")
                    result.failed.append(path.name)
                    log.error("outbox: %s refused by %s for good: %s", path.name, smtp.host, exc)
                    continue
                raise
            _move(path, "sent")
            result.sent.append(path.name)
    except (aiosmtplib.SMTPException, OSError) as exc:
        result.error = f"{smtp.host}:{smtp.port}: {exc}"
        log.warning("outbox: delivery through %s stopped (%s); retrying at the next pass",
                    smtp.host, exc)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    result.waiting = len(pending(data_dir))
    return result


def _is_permanent(exc: aiosmtplib.SMTPException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    return False


def prune_sent(data_dir: Path, now: float | None = None) -> int:
    """Drop delivered copies older than :data:`KEEP_SENT_DAYS`, and files a crash left half-staged
    an hour ago or more; returns how many."""
    outbox = outbox_dir(data_dir)
    now = now if now is not None else time.time()
    dropped = 0
    for pattern, age in (("sent/*.eml", KEEP_SENT_DAYS * 86_400), (f"*{_TMP_SUFFIX}", 3_600)):
        for path in outbox.glob(pattern):
            if path.stat().st_mtime < now - age:
                path.unlink(missing_ok=True)
                dropped += 1
    return dropped
