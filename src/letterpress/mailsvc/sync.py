"""One synchronisation pass over one folder: EXAMINE, find new UIDs, fetch, parse, store.

Three stages overlap: the IMAP connection fetches the next batch while worker processes parse
the two before it and a thread writes older ones. Parsing runs :data:`PARSE_AHEAD` batches ahead
so that a worker that finishes its share of one batch starts on the next instead of waiting for
the slowest share. The queues between the stages are short, so memory stays flat however large
the folder is.
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

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Batches being parsed at once: 2 keeps every worker busy (a batch is split evenly between the
#: workers, and its shares finish at different times).
PARSE_AHEAD = 2

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
    env.progress.start(label, len(uids))
    parsed_q: asyncio.Queue[list[Fetched] | None] = asyncio.Queue(maxsize=2)

    async def store_stage() -> None:
        while (batch := await parsed_q.get()) is not None:
            outcome = await env.db(folder_state.store_and_commit, env.factory, ref,
                                   status.uidvalidity, batch, env.policy, env.blocklist)
            report.add(outcome)
            env.progress.advance(label, len(batch))

    storer = asyncio.create_task(store_stage())
    parsing: deque[asyncio.Task[list[Fetched]]] = deque()
    try:
        async for raw_batch in conn.batches(uids, env.fetch_batch):
            if storer.done():
                break
            parsing.append(asyncio.create_task(env.parser.parse(raw_batch)))
            if len(parsing) >= PARSE_AHEAD:
                await _put(parsed_q, await parsing.popleft(), storer)
            if stop is not None and stop.is_set():
                break
        while parsing:
            await _put(parsed_q, await parsing.popleft(), storer)
        await _put(parsed_q, None, storer)
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


async def _put(queue: asyncio.Queue[Any], item: Any, consumer: asyncio.Task[None]) -> None:
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


Runner = Callable[[], Awaitable[PassReport]]
