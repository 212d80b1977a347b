"""Parsing spread over the machine's cores: raw bytes in, :class:`~.store.Fetched` out.

Parsing, not fetching, bounds ingestion (see notes/mail-stack.md), so letters are parsed in worker
processes while the event loop fetches the next batch and a thread writes the previous one.
A letter that cannot be parsed comes back with its error and is stored raw all the same.

Given the search index's analyzer, the workers also make each letter's analysed search fields
(:func:`.stored.search_fields`: HTML to text, attachments' text, tokenising, stemming), the
costliest Python of indexing, so that the single writing process only inserts the rows.

This module is what a worker imports, so it imports nothing heavy (no SQLAlchemy, no models:
that cost each worker ~1 s of CPU at start). Workers get the raw bytes and send back only what
parsing made of them; the bytes, already in the calling process, are not sent back.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from letterpress.mailsvc.letter import ParsedLetter
    from letterpress.search.letterdoc import LetterFields

#: What the workers run: preloaded by the fork server they are forked from.
WORKER_MODULES = ("letterpress.mailsvc.parse", "letterpress.mailsvc.stored")

#: What a worker sends back for one letter: SHA-256 of the raw bytes, the parse, or its error,
#: and the analysed search fields (None when not asked for).
Outcome = tuple[str, "ParsedLetter | None", "str | None", "LetterFields | None"]


@dataclass(frozen=True)
class Fetched:
    """One letter as fetched: its UID, exact bytes, and the parse result or the parse error."""

    uid: int
    raw: bytes
    sha256: str
    parsed: ParsedLetter | None
    error: str | None = None
    #: Search fields analysed by the index's analyzer, if the parser was given one.
    search: LetterFields | None = None


def parse_one(uid: int, raw: bytes, analyzer: str | None = None) -> Fetched:
    sha, parsed, error, search = _parse(raw, analyzer)
    return Fetched(uid=uid, raw=raw, sha256=sha, parsed=parsed, error=error, search=search)


def parse_chunk(items: Sequence[tuple[int, bytes]], analyzer: str | None = None) -> list[Fetched]:
    return [parse_one(uid, raw, analyzer) for uid, raw in items]


def _parse(raw: bytes, analyzer: str | None = None) -> Outcome:
    from letterpress.mailsvc.parse import parse_letter

    try:
        parsed: ParsedLetter | None = parse_letter(raw)
        error = None
    except Exception as exc:  # noqa: BLE001 - a hostile letter must never stop its folder
        parsed, error = None, f"{type(exc).__name__}: {exc}"[:2000]
    if parsed is not None:
        sha = parsed.sha256
        for att in parsed.attachments:
            att.sha256  # noqa: B018 - computed here, in the worker; cached with the attachment
    else:
        sha = hashlib.sha256(raw).hexdigest()
    search = None
    if analyzer is not None:
        from letterpress.mailsvc.stored import search_fields

        try:
            search = search_fields(parsed, analyzer)
        except Exception:  # noqa: BLE001 - the store analyses it again and reports the error
            search = None
    return sha, parsed, error, search


def _parse_raws(raws: Sequence[bytes], analyzer: str | None = None) -> list[Outcome]:
    """What runs in a worker."""
    return [_parse(raw, analyzer) for raw in raws]


def _joined(items: Sequence[tuple[int, bytes]], outcomes: Sequence[Outcome]) -> list[Fetched]:
    return [Fetched(uid=uid, raw=raw, sha256=sha, parsed=parsed, error=error, search=search)
            for (uid, raw), (sha, parsed, error, search) in zip(items, outcomes, strict=True)]


class ParsePool:
    """A process pool for parsing; ``workers=0`` parses in the calling thread (tests, tiny runs)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._executor: Executor | None = None
        if self.workers > 0:
            context = get_context("forkserver")
            # Imported once by the fork server (if this process has not started it already),
            # not by each worker: the parser's and analysers' modules cost ~0.15 s of CPU apiece.
            context.set_forkserver_preload(list(WORKER_MODULES))
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context)

    async def parse(self, items: Sequence[tuple[int, bytes]],
                    analyzer: str | None = None) -> list[Fetched]:
        """Parse ``items`` (uid, raw bytes); with ``analyzer`` also make their search fields."""
        if not items:
            return []
        if self._executor is None:
            return parse_chunk(items, analyzer)
        loop = asyncio.get_running_loop()
        size = max(1, -(-len(items) // self.workers))
        raws = [raw for _uid, raw in items]
        results = await asyncio.gather(*(
            loop.run_in_executor(self._executor, _parse_raws, raws[i:i + size], analyzer)
            for i in range(0, len(raws), size)
        ))
        return _joined(items, [outcome for chunk in results for outcome in chunk])

    def parse_sync(self, items: Sequence[tuple[int, bytes]],
                   analyzer: str | None = None) -> list[Fetched]:
        if self._executor is None:
            return parse_chunk(items, analyzer)
        size = max(1, -(-len(items) // self.workers))
        raws = [raw for _uid, raw in items]
        chunks = [raws[i:i + size] for i in range(0, len(raws), size)]
        outcomes = [o for chunk in self._executor.map(_parse_raws, chunks,
                                                      [analyzer] * len(chunks)) for o in chunk]
        return _joined(items, outcomes)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
