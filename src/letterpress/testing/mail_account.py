"""How a test reaches one user's mail: address and credentials, config entries, an aioimaplib login.

Shared by the Dovecot helper (:mod:`letterpress.testing.dovecot`) and the tests that talk to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Security = Literal["plain", "starttls", "tls"]


@dataclass(frozen=True)
class ConnectionInfo:
    """Host, port and credentials of one IMAP user on a test server."""

    host: str
    port: int
    user: str
    password: str
    security: Security = "plain"
    #: The self-signed certificate to trust for "tls" and "starttls" (``cafile=``).
    ca_file: Path | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the server's certificate (and checks the host name)."""
        if self.ca_file is None:
            raise ValueError("this server has no TLS certificate; start it with tls=True")
        return ssl.create_default_context(cafile=str(self.ca_file))

    def mailbox_entry(self, name: str, **extra: Any) -> dict[str, Any]:
        """A ``[[mailboxes]]`` table as a dict (password inline: test servers only)."""
        entry: dict[str, Any] = {
            "name": name,
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "user": self.user,
            "password": self.password,
        }
        entry.update(extra)
        return entry

    def mailbox_toml(self, name: str, **extra: Any) -> str:
        """The same entry as a ``[[mailboxes]]`` table of TOML, to write into a config file."""
        items = self.mailbox_entry(name, **extra).items()
        return "[[mailboxes]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in items)


def toml_value(value: Any) -> str:
    """A TOML literal for the simple values of a config: str, int, bool, lists, tables, dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    raise TypeError(f"cannot write {value!r} as TOML")


@contextlib.asynccontextmanager
async def aioimap_client(info: ConnectionInfo, *, timeout: float = 10.0) -> AsyncIterator[Any]:
    """A logged-in ``aioimaplib.IMAP4`` (``IMAP4_SSL`` for "tls") that is closed on exit.

    aioimaplib leaves its transport to be closed by the server's end of the connection; when the
    event loop ends first the transport leaks (a ResourceWarning, an error under pytest's
    ``filterwarnings = error``). This closes it and waits until asyncio has let it go.
    """
    import aioimaplib  # type: ignore[import-untyped, unused-ignore]

    lost = asyncio.Event()
    client: Any
    if info.security == "tls":
        client = aioimaplib.IMAP4_SSL(
            info.host, info.port, timeout=timeout, ssl_context=info.ssl_context()
        )
    else:
        client = aioimaplib.IMAP4(info.host, info.port, timeout=timeout)
    client.protocol.conn_lost_cb = lambda exc: lost.set()
    try:
        await client.wait_hello_from_server()
        response = await client.login(info.user, info.password)
        if response.result != "OK":
            raise PermissionError(f"login {info.user!r}: {response.result} {response.lines!r}")
        yield client
    finally:
        transport = client.protocol.transport
        if transport is not None and not transport.is_closing():
            with contextlib.suppress(Exception):
                await client.logout()
            transport.close()
        if transport is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), 5)
