"""Full-text search benchmark: index a generated corpus with each backend, then time queries.

    python -m bench.search [--letters 200000] [--whoosh-letters 20000] [--queries 200]
                           [--backends sqlite,postgres,whoosh] [--seed 0]

The corpus (:mod:`bench.search_corpus`: 60 % Russian with real inflection, 40 % English; subject
4-9 words, body 8-14 sentences of 6-16 words) is written straight into the CRM tables of a fresh
SQLite file and, for ``postgres``, of a fresh PostgreSQL database (``$LETTERPRESS_TEST_DATABASE_URL``,
else ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; dropped at the end). Letters sit in 8
mailboxes (6 personal, 2 shared) and are linked to 500 counterparties.

Per backend:

- ``index_per_s``: letters per second of ``letterpress reindex`` (reading the letters and their
  addresses from the database, analysing, writing the index, committing every batch, and the
  final compaction); ``index_mb``: the index's size (SQLite: its tables' pages, dbstat;
  PostgreSQL: ``pg_total_relation_size``; whoosh: the directory);
- latency of the seam's ``query()`` as a manager who may read 2 of the 8 mailboxes (about 28 %
  of the letters), 20 hits a page, end to end (parsing, the backend, permissions, loading the
  page and cutting snippets): a mix of single words, two words, phrases, a word with a one-month
  date range and a word with a counterparty, each newest first and by relevance; p50 and p95 in
  milliseconds after one warm-up pass.

whoosh indexes ``--whoosh-letters`` letters (the first ones of the same corpus), since it indexes
at ~400 letters/s; the count used is reported. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from bench.search_corpus import Corpus, GeneratedLetter, letters, make_corpus
from letterpress.config import SearchSettings, Settings
from letterpress.crm.model import (
    Blob,
    Counterparty,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    Mailbox,
    MailboxGrant,
    MailFolder,
    User,
)
from letterpress.db.session import session_factory
from letterpress.search import query
from letterpress.search.reindex import reindex
from letterpress.testing.database import PostgresTestDatabase, fresh_engine

CHUNK = 10_000
BENCH_USER = "manager1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- loading the corpus ---------------------------------------------------------------------


def load_corpus(engine: Engine, corpus: Corpus, n: int, seed: int) -> None:
    """Users, mailboxes, counterparties, then ``n`` letters with addresses, locations and links."""
    sha = hashlib.sha256(b"bench").hexdigest()
    with engine.begin() as conn:
        conn.execute(insert(User), [{"login": f"manager{i}", "role": "manager",
                                     "email": f"manager{i}@letterpress.test"} for i in range(1, 7)]
                     + [{"login": "admin", "role": "admin", "email": None}])
        users = {login: uid for uid, login in conn.execute(select(User.id, User.login))}
        boxes = [{"name": f"manager{i}", "kind": "personal", "owner_id": users[f"manager{i}"]}
                 for i in range(1, 7)] + [{"name": "sales", "kind": "shared", "owner_id": None},
                                          {"name": "info", "kind": "shared", "owner_id": None}]
        conn.execute(insert(Mailbox), boxes)
        box_ids = {name: mid for mid, name in conn.execute(select(Mailbox.id, Mailbox.name))}
        conn.execute(insert(MailboxGrant), [{"mailbox_id": box_ids["sales"],
                                             "user_id": users[BENCH_USER], "can_read": True}])
        conn.execute(insert(MailFolder), [{"mailbox_id": box_ids[b["name"]], "name": "INBOX",
                                           "uidvalidity": 1} for b in boxes])
        folders = {mid: fid for fid, mid in conn.execute(select(MailFolder.id, MailFolder.mailbox_id))}
        folder_of = [folders[box_ids[b["name"]]] for b in boxes]
        conn.execute(insert(Counterparty), [{"name": name, "kind": "customer"}
                                            for name, _domain in corpus.counterparties])
        cps = [cid for (cid,) in conn.execute(select(Counterparty.id).order_by(Counterparty.id))]
        conn.execute(insert(Blob), [{"sha256": sha, "size": 5, "data": b"bench"}])
    started = time.perf_counter()
    stream = letters(corpus, n, seed)
    next_id = 1
    while True:
        batch = [g for _, g in zip(range(CHUNK), stream, strict=False)]
        if not batch:
            break
        _write_batch(engine, batch, next_id, sha, folder_of, cps)
        next_id += len(batch)
        if next_id % 50_000 < CHUNK:
            log(f"  loaded {next_id - 1:,} letters ({time.perf_counter() - started:.0f} s)")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # as autovacuum would have by now
            conn.exec_driver_sql("ANALYZE")


def _write_batch(engine: Engine, batch: list[GeneratedLetter], first_id: int, sha: str,
                 folder_of: list[int], cps: list[int]) -> None:
    rows, addresses, locations, links = [], [], [], []
    for offset, g in enumerate(batch):
        lid = first_id + offset
        rows.append({
            "id": lid, "dedup_key": f"mid:{lid}@bench", "raw_sha256": sha,
            "message_id": f"{lid}@bench", "subject": g.subject, "sent_at": g.sent_at,
            "from_email": g.sender[1], "from_name": g.sender[0], "text_plain": g.body,
            "text_html": "", "size": len(g.body), "is_outgoing": g.outgoing,
            "received_at": g.sent_at, "references": "", "parse_warnings": "",
        })
        addresses += [{"letter_id": lid, "role": "from", "name": g.sender[0], "email": g.sender[1]},
                      {"letter_id": lid, "role": "to", "name": g.recipient[0],
                       "email": g.recipient[1]}]
        locations.append({"letter_id": lid, "folder_id": folder_of[g.mailbox], "uidvalidity": 1,
                          "uid": lid, "raw_sha256": sha})
        links.append({"letter_id": lid, "counterparty_id": cps[g.counterparty], "rule": "domain",
                      "reason": "bench"})
    with engine.begin() as conn:
        conn.execute(insert(Letter), rows)
        conn.execute(insert(LetterAddress), addresses)
        conn.execute(insert(LetterLocation), locations)
        conn.execute(insert(LetterLink), links)


# --- queries --------------------------------------------------------------------------------


def query_mix(corpus: Corpus, n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, text): single word, two words, phrase, word + month, word + counterparty."""
    rng = random.Random(seed + 7)

    def word() -> str:
        vocab = corpus.russian if rng.random() < 0.6 else corpus.english
        forms = vocab.lemmas[min(int(rng.paretovariate(0.6)) - 1, len(vocab.lemmas) - 1)]
        return rng.choice(forms)

    samples = list(letters(corpus, 2_000, seed))
    out: list[tuple[str, str]] = []
    for i in range(n):
        kind = ("word", "two_words", "phrase", "word_date", "word_counterparty")[i % 5]
        if kind == "word":
            out.append((kind, word()))
        elif kind == "two_words":
            out.append((kind, f"{word()} {word()}"))
        elif kind == "phrase":
            words = rng.choice(samples).subject.removeprefix("Re: ").split()
            at = rng.randrange(max(1, len(words) - 1))
            out.append((kind, '"' + " ".join(words[at : at + 2]) + '"'))
        elif kind == "word_date":
            month = corpus.start.replace(month=1 + rng.randrange(12)).replace(
                year=corpus.start.year + rng.randrange(2))
            end = month.replace(year=month.year + 1, month=1) if month.month == 12 else \
                month.replace(month=month.month + 1)
            out.append((kind, f"{word()} after:{month:%Y-%m-%d} before:{end:%Y-%m-%d}"))
        else:
            name = rng.choice(corpus.counterparties)[0]
            out.append((kind, f'{word()} counterparty:"{name}"'))
    return out


def time_queries(engine: Engine, settings: Settings, mix: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.login == BENCH_USER))
        assert user is not None
        for order in ("newest", "relevance"):
            for _kind, q in mix[:20]:  # warm-up
                query(session, user, q, settings=settings, order=order)  # type: ignore[arg-type]
            times: list[float] = []
            cpu: list[float] = []
            hits = 0
            by_kind: dict[str, list[float]] = {}
            for kind, q in mix:
                started, cpu_started = time.perf_counter(), time.process_time()
                page = query(session, user, q, settings=settings, order=order)  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - started) * 1000
                cpu.append((time.process_time() - cpu_started) * 1000)
                times.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
                hits += len(page.hits)
            out[f"p50_{order}_ms"] = round(statistics.median(times), 2)
            out[f"p95_{order}_ms"] = round(_p95(times), 2)
            out[f"cpu_p50_{order}_ms"] = round(statistics.median(cpu), 2)
            out[f"cpu_p95_{order}_ms"] = round(_p95(cpu), 2)
            out[f"p95_{order}_by_query_ms"] = {k: round(_p95(v), 2) for k, v in by_kind.items()}
            out[f"hits_per_query_{order}"] = round(hits / len(mix), 1)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- one backend ----------------------------------------------------------------------------


def run_backend(name: str, url: str, corpus: Corpus, n: int, mix: list[tuple[str, str]],
                workdir: Path, seed: int) -> dict[str, Any]:
    search = SearchSettings(backend="whoosh" if name == "whoosh" else "auto",
                            whoosh_dir=str(workdir / "whoosh") if name == "whoosh" else "")
    settings = Settings(data_dir=workdir, search=search)
    with fresh_engine(url) as engine:
        log(f"{name}: loading {n:,} letters")
        started = time.perf_counter()
        load_corpus(engine, corpus, n, seed)
        log(f"{name}: loaded in {time.perf_counter() - started:.0f} s; indexing")
        started, cpu_started = time.perf_counter(), time.process_time()
        report = reindex(engine, settings)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        letters_done = report.counts.get("letter", 0)
        with session_factory(engine)() as session:
            from letterpress.search.backends import open_backend
            from letterpress.search.meta import state_of

            state = state_of(session)
            assert state is not None
            size = open_backend(state).size_bytes(session)
        result: dict[str, Any] = {
            "letters": letters_done, "index_s": round(seconds, 1),
            "index_per_s": round(letters_done / seconds), "index_mb": round(size / 2**20, 1),
            "index_per_cpu_s": round(letters_done / cpu_seconds),
        }
        log(f"{name}: indexed {letters_done:,} letters in {seconds:.1f} s "
            f"({result['index_per_s']:,}/s), {result['index_mb']} MB; querying")
        result.update(time_queries(engine, settings, mix))
        log(f"{name}: newest p50/p95 {result['p50_newest_ms']}/{result['p95_newest_ms']} ms, "
            f"relevance p50/p95 {result['p50_relevance_ms']}/{result['p95_relevance_ms']} ms")
        if name == "sqlite":
            with engine.connect() as conn:
                result["sqlite_version"] = conn.execute(text("select sqlite_version()")).scalar()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--letters", type=int, default=200_000)
    parser.add_argument("--whoosh-letters", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres,whoosh")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    corpus = make_corpus(args.seed)
    mix = query_mix(corpus, args.queries, args.seed)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lp-bench-search-") as tmp:
        for name in args.backends.split(","):
            workdir = Path(tmp) / name
            workdir.mkdir()
            if name == "postgres":
                server = os.environ.get("LETTERPRESS_TEST_DATABASE_URL",
                                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
                pg = PostgresTestDatabase(server)
                try:
                    url = pg.url.render_as_string(hide_password=False)
                    results[name] = run_backend(name, url, corpus, args.letters, mix, workdir,
                                                args.seed)
                finally:
                    pg.drop()
            else:
                n = args.whoosh_letters if name == "whoosh" else args.letters
                url = f"sqlite:///{workdir / 'letterpress.db'}"
                results[name] = run_backend(name, url, corpus, n, mix, workdir, args.seed)
    print(json.dumps({"letters": args.letters, "queries": args.queries,
                      "load_average": [round(x, 1) for x in os.getloadavg()],
                      "backends": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
