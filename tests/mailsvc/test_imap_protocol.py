"""The linear IMAP response splitter gives upstream aioimaplib's responses, however TCP cuts them.

:class:`letterpress.mailsvc.imap_client._Protocol` replaces aioimaplib's quadratic splitter (a copy
of the rest of the chunk at every line and literal); these feed one server response to both, cut
into pieces at every size from one byte up, and compare what the command received.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aioimaplib
import pytest

from letterpress.mailsvc.imap_client import _Protocol


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))


def _letter(n: int) -> bytes:
    # CRLFs, parentheses and a "{5}" inside the literal must not confuse the splitter
    return (f"Subject: letter {n} (draft) {{5}}\r\n\r\n" + "body line )(\r\n" * n).encode()


def _fetch_response(tag: str, letters: list[bytes]) -> bytes:
    out = b""
    for uid, raw in enumerate(letters, 1):
        out += b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (uid, uid, len(raw)) + raw + b")\r\n"
    out += b"* 7 FETCH (UID 7 FLAGS (\\Seen))\r\n"  # no literal at all
    out += b"* 8 FETCH (UID 8 BODY[] {0}\r\n)\r\n"  # an empty one
    return out + tag.encode() + b" OK Fetch completed.\r\n"


async def _received(protocol_class: type, chunk: int) -> tuple[str, list[bytes]]:
    loop = asyncio.get_running_loop()
    protocol = protocol_class(loop)
    transport = _Transport()
    protocol.connection_made(transport)
    protocol.state = "SELECTED"
    fetch = asyncio.ensure_future(protocol.fetch("1:8", "(UID BODY.PEEK[])", by_uid=True))
    await asyncio.sleep(0)
    tag = transport.written[0].split(b" ", 1)[0].decode()
    data = _fetch_response(tag, [_letter(n) for n in range(1, 5)])
    for i in range(0, len(data), chunk):
        protocol.data_received(data[i:i + chunk])
    response = await asyncio.wait_for(fetch, 5)
    return response.result, [bytes(line) for line in response.lines]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 13, 64, 100, 1000, 100_000])
def test_same_lines_as_upstream_whatever_the_chunks(chunk: int) -> None:
    async def both() -> tuple[Any, Any]:
        return (await _received(aioimaplib.IMAP4ClientProtocol, chunk),
                await _received(_Protocol, chunk))

    upstream, ours = asyncio.run(both())
    assert ours == upstream
    assert ours[0] == "OK"
    assert _letter(3) in ours[1]


def test_fetch_times_out_only_after_the_timeout_passes_without_data() -> None:
    """The lazy read timeout: data arriving keeps a FETCH alive; silence ends it."""

    async def run() -> tuple[float, Any]:
        loop = asyncio.get_running_loop()
        protocol = _Protocol(loop)
        transport = _Transport()
        protocol.connection_made(transport)
        protocol.state = "SELECTED"
        started = loop.time()
        fetch = asyncio.ensure_future(
            protocol.fetch("1:8", "(UID BODY.PEEK[])", by_uid=True, timeout=0.3))
        await asyncio.sleep(0)
        tag = transport.written[0].split(b" ", 1)[0].decode()
        data = _fetch_response(tag, [_letter(n) for n in range(1, 5)])
        for i in range(0, len(data) - 40, 40):  # 0.1 s apart: never 0.3 s without data
            protocol.data_received(data[i:i + 40])
            await asyncio.sleep(0.1)
            assert not fetch.done()
        assert loop.time() - started > 0.6
        silent = loop.time()
        with pytest.raises(aioimaplib.CommandTimeout):
            await asyncio.wait_for(fetch, 5)
        return loop.time() - silent, fetch

    waited, _ = asyncio.run(run())
    assert 0.15 <= waited <= 1.0
