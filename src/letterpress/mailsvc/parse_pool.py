"""Parsing spread over the machine's cores: raw bytes in, :class:`~.store.Fetched` out.

Parsing, not fetching, bounds ingestion (see notes/mail-stack.md), so letters are parsed in worker
processes while the event loop fetches the next batch and a thread writes the previous one.
A letter that cannot be parsed comes back with its error and is stored raw all the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context

from letterpress.mailsvc.store import Fetched


def parse_one(uid: int, raw: bytes) -> Fetched:
    from letterpress.mailsvc.parse import parse_letter

    sha = hashlib.sha256(raw).hexdigest()
    try:
        parsed = parse_letter(raw)
    except Exception as exc:  # a hostile letter must never stop its folder
        return Fetched(uid=uid, raw=raw, sha256=sha, parsed=None,
                       error=f"{type(exc).__name__}: {exc}"[:2000])
    return Fetched(uid=uid, raw=raw, sha256=sha, parsed=parsed)


def parse_chunk(items: Sequence[tuple[int, bytes]]) -> list[Fetched]:
    return [parse_one(uid, raw) for uid, raw in items]


class ParsePool:
    """A process pool for parsing; ``workers=0`` parses in the calling thread (tests, tiny runs)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._executor: Executor | None = None
        if self.workers > 0:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=get_context("forkserver"))

    async def parse(self, items: Sequence[tuple[int, bytes]]) -> list[Fetched]:
        if not items:
            return []
        if self._executor is None:
            return parse_chunk(items)
        loop = asyncio.get_running_loop()
        size = max(1, -(-len(items) // self.workers))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        results = await asyncio.gather(
            *(loop.run_in_executor(self._executor, parse_chunk, chunk) for chunk in chunks)
        )
        return [f for chunk in results for f in chunk]

    def parse_sync(self, items: Sequence[tuple[int, bytes]]) -> list[Fetched]:
        if self._executor is None:
            return parse_chunk(items)
        size = max(1, -(-len(items) // self.workers))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        return [f for chunk in self._executor.map(parse_chunk, chunks) for f in chunk]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
