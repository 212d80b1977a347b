"""Ledger import benchmark: ERP CSV files of orders, shipments and payments into a fresh database.

    python -m bench.ledger_import [--scale 1.0] [--repeat 1] [--postgres URL]

Generates 100,000 orders, 200,000 shipments and 100,000 payments (times ``--scale``) with the
counterparties and managers they refer to, imports them with ``letterpress.crm.erp_import`` into
a fresh SQLite file and into a fresh, uniquely named PostgreSQL database on
postgresql://postgres@127.0.0.1:5432 (migrated to the real schema; dropped at the end), then
imports them again (every row unchanged); ``--repeat N`` does it all N times and keeps the best.
On PostgreSQL it also times a bare ``COPY`` of the same files into unindexed tables of text
columns: the raw limit of getting those bytes into the server. Progress goes to stderr; the last line of stdout
is one JSON object:

* ``sqlite_rows_per_s``, ``postgres_rows_per_s``: ledger rows imported per second (first import);
* ``postgres_copy_rows_per_s``: the bare COPY; ``postgres_vs_copy``: the import's share of it;
* extras: ``rows``, per-file seconds, the re-import rates, the counterparty import, the CPU
  seconds of the benchmark's own process per pass (``first_python_cpu_s``: how much of an
  import is Python, the rest being the database's), and the load average before and after (the
  figures of a shared machine vary with it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bench.scratch import fresh_postgres_database
from letterpress.crm import users
from letterpress.crm.erp_import import import_file
from letterpress.crm.inn import make_inn
from letterpress.db import migrate
from letterpress.db.session import make_engine, session_factory

LEDGER = ("orders", "shipments", "payments")
BASE_SIZES = {"counterparties": 5_000, "orders": 100_000, "shipments": 200_000,
              "payments": 100_000}
MANAGERS = [f"manager{i}" for i in range(1, 7)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the files -------------------------------------------------------------------------------

def generate(directory: Path, scale: float, seed: int = 20240101) -> dict[str, Path]:
    """Write the four CSV files; returns kind -> path."""
    rnd = random.Random(seed)
    sizes = {kind: max(int(n * scale), 10) for kind, n in BASE_SIZES.items()}
    paths = {kind: directory / f"{kind}.csv" for kind in sizes}
    days = [f"{y}-{m:02d}-{d:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)
            for d in range(1, 29)]

    def writer(kind: str, header: list[str]) -> Any:
        handle = paths[kind].open("w", newline="", encoding="utf-8")
        out = csv.writer(handle)
        out.writerow(header)
        return handle, out

    handle, out = writer("counterparties", ["external_id", "kind", "name", "inn", "phones",
                                            "emails", "domains", "city", "manager"])
    for i in range(sizes["counterparties"]):
        out.writerow([f"CP-{i:06d}", rnd.choice(("customer", "customer", "supplier", "both")),
                      f"Company {i}", make_inn(f"{7700000000 // 10 + i:09d}"),
                      f"+7 495 {i:07d}", f"info@c{i}.example", f"c{i}.example",
                      rnd.choice(("Москва", "Тверь", "Казань")), rnd.choice(MANAGERS)])
    handle.close()

    orders: list[tuple[str, str, str]] = []  # external id, counterparty, direction
    handle, out = writer("orders", ["external_id", "direction", "number", "date", "counterparty",
                                    "manager", "amount", "cost", "currency", "planned_execution",
                                    "planned_shipment", "planned_payment", "state"])
    for i in range(sizes["orders"]):
        counterparty = f"CP-{rnd.randrange(sizes['counterparties']):06d}"
        direction = "customer" if rnd.random() < 0.8 else "supplier"
        day = rnd.randrange(len(days) - 10)
        amount = rnd.randrange(1_000, 5_000_000)
        orders.append((f"ORD-{i:07d}", counterparty, direction))
        out.writerow([f"ORD-{i:07d}", direction, f"{i + 1}", days[day], counterparty,
                      rnd.choice(MANAGERS), f"{amount // 100}.{amount % 100:02d}",
                      f"{amount * 6 // 1000}.{amount % 10}0", "", days[day + 3], days[day + 5],
                      days[day + 9], rnd.choice(("open", "completed", "completed", "closed"))])
    handle.close()

    handle, out = writer("shipments", ["external_id", "order", "counterparty", "date", "revenue",
                                       "cost", "currency"])
    for i in range(sizes["shipments"]):
        order, counterparty, _ = rnd.choice(orders)
        if rnd.random() < 0.1:
            order = ""
        amount = rnd.randrange(100, 1_000_000)
        out.writerow([f"SHP-{i:07d}", order, counterparty, rnd.choice(days),
                      f"{amount // 100}.{amount % 100:02d}", f"{amount * 6 // 1000}", ""])
    handle.close()

    handle, out = writer("payments", ["external_id", "order", "counterparty", "date", "amount",
                                      "currency", "direction"])
    for i in range(sizes["payments"]):
        order, counterparty, direction = rnd.choice(orders)
        amount = rnd.randrange(100, 2_000_000)
        out.writerow([f"PAY-{i:07d}", order, counterparty, rnd.choice(days),
                      f"{amount // 100}.{amount % 100:02d}", "",
                      "in" if direction == "customer" else "out"])
    handle.close()
    return paths


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


# --- one database ----------------------------------------------------------------------------

def run_imports(engine: Engine, paths: dict[str, Path], label: str) -> dict[str, Any]:
    """Migrate, add the managers, import everything twice; timings per file."""
    migrate.upgrade(engine)
    figures: dict[str, Any] = {}
    with session_factory(engine)() as session:
        for login in MANAGERS:
            users.add_user(session, login)
        session.commit()
        started = time.perf_counter()
        result = import_file(session, "counterparties", paths["counterparties"])
        session.commit()
        figures["counterparties_s"] = round(time.perf_counter() - started, 3)
        assert result.created == count_rows(paths["counterparties"]), result.rejected[:3]
        for attempt in ("first", "again"):
            total = cpu = 0.0
            for kind in LEDGER:
                started, cpu_started = time.perf_counter(), time.process_time()
                result = import_file(session, kind, paths[kind])
                session.commit()
                seconds = time.perf_counter() - started
                total += seconds
                cpu += time.process_time() - cpu_started
                figures[f"{kind}_{attempt}_s"] = round(seconds, 3)
                log(f"{label}: {kind} ({attempt}) {seconds:.2f}s: created {result.created}, "
                    f"updated {result.updated}, unchanged {result.unchanged}, "
                    f"rejected {len(result.rejected)}")
                if result.rejected:
                    raise SystemExit(f"unexpected rejections: {result.rejected[:5]}")
                expected = count_rows(paths[kind])
                done = result.created if attempt == "first" else result.unchanged
                if done != expected:
                    raise SystemExit(f"{kind}: {done} rows {attempt}, expected {expected}")
            figures[f"{attempt}_s"] = round(total, 3)
            figures[f"{attempt}_python_cpu_s"] = round(cpu, 3)
    return figures


def bare_copy(url: str, paths: dict[str, Path]) -> float:
    """Seconds to COPY the ledger files into unindexed tables of text columns."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    total = 0.0
    with psycopg.connect(conninfo) as conn:
        for kind in LEDGER:
            with paths[kind].open("rb") as handle:
                header = handle.readline().decode().strip().split(",")
            columns = ", ".join(f'"{c}" text' for c in header)
            conn.execute(f"CREATE TABLE bare_{kind} ({columns})")
            conn.commit()
            started = time.perf_counter()
            statement = f"COPY bare_{kind} FROM STDIN (FORMAT csv, HEADER true)"
            with conn.cursor() as cursor, cursor.copy(statement) as copy, \
                    paths[kind].open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            seconds = time.perf_counter() - started
            total += seconds
            log(f"postgres: bare COPY of {kind} {seconds:.2f}s")
    return total


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the best (lowest) of several runs' seconds."""
    return {key: min(run[key] for run in runs) for key in runs[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the file sizes (default 1.0: 400,000 ledger rows)")
    parser.add_argument("--postgres", default=os.environ.get(
        "LETTERPRESS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server URL where databases may be created")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each database N times (fresh each time) and keep the best: "
                        "on a shared machine the figures vary with the load")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)

    # The machine may be shared: the load average says how far the figures can be trusted.
    figures: dict[str, Any] = {"scale": args.scale, "load_average_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        paths = generate(directory, args.scale)
        rows = sum(count_rows(paths[kind]) for kind in LEDGER)
        figures["rows"] = rows
        log(f"generated {rows} ledger rows in {time.perf_counter() - started:.1f}s in {tmp}")

        if not args.skip_sqlite:
            runs = []
            for attempt in range(args.repeat):
                engine = make_engine(f"sqlite:///{directory / f'bench{attempt}.db'}")
                try:
                    runs.append(run_imports(engine, paths, "sqlite"))
                finally:
                    engine.dispose()
            sqlite = best(runs)
            figures["sqlite_rows_per_s"] = round(rows / sqlite["first_s"])
            figures["sqlite_reimport_rows_per_s"] = round(rows / sqlite["again_s"])
            figures["sqlite"] = sqlite

        if not args.skip_postgres:
            runs, copies = [], []
            for _attempt in range(args.repeat):
                with fresh_postgres_database(args.postgres, "lp_bench") as url:
                    engine = make_engine(url)
                    try:
                        runs.append(run_imports(engine, paths, "postgres"))
                    finally:
                        engine.dispose()
                    copies.append(bare_copy(url, paths))
            postgres = best(runs)
            copy_s = min(copies)
            figures["postgres_rows_per_s"] = round(rows / postgres["first_s"])
            figures["postgres_reimport_rows_per_s"] = round(rows / postgres["again_s"])
            figures["postgres_copy_rows_per_s"] = round(rows / copy_s)
            figures["postgres_vs_copy"] = round(copy_s / postgres["first_s"], 3)
            figures["postgres"] = postgres
            figures["postgres_copy_tables"] = "text columns, no indexes, logged"
    figures["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
