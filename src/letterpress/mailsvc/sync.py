"""One synchronisation pass over one folder: EXAMINE, find new UIDs, fetch, parse, store.

Three stages overlap: the IMAP connection fetches the next batch while worker processes parse
the groups before it (several IMAP batches each) and a thread writes older ones. Parsing runs
:data:`PARSE_AHEAD` groups ahead so that a worker that finishes its share of one group starts on
the next instead of waiting for the slowest share. What waits between the stages is bounded in
letters and bytes, so memory stays flat however large the folder is; when the writing falls
behind, everything waiting is written in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from letterpress.crm.filing import FilingPolicy
from letterpress.mailsvc import folder_state
from letterpress.mailsvc.imap_client import ImapConnection
from letterpress.mailsvc.parse_pool import Fetched, ParsePool
from letterpress.mailsvc.store import BatchOutcome, FolderRef
from letterpress.search import letters_analyzer

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Batches being parsed at once: 2 keeps every worker busy (a batch is split evenly between the
#: workers, and its shares finish at different times).
PARSE_AHEAD = 2
#: Letters handed to the parser pool at once (several IMAP batches, cut at this many letters or
#: bytes): each hand-over costs the event loop a few futures and a result per worker, which at
#: ``fetch_batch`` = 50 was ~1 s of the main process's CPU in a 20,000-letter import.
PARSE_GROUP_LETTERS = 200
PARSE_GROUP_BYTES = 8 * 1024 * 1024
#: Parsed letters waiting for the store stage, at most, in number and in raw bytes (the most one
#: transaction takes, too): when the store falls behind, the batches waiting are stored together,
#: which spreads the fixed cost of a transaction (checkpoint, lookups, statements, commit) over
#: more letters; when it keeps up, each batch is stored as soon as it is parsed.
STORE_AHEAD_LETTERS = 500
STORE_AHEAD_BYTES = 12 * 1024 * 1024

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Progress(Protocol):
    def start(self, label: str, total: int) -> None: ...
    def advance(self, label: str, n: int) -> None: ...
    def finish(self, label: str) -> None: ...


class NoProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, label: str, n: int) -> None:
        pass

    def finish(self, label: str) -> None:
        pass


@dataclass
class SyncEnv:
    """What every folder task shares within one process."""

    factory: sessionmaker[Session]  # a writer (BEGIN IMMEDIATE on SQLite)
    policy: FilingPolicy
    parser: ParsePool
    blocklist: frozenset[str] = frozenset()
    fetch_batch: int = 50
    lease_owner: str | None = None
    progress: Progress = field(default_factory=NoProgress)
    db_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking database function in a thread, one at a time in this process."""
        async with self.db_lock:
            return await asyncio.shield(asyncio.to_thread(fn, *args))


@dataclass
class PassReport:
    folder: str
    fetched: int = 0
    new_letters: int = 0
    duplicates: int = 0
    unparsed: int = 0
    blocked: int = 0
    filed: int = 0

    def add(self, outcome: BatchOutcome) -> None:
        self.fetched += outcome.stored + outcome.blocked
        self.new_letters += outcome.new_letters
        self.duplicates += outcome.duplicates
        self.unparsed += outcome.unparsed
        self.blocked += outcome.blocked
        self.filed += outcome.filed


def imap_date(day: dt.date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


async def sync_folder(
    env: SyncEnv,
    conn: ImapConnection,
    *,
    folder_id: int,
    folder_name: str,
    label: str,
    fetch_since: dt.date | None = None,
    stop: asyncio.Event | None = None,
) -> PassReport:
    """Fetch and store every letter above the folder's checkpoint."""
    report = PassReport(folder=label)
    status = await conn.examine(folder_name)
    last_uid = await env.db(_prepare, env.factory, folder_id, status.uidvalidity, status.uidnext,
                            env.lease_owner)
    since = imap_date(fetch_since) if fetch_since and last_uid == 0 else None
    uids = await conn.uids_after(last_uid, since=since)
    if not uids:
        await env.db(folder_state.mark_synced, env.factory, folder_id)
        return report
    ref = await env.db(_ref, env.factory, folder_id, env.lease_owner)
    analyzer = await env.db(_search_analyzer, env.factory)
    env.progress.start(label, len(uids))
    backlog = _Backlog(STORE_AHEAD_LETTERS, STORE_AHEAD_BYTES)

    async def store_stage() -> None:
        while (batch := await backlog.take()) is not None:
            outcome = await env.db(folder_state.store_and_commit, env.factory, ref,
                                   status.uidvalidity, batch, env.policy, env.blocklist)
            report.add(outcome)
            env.progress.advance(label, len(batch))
            del batch  # its letters are freed here, not while the next batch waits

    storer = asyncio.create_task(store_stage())
    parsing: deque[asyncio.Task[list[Fetched]]] = deque()
    group: list[tuple[int, bytes]] = []
    group_bytes = 0
    try:
        async for raw_batch in conn.batches(uids, env.fetch_batch):
            if storer.done():
                break
            group.extend(raw_batch)
            group_bytes += sum(len(raw) for _uid, raw in raw_batch)
            if len(group) >= PARSE_GROUP_LETTERS or group_bytes >= PARSE_GROUP_BYTES:
                parsing.append(asyncio.create_task(env.parser.parse(group, analyzer)))
                group, group_bytes = [], 0
            if len(parsing) >= PARSE_AHEAD:
                await _put(backlog, await parsing.popleft(), storer)
            if stop is not None and stop.is_set():
                break
        if group and not storer.done():  # what was fetched is stored, even when stopping
            parsing.append(asyncio.create_task(env.parser.parse(group, analyzer)))
        while parsing:
            await _put(backlog, await parsing.popleft(), storer)
        await backlog.close()
        await storer
    finally:
        for task in parsing:
            task.cancel()
        await asyncio.gather(*parsing, return_exceptions=True)
        if not storer.done():
            storer.cancel()
            await asyncio.gather(storer, return_exceptions=True)
        env.progress.finish(label)
    await env.db(folder_state.mark_synced, env.factory, folder_id)
    return report


class _Backlog:
    """Parsed batches waiting to be stored, bounded in letters and raw bytes; the store stage
    takes all that waits (up to the same bounds) as one batch."""

    def __init__(self, max_letters: int, max_bytes: int) -> None:
        self.max_letters, self.max_bytes = max_letters, max_bytes
        self._batches: deque[list[Fetched]] = deque()
        self._letters = self._bytes = 0
        self._closed = False
        self._changed = asyncio.Condition()

    def _full(self) -> bool:
        return bool(self._batches) and (self._letters >= self.max_letters
                                        or self._bytes >= self.max_bytes)

    async def put(self, batch: list[Fetched]) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._full())
            self._batches.append(batch)
            self._letters += len(batch)
            self._bytes += sum(len(f.raw) for f in batch)
            self._changed.notify_all()

    async def close(self) -> None:
        """No more batches: :meth:`take` returns None once the backlog is empty."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    async def take(self) -> list[Fetched] | None:
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._batches) or self._closed)
            out: list[Fetched] = []
            size = 0
            while self._batches:
                nxt = self._batches[0]
                nxt_size = sum(len(f.raw) for f in nxt)
                if out and (len(out) + len(nxt) > self.max_letters
                            or size + nxt_size > self.max_bytes):
                    break
                self._batches.popleft()
                out.extend(nxt)
                size += nxt_size
                self._letters -= len(nxt)
                self._bytes -= nxt_size
            self._changed.notify_all()
            return out or None


async def _put(queue: _Backlog, item: list[Fetched], consumer: asyncio.Task[None]) -> None:
    """Put, unless the consumer has died (then raise its error instead of waiting forever)."""
    put = asyncio.ensure_future(queue.put(item))
    done, _ = await asyncio.wait({put, consumer}, return_when=asyncio.FIRST_COMPLETED)
    if put not in done:
        put.cancel()
        consumer.result()
        raise RuntimeError("store stage ended early")


def _prepare(factory: sessionmaker[Session], folder_id: int, uidvalidity: int,
             uidnext: int | None, lease_owner: str | None) -> int:
    with factory() as session:
        return folder_state.prepare(session, folder_id, uidvalidity, uidnext, lease_owner)


def _ref(factory: sessionmaker[Session], folder_id: int, lease_owner: str | None) -> FolderRef:
    with factory() as session:
        return folder_state.folder_ref(session, folder_id, lease_owner)


def _search_analyzer(factory: sessionmaker[Session]) -> str | None:
    """The analyzer with which the parser workers prepare letters for the search index."""
    with factory() as session:
        return letters_analyzer(session)


Runner = Callable[[], Awaitable[PassReport]]
