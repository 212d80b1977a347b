"""Outgoing notifications (the morning reminder digests) until SMTP sending lands.

Each message is written as an .eml file into ``DATA_DIR/outbox/``; an MTA pickup, or the coming
SMTP sender, takes them from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path


def write_messages(data_dir: Path, sender: str, messages: Sequence[tuple[str, str, str]]) -> int:
    """Write ``(recipient, subject, body)`` messages; returns how many were written."""
    if not messages:
        return 0
    outbox = Path(data_dir) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    for n, (recipient, subject, body) in enumerate(messages):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        (outbox / f"digest-{stamp}-{n}.eml").write_bytes(bytes(message))
    return len(messages)
