"""Mail ingestion benchmark: a Dovecot folder of N mixed letters into an empty SQLite database.

    python -m bench.ingest [--letters 20000] [--seed 0] [--workers N] [--profile DIR]
    python -m bench.ingest --store-only [--letters 5000] [--profile DIR]

Puts ``--letters`` letters of :func:`letterpress.testing.letters.mixed_corpus` into the INBOX of a
fresh :class:`~letterpress.testing.dovecot.DovecotServer` (Maildir files, written directly), then
times three things over the same folder:

a. ``fetch``: stdlib :mod:`imaplib`, ``UID FETCH lo:hi (BODY.PEEK[])`` in chunks of 2,000 UIDs,
   nothing done with the bytes: what the server and the loopback can deliver;
b. ``parse``: ``mailparser.parse_from_bytes`` of the same letters, one core, in-process loop
   (the letters are rebuilt from the same seed; only the parse calls are timed);
c. ``sync``: ``letterpress --config FILE mail sync --once`` as a subprocess, into a migrated
   SQLite database that holds the mailbox owner (added with ``letterpress user add``) and three
   counterparties with the corpus' company domains (one with a contact person), but no letters.

Peak memory of (c) is measured by polling ``/proc`` every 50 ms for the subprocess and all its
descendants (the forkserver and its parser workers included): ``peak_rss_mb`` is the largest sum
of their VmRSS seen at one poll (shared pages counted once per process, so it over-states);
``peak_pss_mb`` the largest sum of Pss (shared pages divided among sharers); ``peak_hwm_mb`` the
largest single process's VmHWM. ``rusage_children_maxrss_mb`` is getrusage(RUSAGE_CHILDREN)'s
ru_maxrss afterwards: the largest single process among those reaped.

The same poll adds up the CPU time of the tree (``sync_cpu_*``): on a 2-core machine shared with
other work the rates depend on the load (``loadavg_1m_before_after_sync``), CPU per letter much
less so. ``sync_nothing_new_s`` is a second sync with nothing to fetch: the fixed cost of a run
(start-up, migration check, parser processes, login).

``--profile DIR`` runs (c) under ``py-spy record --subprocesses`` (install py-spy into the venv)
and writes its collapsed stacks (``sync.collapsed``, py-spy's "raw" format) into DIR; the figures
of such a run are slowed by the sampler (and its CPU counts py-spy's own) and say
``"profiled": true``.

``--store-only`` times only what the sync's writing thread does, without IMAP or parser
processes: the corpus is parsed in this process first (not timed), then written into the same
kind of fresh database by :func:`~letterpress.mailsvc.folder_state.store_and_commit` in batches
of :data:`~letterpress.mailsvc.sync.STORE_AHEAD_LETTERS`, as the store stage takes them when
it falls behind. Its CPU time (this one thread) does not depend on the load the way rates do;
``store_dbapi_cpu_ms_per_letter`` is the part spent inside the DB-API's execute and commit (for
SQLite: the database engine itself), the rest is Python. With ``--profile DIR`` it writes a
cProfile of the batches (thread CPU time) to ``DIR/store.prof``.

Progress goes to stderr; the last line of stdout is one JSON object: ``letters``,
``fetch_per_s``, ``parse_per_s``, ``sync_per_s``, ``sync_vs_fetch`` (c/a), ``sync_vs_parse``
(c/b), ``peak_rss_mb``, and extras.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from letterpress.testing.dovecot import DovecotServer
from letterpress.testing.letters import mixed_corpus
from letterpress.testing.mailconf import write_config

OWNER = "manager1"
OWNER_EMAIL = "m.sidorova@letterpress.test"
#: The corpus' company domains (mail.ru and yandex.ru are public mail domains: never filed).
COUNTERPARTIES = [("Строймаш", "stroymash.ru"), ("Теплоком", "teplocom.ru"),
                  ("Промснаб", "promsnab.ru")]
FETCH_CHUNK = 2_000
POLL_S = 0.05


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


#: The environment of every ``letterpress`` subprocess; see :func:`bytecode_cache`.
CHILD_ENV = dict(os.environ)


def letterpress(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "letterpress", "--config", str(config), *args],
                          check=True, text=True, capture_output=True, env=CHILD_ENV)


#: Run once before timing, with the subprocesses' environment, so that every module the sync
#: imports has its bytecode in the cache: the command's and the parser workers' (those import
#: pypdf, vobject and the search analyzer only when the first letter needs them).
WARM_UP = """
import letterpress.cli, letterpress.mailsvc.daemon, letterpress.search.backends.sqlite
letterpress.cli.build_parser()
from letterpress.mailsvc.parse_pool import parse_chunk
from letterpress.testing.letters import mixed_corpus
parse_chunk(list(enumerate(mixed_corpus(300, 1))), "snowball")
"""


def bytecode_cache(directory: Path) -> None:
    """Compile into a bytecode cache the subprocesses use, as an installed package has.

    With PYTHONDONTWRITEBYTECODE set (as in this sandbox) a source checkout has no .pyc files, and
    each process of the sync (the command and every parser worker) would compile ~1 MB of source
    again: ~1.5 s of CPU on a busy 2-core machine, which is not ingestion. The cache directory
    also hides the .pyc files that pip wrote for the third-party packages, so those are compiled
    into it too, by importing what the sync imports (:data:`WARM_UP`); otherwise both parser
    workers compiled pypdf from source in every run (~0.7 s of CPU each).
    """
    CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(directory)
    import letterpress as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)],
                   check=True, env=CHILD_ENV, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", WARM_UP], check=True, env=CHILD_ENV,
                   stdout=subprocess.DEVNULL)


# --- setting up ----------------------------------------------------------------------------

def deliver(server: DovecotServer, user: str, n: int, seed: int) -> int:
    started = time.perf_counter()
    size = 0

    def counted() -> Iterator[bytes]:
        nonlocal size
        for raw in mixed_corpus(n, seed):
            size += len(raw)
            yield raw

    count = server.deliver_maildir(user, "INBOX", counted())
    log(f"delivered {count} letters ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s")
    return size


def prepare_database(config: Path) -> None:
    """Owner through the CLI (which also migrates); counterparties through the service layer."""
    letterpress(config, "user", "add", OWNER, "--role", "manager", "--email", OWNER_EMAIL,
                "--name", "Мария Сидорова")
    from letterpress.config import load_settings
    from letterpress.crm import contacts
    from letterpress.crm.counterparties import CounterpartyData, create_counterparty
    from letterpress.db.session import make_engine, session_factory

    engine = make_engine(load_settings(config, environ={}).db_url)
    with session_factory(engine)() as session:
        for i, (name, domain) in enumerate(COUNTERPARTIES):
            cp = create_counterparty(session, CounterpartyData(name=name, domains=[domain]))
            if i == 0:
                contacts.create_contact(session, name="Иван Петров", counterparty_id=cp.id,
                                        emails=[f"ivan{k}@{domain}" for k in range(1, 10)])
        session.commit()
    engine.dispose()


# --- (a) bare fetch -------------------------------------------------------------------------

def bare_fetch(server: DovecotServer, user: str, n: int) -> tuple[float, int]:
    """Seconds to fetch every letter with stdlib imaplib; and the bytes received."""
    with server.imap(user, timeout=120) as client:
        typ, _ = client.select("INBOX", readonly=True)
        assert typ == "OK"
        received = count = 0
        started = time.perf_counter()
        for lo in range(1, n + 1, FETCH_CHUNK):
            hi = min(n, lo + FETCH_CHUNK - 1)
            typ, data = client.uid("FETCH", f"{lo}:{hi}", "(BODY.PEEK[])")
            assert typ == "OK", data[:1]
            for item in data:
                if isinstance(item, tuple):
                    received += len(item[1])
                    count += 1
        seconds = time.perf_counter() - started
    if count != n:
        raise SystemExit(f"fetch: {count} letters, expected {n}")
    return seconds, received


# --- (b) bare mail-parser -------------------------------------------------------------------

def bare_parse(n: int, seed: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds of ``mailparser.parse_from_bytes`` over the corpus."""
    import logging

    import mailparser  # type: ignore[import-untyped]

    logging.getLogger("mailparser").setLevel(logging.CRITICAL)
    seconds = cpu = 0.0
    corpus = mixed_corpus(n, seed)
    done = 0
    while True:
        batch = [raw for _, raw in zip(range(500), corpus)]
        if not batch:
            break
        started, cpu_started = time.perf_counter(), time.process_time()
        for raw in batch:
            mailparser.parse_from_bytes(raw)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        done += len(batch)
        if done % 5000 == 0:
            log(f"  parse: {done}/{n}, {done / seconds:.0f}/s")
    return seconds, cpu


# --- (c) letterpress mail sync --once -------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_tree(root: int) -> dict[int, float]:
    """The pids of ``root`` and its descendants, each with its CPU seconds so far."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        tree[pid] = cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return tree


def _kb(path: str, keys: tuple[bytes, ...]) -> dict[bytes, int]:
    found: dict[bytes, int] = {}
    try:
        with open(path, "rb") as handle:
            for line in handle:
                key = line.split(b":", 1)[0]
                if key in keys:
                    found[key] = int(line.split()[1])
    except OSError:
        pass
    return found


class MemoryWatch:
    """Polls /proc for a process tree: peak summed RSS and PSS, peak single-process VmHWM (kB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = self.peak_pss = self.peak_hwm = 0
        self.max_procs = 0
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            self.sample()

    def sample(self) -> None:
        rss = pss = 0
        pids = _proc_tree(self.pid)
        for pid, seconds in pids.items():  # an exited process may read as 0 before it is reaped
            self.cpu[pid] = max(seconds, self.cpu.get(pid, 0.0))
        for pid in pids:
            status = _kb(f"/proc/{pid}/status", (b"VmRSS", b"VmHWM"))
            rss += status.get(b"VmRSS", 0)
            self.peak_hwm = max(self.peak_hwm, status.get(b"VmHWM", 0))
            pss += _kb(f"/proc/{pid}/smaps_rollup", (b"Pss",)).get(b"Pss", 0)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.max_procs = max(self.max_procs, len(pids))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def sync(config: Path, workers: int | None, profile: Path | None,
         spy_flags: list[str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "letterpress", "--config", str(config),
               "mail", "sync", "--once", "--format", "json"]
    if workers is not None:
        command += ["--workers", str(workers)]
    if profile is not None:
        venv_bin = str(Path(sys.executable).parent)
        spy = shutil.which("py-spy", path=venv_bin) or shutil.which("py-spy")
        if spy is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        profile.mkdir(parents=True, exist_ok=True)
        command = [spy, "record", "--subprocesses", *spy_flags, "--rate", "200",
                   "--format", "raw", "--output", str(profile / "sync.collapsed"), "--", *command]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=CHILD_ENV)
    watch = MemoryWatch(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    watch.stop()
    main_cpu = watch.cpu.get(proc.pid, 0.0)
    other_cpu = sum(watch.cpu.values()) - main_cpu
    if proc.returncode != 0:
        raise SystemExit(f"sync failed ({proc.returncode}):\n{err[-3000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    return {"seconds": seconds, "result": result, "peak_rss_kb": watch.peak_rss,
            "peak_pss_kb": watch.peak_pss, "peak_hwm_kb": watch.peak_hwm,
            "processes": watch.max_procs, "cpu_main_s": main_cpu, "cpu_children_s": other_cpu}


def database_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("letters", "letter_links", "events", "contact_persons",
                              "letter_attachments", "blobs")}


# --- --store-only: the writing thread alone ------------------------------------------------

class DbapiClock:
    """Thread CPU time spent inside the DB-API's execute and commit, while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._saved: list[tuple[str, Any]] = []

    def __enter__(self) -> Self:
        from sqlalchemy.engine.default import DefaultDialect

        for name in ("do_execute", "do_executemany", "do_commit"):
            original = getattr(DefaultDialect, name)
            self._saved.append((name, original))
            setattr(DefaultDialect, name, self._timed(original))
        return self

    def _timed(self, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - started
        return timed

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy.engine.default import DefaultDialect

        for name, original in self._saved:
            setattr(DefaultDialect, name, original)


def store_only(work: Path, n: int, seed: int, profile: Path | None) -> dict[str, Any]:
    """Parse the corpus here, then time :func:`store_and_commit` over it (see the docstring)."""
    import cProfile

    from sqlalchemy import select

    from letterpress.config import load_settings
    from letterpress.crm.model import MailFolder
    from letterpress.db.session import make_engine, session_factory, writer
    from letterpress.mailsvc.folder_state import filing_policy, folder_ref, store_and_commit
    from letterpress.mailsvc.parse_pool import parse_chunk
    from letterpress.mailsvc.sync import STORE_AHEAD_LETTERS
    from letterpress.search import letters_analyzer
    from letterpress.testing import mailstore

    db_path = work / "letterpress.db"
    config = write_config(work / "letterpress.toml", database_url=f"sqlite:///{db_path}",
                          data_dir=work / "data",
                          sections={"company": {"mail_domains": ["letterpress.test"]}})
    prepare_database(config)
    settings = load_settings(config, environ={})
    engine = make_engine(settings.db_url)
    factory = session_factory(writer(engine))
    with factory() as session:
        box = mailstore.mailbox(session, "bench", owner=OWNER)
        session.commit()
        folder = session.scalar(select(MailFolder.id).where(MailFolder.mailbox_id == box.id))
        assert folder is not None
        ref = folder_ref(session, folder, None)
        analyzer = letters_analyzer(session)
    started = time.perf_counter()
    fetched = parse_chunk(list(enumerate(mixed_corpus(n, seed), 1)), analyzer)
    log(f"parsed {n} letters in {time.perf_counter() - started:.1f}s (not timed)")
    policy = filing_policy(settings)
    profiler = cProfile.Profile(time.thread_time) if profile is not None else None
    with DbapiClock() as dbapi:
        wall, cpu = time.perf_counter(), time.thread_time()
        if profiler is not None:
            profiler.enable()
        for start in range(0, n, STORE_AHEAD_LETTERS):
            store_and_commit(factory, ref, 1, fetched[start:start + STORE_AHEAD_LETTERS], policy,
                             frozenset())
        if profiler is not None:
            profiler.disable()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if profiler is not None and profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / "store.prof")
    engine.dispose()
    counts = database_counts(db_path)
    log(f"store: {cpu:.2f}s CPU ({dbapi.seconds:.2f}s in the DB-API), {wall:.2f}s wall; {counts}")
    if counts["letters"] != n:
        raise SystemExit(f"stored {counts['letters']} of {n}")
    return {
        "letters": n,
        "mode": "store-only",
        "store_cpu_ms_per_letter": round(cpu / n * 1000, 3),
        "store_dbapi_cpu_ms_per_letter": round(dbapi.seconds / n * 1000, 3),
        "store_python_cpu_ms_per_letter": round((cpu - dbapi.seconds) / n * 1000, 3),
        "store_wall_s": round(wall, 2),
        "store_batch": STORE_AHEAD_LETTERS,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "db_counts": counts,
        "profiled": profile is not None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="parser processes for the sync")
    parser.add_argument("--fetch-batch", type=int, default=None, metavar="N",
                        help="[mail] fetch_batch for the sync (default: the config default)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="run the sync under py-spy, writing its output into DIR")
    parser.add_argument("--spy-flags", default="--gil", metavar="FLAGS",
                        help="extra py-spy flags: --gil (default: samples holding the GIL, i.e. "
                        "CPU that blocks the other threads), --idle, or ''")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="let the subprocesses compile letterpress from source (see "
                        "bytecode_cache)")
    parser.add_argument("--skip-parse", action="store_true", help="skip (b) (debugging)")
    parser.add_argument("--store-only", action="store_true",
                        help="time only the writing of parsed letters (no IMAP, no parser "
                        "processes); with --profile a cProfile of it")
    args = parser.parse_args(argv)
    n = args.letters
    if args.store_only:
        work = Path(tempfile.mkdtemp(prefix="lp-bench-store-"))
        try:
            print(json.dumps(store_only(work, n, args.seed, args.profile), ensure_ascii=False))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0

    work = Path(tempfile.mkdtemp(prefix="lp-bench-ingest-"))
    try:
        if not args.no_bytecode_cache:
            bytecode_cache(work / "pycache")
        with DovecotServer() as server:
            info = server.new_user("bench")
            total_bytes = deliver(server, info.user, n, args.seed)
            db_path = work / "letterpress.db"
            config = write_config(
                work / "letterpress.toml", database_url=f"sqlite:///{db_path}",
                data_dir=work / "data",
                mailboxes=[info.mailbox_entry("bench", owner=OWNER, folders=["INBOX"])],
                sections={"company": {"mail_domains": ["letterpress.test"]},
                          **({"mail": {"fetch_batch": args.fetch_batch}} if args.fetch_batch else {})},
            )
            prepare_database(config)
            log("database ready: owner and counterparties")

            fetch_s, fetched_bytes = bare_fetch(server, info.user, n)
            log(f"(a) bare imaplib fetch: {fetch_s:.2f}s, {n / fetch_s:,.0f} letters/s, "
                f"{fetched_bytes / fetch_s / 1e6:.0f} MB/s")

            if args.skip_parse:
                parse_s = parse_cpu_s = float("nan")
            else:
                parse_s, parse_cpu_s = bare_parse(n, args.seed)
                log(f"(b) bare mailparser, one core: {parse_s:.2f}s, {n / parse_s:,.0f} letters/s")

            log("(c) letterpress mail sync --once ...")
            load_before = os.getloadavg()[0]
            synced = sync(config, args.workers, args.profile, args.spy_flags.split())
            maxrss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            load_after = os.getloadavg()[0]
            sync_s = synced["seconds"]
            fetched = synced["result"]["fetched"]
            counts = database_counts(db_path)
            log(f"(c) sync: {sync_s:.2f}s, {n / sync_s:,.0f} letters/s, peak tree RSS "
                f"{synced['peak_rss_kb'] / 1024:.0f} MB (PSS {synced['peak_pss_kb'] / 1024:.0f} MB)"
                f"; stored {counts}")
            if fetched != n or counts["letters"] != n or synced["result"]["errors"]:
                raise SystemExit(f"sync stored {counts['letters']} of {n}: {synced['result']}")
            if args.profile is None:
                # What every run pays whatever N: start-up, migrations check, worker start, IMAP.
                idle = sync(config, args.workers, None, [])
                assert idle["result"]["fetched"] == 0, idle["result"]
                log(f"(c') sync with nothing new: {idle['seconds']:.2f}s")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    fetch_rate, sync_rate = n / fetch_s, n / sync_s
    sync_cpu = synced["cpu_main_s"] + synced["cpu_children_s"]
    parse_rate = None if math.isnan(parse_s) else n / parse_s
    figures = {
        "letters": n,
        "fetch_per_s": round(fetch_rate, 1),
        "parse_per_s": round(parse_rate, 1) if parse_rate else None,
        "sync_per_s": round(sync_rate, 1),
        "sync_vs_fetch": round(sync_rate / fetch_rate, 4),
        "sync_vs_parse": round(sync_rate / parse_rate, 3) if parse_rate else None,
        "peak_rss_mb": round(synced["peak_rss_kb"] / 1024, 1),
        "peak_pss_mb": round(synced["peak_pss_kb"] / 1024, 1),
        "peak_hwm_mb": round(synced["peak_hwm_kb"] / 1024, 1),
        "rusage_children_maxrss_mb": round(maxrss_children / 1024, 1),
        "memory_method": f"/proc poll every {POLL_S * 1000:.0f} ms of the sync process tree: "
                         "peak_rss_mb = max summed VmRSS, peak_pss_mb = max summed Pss, "
                         "peak_hwm_mb = largest single-process VmHWM",
        "sync_processes": synced["processes"],
        "sync_cpu_main_s": round(synced["cpu_main_s"], 2),
        "sync_cpu_children_s": round(synced["cpu_children_s"], 2),
        # CPU per letter does not depend on how busy the machine is; the rates above do.
        "sync_cpu_ms_per_letter": round(sync_cpu / n * 1000, 3),
        "parse_cpu_ms_per_letter": round(parse_cpu_s / n * 1000, 3) if parse_rate else None,
        "loadavg_1m_before_after_sync": [round(load_before, 2), round(load_after, 2)],
        "fetch_s": round(fetch_s, 2),
        "parse_s": round(parse_s, 2) if parse_rate else None,
        "sync_s": round(sync_s, 2),
        "sync_nothing_new_s": round(idle["seconds"], 2) if args.profile is None else None,
        "bytecode_cache": not args.no_bytecode_cache,
        "corpus_mb": round(total_bytes / 1e6, 1),
        "filed": sum(f["filed"] for f in synced["result"]["folders"]),
        "db_counts": counts,
        "workers": args.workers or os.cpu_count(),
        "fetch_batch": args.fetch_batch,
        "cpus": os.cpu_count(),
        "profiled": args.profile is not None,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
