"""A real SMTP server for tests (aiosmtpd in a thread), recording what it accepted.

``refuse`` maps recipient addresses to the SMTP reply the server gives at RCPT TO (e.g.
``"550 5.1.1 no such user"`` or ``"451 4.3.0 try later"``); ``tls_cert`` enables STARTTLS with a
certificate (see :func:`letterpress.testing.dovecot_conf.make_self_signed_cert`).
"""

from __future__ import annotations

import email.policy
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from letterpress.testing.serve import free_port

HOST = "127.0.0.1"


@dataclass
class Recorder:
    refuse: dict[str, str] = field(default_factory=dict)
    accepted: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    @property
    def accepted(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.recorder.accepted


@contextmanager
def smtp_server(*, refuse: dict[str, str] | None = None,
                tls_cert: tuple[Path, Path] | None = None) -> Iterator[SmtpServer]:
    recorder = Recorder(refuse=dict(refuse or {}))
    context = None
    if tls_cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
    port = free_port()
    controller = Controller(recorder, hostname=HOST, port=port, tls_context=context,
                            require_starttls=context is not None)
    controller.start()
    try:
        yield SmtpServer(HOST, port, recorder)
    finally:
        controller.stop()
