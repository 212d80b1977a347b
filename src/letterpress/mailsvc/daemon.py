"""The mail daemon: one asyncio task per followed folder, each with its own IMAP connection.

Errors are graded: a bad letter is stored raw and marked (its folder goes on); a folder that fails
is retried with exponential backoff and jitter while the account's other folders go on; an account
that cannot connect or log in is retried the same way while the other accounts go on. SIGTERM and
SIGINT stop every task between batches; a batch is one transaction, so nothing is half-written.
With several processes against one PostgreSQL database, a lease in the database decides which
process follows each folder.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from letterpress.config import MailboxSettings, Settings
from letterpress.crm.model import Mailbox, MailFolder
from letterpress.errors import AccountError, FolderError, MailError
from letterpress.mailsvc import folder_state, lease
from letterpress.mailsvc.imap_client import Endpoint, ImapConnection
from letterpress.mailsvc.mailboxes import sync_config
from letterpress.mailsvc.parse_pool import ParsePool
from letterpress.mailsvc.store import LeaseLost
from letterpress.mailsvc.sync import PassReport, Progress, SyncEnv, sync_folder

log = logging.getLogger(__name__)


class Backoff:
    """Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped, each randomised."""

    def __init__(self, initial: float = 1.0, cap: float = 300.0) -> None:
        self.initial, self.cap, self.attempt = initial, cap, 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.initial * (2 ** self.attempt))
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.attempt = 0


@dataclass(frozen=True)
class FolderJob:
    box: MailboxSettings
    folder_id: int
    folder_name: str

    @property
    def label(self) -> str:
        return f"{self.box.name}/{self.folder_name}"


@dataclass
class RunResult:
    reports: list[PassReport] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def endpoint(box: MailboxSettings, timeout: float) -> Endpoint:
    return Endpoint(host=box.host, port=box.port, security=box.security, user=box.user,
                    password=box.secret(), timeout=timeout, ca_file=box.ca_file)


def prepare_jobs(factory: sessionmaker[Session], settings: Settings,
                 only: str | None = None) -> list[FolderJob]:
    """Mirror the configured mailboxes into the database; one job per followed folder."""
    boxes = [b for b in settings.mailboxes if only is None or b.name == only]
    if only is not None and not boxes:
        from letterpress.errors import UserError

        raise UserError(f"no mailbox named {only!r} in {settings.source}")
    for box in boxes:
        box.secret()  # a missing password variable stops start-up, naming it
    with factory() as session:
        try:
            sync_config(session, boxes)
            session.commit()
        except IntegrityError:  # another daemon starting at the same moment created the rows
            session.rollback()
            sync_config(session, boxes)
            session.commit()
        jobs: list[FolderJob] = []
        for box in boxes:
            rows = dict(session.execute(
                select(MailFolder.name, MailFolder.id).join(Mailbox)
                .where(Mailbox.name == box.name)
            ).all())
            jobs.extend(FolderJob(box, rows[name], name) for name in box.folders)
        return jobs


def _settle_heap() -> None:
    """Keep the garbage collector out of the way of a process that makes objects by the million.

    What start-up built (modules, models, compiled SQL) is taken out of the full collections: the
    daemon keeps it for good, and walking it again in each of them cost a 20,000-letter import
    about 0.5 s of the process that writes. The young generation is collected every 20,000
    allocations instead of every 700: the letters in flight survive those collections anyway,
    and each one walked them again (together ~0.5 s more; ``bench.ingest``). Only the young
    generations are collected before freezing: a full collection walked the whole start-up heap
    once more (~75 ms of CPU before the first letter is fetched) to free a few hundred objects.
    """
    global _heap_settled
    if _heap_settled:  # once a process: what a later call would freeze may be garbage to come
        return
    _heap_settled = True
    gc.collect(1)
    gc.freeze()
    first, second, third = gc.get_threshold()
    gc.set_threshold(max(first, 20_000), second, third)


_heap_settled = False


class Daemon:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], *,
                 workers: int | None = None, progress: Progress | None = None,
                 use_leases: bool = True) -> None:
        self.settings = settings
        self.factory = factory
        self.stop = asyncio.Event()
        self.parser = ParsePool(workers)
        _settle_heap()
        self.env = SyncEnv(
            factory=factory, policy=folder_state.filing_policy(settings), parser=self.parser,
            blocklist=frozenset(b.lower() for b in settings.mail.blocklist),
            fetch_batch=settings.mail.fetch_batch,
            lease_owner=lease.process_identity() if use_leases else None,
        )
        if progress is not None:
            self.env.progress = progress

    def close(self) -> None:
        self.parser.close()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)

    async def run_once(self, jobs: Sequence[FolderJob]) -> RunResult:
        """One pass over every folder, concurrently; errors are collected, not raised."""
        result = RunResult()

        async def one(job: FolderJob) -> None:
            try:
                if not await self._acquire(job):
                    result.errors[job.label] = "followed by another process (lease held)"
                    return
                try:
                    async with ImapConnection(endpoint(job.box, self.settings.mail.connect_timeout_s)) as conn:
                        report = await self._pass(conn, job)
                    result.reports.append(report)
                finally:
                    await self._release(job)
            except (TimeoutError, MailError, OSError) as exc:
                message = _describe(exc)
                result.errors[job.label] = message
                await self.env.db(folder_state.record_error, self.factory, job.folder_id, message)

        await asyncio.gather(*(one(job) for job in jobs))
        return result

    async def run_forever(self, jobs: Sequence[FolderJob], *, scheduler: bool = False) -> None:
        """Follow every folder until :attr:`stop` is set; with ``scheduler`` also fire
        reminders every minute and recompute analytics once a night."""
        tasks = [asyncio.create_task(self._follow(job), name=job.label) for job in jobs]
        if scheduler:
            from letterpress.mailsvc.scheduler import run_scheduler

            tasks.append(asyncio.create_task(run_scheduler(self.factory, self.settings, self.stop),
                                             name="scheduler"))
        try:
            await self.stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for job in jobs:
                await self._release(job)

    async def _pass(self, conn: ImapConnection, job: FolderJob) -> PassReport:
        return await sync_folder(self.env, conn, folder_id=job.folder_id,
                                 folder_name=job.folder_name, label=job.label,
                                 fetch_since=job.box.fetch_since, stop=self.stop)

    async def _acquire(self, job: FolderJob) -> bool:
        if self.env.lease_owner is None:
            return True
        return await self.env.db(_acquire, self.factory, job.folder_id, self.env.lease_owner)

    async def _release(self, job: FolderJob) -> None:
        if self.env.lease_owner is not None:
            await self.env.db(_release, self.factory, job.folder_id, self.env.lease_owner)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            pass

    async def _follow(self, job: FolderJob) -> None:
        backoff = Backoff()
        mail = self.settings.mail
        wait = mail.idle_timeout_s
        if self.env.lease_owner is not None:
            wait = min(wait, lease.LEASE_SECONDS / 3)
        while not self.stop.is_set():
            try:
                if not await self._acquire(job):
                    await self._sleep(lease.LEASE_SECONDS / 2)
                    continue
                async with ImapConnection(endpoint(job.box, mail.connect_timeout_s)) as conn:
                    while not self.stop.is_set():
                        report = await self._pass(conn, job)
                        if report.fetched:
                            log.info("%s: %d letters (%d new, %d filed)", job.label,
                                     report.fetched, report.new_letters, report.filed)
                        backoff.reset()
                        if conn.has_idle:
                            await self._idle(conn, wait)
                        else:
                            await self._sleep(min(mail.poll_interval_s, wait))
                        if not await self._acquire(job):
                            raise LeaseLost(f"{job.label}: lease taken over")
            except asyncio.CancelledError:
                raise
            except LeaseLost as exc:
                log.warning("%s", exc)
            except (TimeoutError, AccountError, FolderError, MailError, OSError) as exc:
                message = _describe(exc)
                log.warning("%s: %s", job.label, message)
                await self.env.db(folder_state.record_error, self.factory, job.folder_id, message)
                await self._sleep(backoff.next_delay())
            except Exception as exc:  # a bug in one folder must not stop the others
                log.exception("%s: unexpected error", job.label)
                await self.env.db(folder_state.record_error, self.factory, job.folder_id,
                                  _describe(exc))
                await self._sleep(backoff.next_delay())

    async def _idle(self, conn: ImapConnection, timeout: float) -> None:
        idle = asyncio.ensure_future(conn.idle_until_change(timeout))
        stopper = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({idle, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not idle.done():
                idle.cancel()
                await asyncio.gather(idle, return_exceptions=True)
            elif idle.exception() is not None:
                raise idle.exception()  # type: ignore[misc]


def _acquire(factory: sessionmaker[Session], folder_id: int, owner: str) -> bool:
    with factory() as session:
        return lease.acquire(session, folder_id, owner)


def _release(factory: sessionmaker[Session], folder_id: int, owner: str) -> None:
    with factory() as session:
        lease.release(session, folder_id, owner)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, MailError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:500]
