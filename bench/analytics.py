"""Analytics benchmark: every report over a generated ledger, on SQLite and PostgreSQL, and ABC
and XYZ again in pandas from a dataframe already in memory.

    python -m bench.analytics [--scale 1.0] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
                              [--skip-sqlite] [--keep | --reuse URL]

Generates (with numpy, seeded) 100,000 customers and 5,000,000 shipments over 2024-2025 (times
``--scale``), with 1,000,000 customer orders, 1,000,000 payments, 500,000 events, contact persons,
channels and campaigns; loads the same rows into a fresh SQLite file (executemany in large
transactions) and into a fresh, uniquely named PostgreSQL database (COPY; dropped at the end);
runs ``analytics.run`` (the register rebuild and the stored classes; on PostgreSQL followed by
``VACUUM ANALYZE`` of the tables it rewrote, see :func:`vacuum_analytics`) and then each report for
2025-01..2025-12 through :func:`letterpress.crm.analytics.build_report`, timing each. pandas
computes the same ABC and XYZ from the shipments dataframe; its classes are checked against
PostgreSQL's. Progress goes to stderr; the last line of stdout is one JSON object:
``{"reports": {"abc": {"sqlite_s": .., "postgres_s": ..}, ...}, "abc_vs_pandas": ..,
"xyz_vs_pandas": ..}`` (our PostgreSQL report time / pandas time; every time is the best of
three runs, and pandas' time the best of its first three and of three more run just before the
PostgreSQL report, so that both meet the same load of the shared machine) with extras: the
``analytics run`` (register rebuild) times, the computation alone (``compute_only``: the classes
fetched as tuples, no rows for people), the checks, and ``abc_vs_pandas_paired`` /
``xyz_vs_pandas_paired``: our time over pandas' runs just before it alone (the load of the shared
machine drifts over the minutes a run takes, and pandas' first runs may have met a quieter one).

Loading 5,000,000 shipments into PostgreSQL takes minutes; for repeated measurements ``--keep``
leaves the PostgreSQL database in place (its URL goes to stderr and into the JSON as
``kept_postgres``) and ``--reuse URL`` runs against such a database instead of loading a fresh
one (generated with the same ``--scale``: the row counts are checked; drop it by hand when done:
``DROP DATABASE name``). The pandas reference is always computed from freshly generated data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

import letterpress.crm.model  # noqa: F401 - registers every table
from bench.scratch import fresh_postgres_database
from letterpress.config import Settings
from letterpress.crm import users
from letterpress.crm.analytics import ReportRequest, build_report, parse_period, runs
from letterpress.crm.analytics.abc import classify as abc_classify
from letterpress.crm.analytics.expressions import stream_rows, tune
from letterpress.crm.analytics.periods import month_no
from letterpress.crm.analytics.xyz import classify as xyz_classify
from letterpress.db.base import Base
from letterpress.db.session import make_engine, session_factory

REPORTS = ("abc", "xyz", "stages", "managers", "sources", "campaigns", "events")
PERIOD = "2025-01..2025-12"
TODAY = dt.date(2026, 1, 15)
BASE = np.datetime64("2024-01-01")
DAYS = 731  # 2024-01-01 .. 2025-12-31
MANAGERS = 20
SOURCES = np.array(["выставка", "сайт", "поисковая реклама", "рекомендация", "холодный звонок",
                    "рассылка"])
KINDS = np.array(["outgoing_call", "incoming_call", "meeting", "incoming_email",
                  "outgoing_email", "letter", "other"])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the data ----------------------------------------------------------------------------------

def generate(scale: float, seed: int = 20260115) -> dict[str, pd.DataFrame]:
    """Every table as a dataframe (columns named as in the database)."""
    rng = np.random.default_rng(seed)
    n_cp = max(int(100_000 * scale), 100)
    n_ship, n_ord = max(int(5_000_000 * scale), 1000), max(int(1_000_000 * scale), 200)
    n_pay, n_ev = max(int(1_000_000 * scale), 200), max(int(500_000 * scale), 100)
    buyers = int(n_cp * 0.95)  # the rest are potential customers

    def customers(n: int) -> np.ndarray:
        # Pareto-like: low ids buy much more often.
        return (buyers * rng.random(n) ** 2.2).astype(np.int64) + 1

    def days(cp: np.ndarray) -> np.ndarray:
        # Every seventh customer stops buying after ten months (lost), the rest buy all along.
        lost = cp % 7 == 0
        return np.where(lost, rng.integers(0, 300, cp.size), rng.integers(0, DAYS, cp.size))

    ids = np.arange(1, n_cp + 1)
    manager_of = (ids % MANAGERS) + 1  # user ids 1..MANAGERS are the managers
    cps = pd.DataFrame({
        "id": ids, "external_id": [f"CP-{i:06d}" for i in ids], "kind": "customer",
        "name": [f"Company {i}" for i in ids],
        "legal_name": np.where(rng.random(n_cp) < 0.6, "ООО Компания", None),
        "inn": np.where(rng.random(n_cp) < 0.7, "7700000000", None),
        "source": SOURCES[rng.integers(0, SOURCES.size, n_cp)],
        "manager_id": manager_of, "created_at": "2023-06-01 00:00:00.000000",
    })
    cp = customers(n_ord)
    order_day = days(cp)
    orders = pd.DataFrame({
        "id": np.arange(1, n_ord + 1), "external_id": [f"ORD-{i:07d}" for i in range(n_ord)],
        "direction": "customer", "number": [str(i) for i in range(n_ord)],
        "date": BASE + order_day.astype("timedelta64[D]"), "counterparty_id": cp,
        "manager_id": manager_of[cp - 1],
        "amount": (rng.lognormal(10, 1, n_ord) * 100).astype(np.int64),
        "currency": "RUB",
        "state": np.array(["completed", "open", "closed"])[
            rng.choice(3, n_ord, p=[0.82, 0.1, 0.08])],
    })
    orders["cost"] = (orders["amount"] * 0.6).astype(np.int64)
    orders["planned_shipment"] = orders["date"] + np.timedelta64(10, "D")
    cp = customers(n_ship)
    revenue = np.minimum((rng.lognormal(9, 1, n_ship) * 100).astype(np.int64), 10**10)
    with_order = rng.random(n_ship) < 0.3
    shipments = pd.DataFrame({
        "id": np.arange(1, n_ship + 1), "external_id": [f"SHP-{i:07d}" for i in range(n_ship)],
        "order_id": pd.Series(rng.integers(1, n_ord + 1, n_ship), dtype="Int64").where(
            with_order),
        "counterparty_id": cp, "date": BASE + days(cp).astype("timedelta64[D]"),
        "revenue": revenue, "cost": (revenue * rng.uniform(0.4, 0.9, n_ship)).astype(np.int64),
        "currency": "RUB",
    })
    cp = customers(n_pay)
    has_order = rng.random(n_pay) < 0.5
    payments = pd.DataFrame({
        "id": np.arange(1, n_pay + 1), "external_id": [f"PAY-{i:07d}" for i in range(n_pay)],
        "order_id": pd.Series(rng.integers(1, n_ord + 1, n_pay), dtype="Int64").where(
            has_order),
        "counterparty_id": cp, "date": BASE + days(cp).astype("timedelta64[D]"),
        "amount": (rng.lognormal(10, 1, n_pay) * 100).astype(np.int64), "currency": "RUB",
        "direction": "in",
    })
    cp = rng.integers(1, n_cp + 1, n_ev)
    start = (BASE.astype("datetime64[s]") + rng.integers(0, DAYS * 86400, n_ev)
             .astype("timedelta64[s]"))
    events = pd.DataFrame({
        "id": np.arange(1, n_ev + 1), "kind": KINDS[rng.integers(0, KINDS.size, n_ev)],
        "state": np.array(["done", "planned", "cancelled"])[
            rng.choice(3, n_ev, p=[0.85, 0.1, 0.05])],
        "start_at": start, "end_at": start + np.timedelta64(3600, "s"), "counterparty_id": cp,
        "responsible_id": manager_of[cp - 1], "author_id": manager_of[cp - 1],
        "subject": "звонок", "content": "", "sequence": 0, "location": "",
        "created_at": start, "updated_at": start,
    })
    contacts = pd.DataFrame({
        "id": ids, "counterparty_id": ids, "name": [f"Контакт {i}" for i in ids],
        "position": np.where(rng.random(n_cp) < 0.5, "директор", None),
        "birthday": np.where(rng.random(n_cp) < 0.3, "1980-05-05", None),
        "created_from_mail": False, "created_at": "2023-06-01 00:00:00.000000",
    })
    phones = pd.DataFrame({"counterparty_id": ids[rng.random(n_cp) < 0.7]})
    phones["value"], phones["position"] = "+7 495 000-00-00", 0
    emails = pd.DataFrame({"counterparty_id": ids[rng.random(n_cp) < 0.6]})
    emails["email"], emails["position"] = "info@example.ru", 0
    campaigns = pd.DataFrame({
        "id": np.arange(1, 25), "external_id": [f"CMP-{i:03d}" for i in range(1, 25)],
        "name": [f"Кампания {i}" for i in range(1, 25)], "kind": "рассылка",
        "start": [np.datetime64(f"{2024 + (i - 1) // 12}-{(i - 1) % 12 + 1:02d}-05")
                  for i in range(1, 25)],
        "currency": "RUB", "cost": 5_000_000,
    })
    campaigns["end"] = campaigns["start"] + np.timedelta64(10, "D")
    participants = pd.DataFrame({
        "campaign_id": np.repeat(campaigns["id"].to_numpy(), max(int(2000 * scale), 10)),
    })
    participants["counterparty_id"] = rng.integers(1, n_cp + 1, len(participants))
    return {"counterparties": cps, "orders": orders, "shipments": shipments,
            "payments": payments, "events": events, "contact_persons": contacts,
            "counterparty_phones": phones, "counterparty_emails": emails,
            "campaigns": campaigns, "campaign_participants": participants}


MONEY = {"orders": ("amount", "cost"), "shipments": ("revenue", "cost"),
         "payments": ("amount",), "campaigns": ("cost",)}


def _sqlite_value_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in MONEY.get(name, ()):
        out[col] = out[col] / 100.0
    for col in out.columns:
        if out[col].dtype.kind == "M":
            fmt = "%Y-%m-%d" if name != "events" else "%Y-%m-%d %H:%M:%S.000000"
            out[col] = out[col].dt.strftime(fmt)
    return out.astype(object).where(out.notna(), None)


def load_sqlite(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    for name, frame in tables.items():
        started = time.perf_counter()
        values = _sqlite_value_frame(name, frame)
        columns = list(values.columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = (f"INSERT INTO {name} ({quoted}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        rows = values.itertuples(index=False, name=None)
        while True:
            batch = [row for _, row in zip(range(500_000), rows, strict=False)]
            if not batch:
                break
            conn.executemany(sql, batch)
            conn.commit()
        log(f"sqlite: {name}: {len(frame)} rows in {time.perf_counter() - started:.1f}s")
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def load_postgres(url: str, tables: dict[str, pd.DataFrame]) -> None:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        for name, frame in tables.items():
            started = time.perf_counter()
            out = frame.copy()
            for col in MONEY.get(name, ()):
                out[col] = (out[col] // 100).astype(str) + "." + (out[col] % 100).astype(
                    str).str.zfill(2)
            if name == "events":
                for col in ("start_at", "end_at", "created_at", "updated_at"):
                    out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M:%S+00")
            buffer = io.StringIO()
            out.to_csv(buffer, index=False, header=False, na_rep="\\N")
            with conn.cursor() as cur:
                columns = ", ".join(f'"{c}"' for c in out.columns)
                with cur.copy(f"COPY {name} ({columns}) FROM STDIN "
                              "(FORMAT csv, NULL '\\N')") as copy:
                    copy.write(buffer.getvalue())
            conn.commit()
            log(f"postgres: {name}: {len(frame)} rows in {time.perf_counter() - started:.1f}s")
        for name in tables:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {name}))")
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# --- one database ------------------------------------------------------------------------------

def prepare(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        for i in range(1, MANAGERS + 1):
            users.add_user(session, f"manager{i}", supervisor=None)
        users.add_user(session, "head", role="head")
        users.add_user(session, "admin", role="admin")
        session.commit()


def time_reports(engine: Engine, label: str,
                 references: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each report's best time; a report with a pandas ``references`` entry is timed right after
    it (its best time goes to ``figures["pandas"]``), so that both meet the same load."""
    settings = Settings()
    figures: dict[str, Any] = {}
    period = parse_period(PERIOD)
    with session_factory(engine)() as session:
        started = time.perf_counter()
        run = runs.run(session, settings.analytics, TODAY, period)
        session.commit()
        figures["analytics_run_s"] = round(time.perf_counter() - started, 3)
        figures["register_rows"] = run["register_rows"]
        log(f"{label}: analytics run {figures['analytics_run_s']}s ({run})")
        if engine.dialect.name == "postgresql":
            figures["vacuum_s"] = vacuum_analytics(engine)
        for name in REPORTS:
            request = ReportRequest(period=period, today=TODAY)

            def build(name: str = name, request: ReportRequest = request) -> Any:
                report = build_report(session, settings, name, request)
                session.commit()
                return report

            # Best of three, as for pandas: the first run also warms the database's cache.
            if name in references:
                seconds, report, reference_s = best_of_both(build, references[name])
                figures.setdefault("pandas", {})[name] = reference_s
            else:
                seconds, report = best_of(build)
            figures[name] = {"s": round(seconds, 3), "rows": len(report.rows)}
            log(f"{label}: report {name}: {seconds:.2f}s, {len(report.rows)} rows")
        # The computation alone: the classes fetched as tuples (the way the reports fetch
        # their rows), no names, no dicts for people.
        for name, make in (("abc", lambda: abc_classify(settings.analytics, period, "revenue",
                                                        month_no(TODAY))),
                           ("xyz", lambda: xyz_classify(settings.analytics, period, "revenue",
                                                        "month", month_no(TODAY)))):
            tune(session, settings.analytics.postgres_work_mem)
            from sqlalchemy import select

            sub = make()
            seconds, rows = best_of(lambda sub=sub: list(stream_rows(session, select(sub))))
            figures[f"{name}_compute_s"] = round(seconds, 3)
            figures[f"{name}_classes"] = {
                str(k): int(v) for k, v in pd.Series([r[-1] for r in rows]).value_counts().items()}
            session.commit()
        figures["abc_rows_for_check"] = {int(r[0]): r[-1] for r in session.execute(
            __import__("sqlalchemy").select(abc_classify(settings.analytics, period, "revenue",
                                                         month_no(TODAY)))).all()}
    return figures


# --- the in-memory reference -------------------------------------------------------------------

def pandas_abc(ship: pd.DataFrame) -> pd.Series:
    """Classes by revenue for 2025 with the same rules (ties share the class of the first)."""
    in_period = ship[(ship["date"] >= "2025-01-01") & (ship["date"] < "2026-01-01")]
    value = in_period.groupby("counterparty_id")["revenue"].sum()
    positive = value.clip(lower=0)
    total = positive.sum()
    # sum of the values strictly greater than each one = cumulative over distinct values
    by_value = positive.groupby(value).sum().sort_index(ascending=False)
    above = (by_value.cumsum() - by_value).reindex(value.to_numpy()).to_numpy()
    klass = np.where(value.to_numpy() <= 0, "C",
                     np.where(above * 100 < 80 * total, "A",
                              np.where(above * 100 < 95 * total, "B", "C")))
    return pd.Series(klass, index=value.index)


def pandas_xyz(ship: pd.DataFrame) -> pd.Series:
    """Regular customers at the end of 2025 (purchases in 2+ months of 2025, one since July),
    cv of their monthly revenue over 2025 (empty months as zero), classes X < 50 % <= Y <= 100 %."""
    in_period = ship[(ship["date"] >= "2025-01-01") & (ship["date"] < "2026-01-01")]
    month = in_period["date"].dt.month
    table = in_period.groupby([in_period["counterparty_id"], month])["revenue"].sum().unstack(
        fill_value=0).reindex(columns=range(1, 13), fill_value=0)
    months = (table > 0).sum(axis=1)
    recent = (table.loc[:, 7:12] > 0).any(axis=1)
    regular = table[(months >= 2) & recent]
    cv = regular.std(axis=1, ddof=0) / regular.mean(axis=1)
    return pd.Series(np.where(cv < 0.5, "X", np.where(cv <= 1.0, "Y", "Z")), index=cv.index)


def vacuum_analytics(engine: Engine) -> float:
    """``VACUUM ANALYZE`` the tables the analytics run rewrote, as autovacuum does soon after the
    nightly rebuild (the benchmark's server may run without it): reports are then timed on the
    register as it stands during the day, not on the dead rows of the rebuild (with ``--reuse``
    the register would otherwise double at every run)."""
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE analytics_customer_months, analytics_stage_changes, "
                             "analytics_abc, analytics_xyz")
    seconds = round(time.perf_counter() - started, 3)
    log(f"postgres: vacuum analyze of the analytics tables {seconds}s")
    return seconds


def best_of_both(action: Callable[[], Any], reference: Callable[[], Any],
                 repeat: int = 3) -> tuple[float, Any, float]:
    """Best of ``repeat`` runs of ``reference``, then of ``action`` right after it: both timed
    within seconds, under the same load of the shared machine, each with its caches warm from
    its own previous run (alternating them run by run would have each start with caches the
    other just flushed). ``action``'s best time and last result, and ``reference``'s best."""
    best_reference, _ = best_of(reference, repeat)
    best, result = best_of(action, repeat)
    return best, result, best_reference


@contextmanager
def postgres_database(server: str, keep: bool, reuse: str | None,
                      tables: dict[str, pd.DataFrame]) -> Iterator[str]:
    """The loaded benchmark database's URL: a fresh one (dropped afterwards unless ``keep``) or
    ``reuse`` (checked against the generated row counts, never dropped)."""
    if reuse:
        conninfo = make_url(reuse).set(drivername="postgresql").render_as_string(
            hide_password=False)
        with psycopg.connect(conninfo) as conn:
            for name in ("counterparties", "shipments", "orders"):
                row = conn.execute(f"SELECT count(*) FROM {name}").fetchone()
                if row is None or row[0] != len(tables[name]):
                    raise SystemExit(f"--reuse {reuse}: {name} has {row and row[0]} rows, "
                                     f"the generated ledger {len(tables[name])}: another --scale?")
        log(f"postgres: reusing {reuse}")
        yield make_url(reuse).set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False)
        return
    if not keep:
        with fresh_postgres_database(server, "lp_bench_analytics") as url:
            _load(url, tables)
            yield url
        return
    name = f"lp_bench_analytics_kept_{os.getpid()}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)
    _load(url, tables)
    log(f"postgres: kept {url} (rerun with --reuse {url})")
    yield url


def _load(url: str, tables: dict[str, pd.DataFrame]) -> None:
    engine = make_engine(url)
    try:
        prepare(engine)
    finally:
        engine.dispose()
    load_postgres(url, tables)


def best_of(action: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best time of ``repeat`` runs and the last result. The previous run's result is let go
    before the clock starts: rebinding ``result`` after the call would time the freeing of the
    last report (100,000 dicts) as part of this one."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the sizes (default 1.0: 100,000 customers, 5,000,000 "
                        "shipments)")
    parser.add_argument("--postgres", default=os.environ.get(
        "LETTERPRESS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-sqlite", action="store_true")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("--keep", action="store_true",
                      help="leave the loaded PostgreSQL database in place for --reuse")
    keep.add_argument("--reuse", metavar="URL",
                      help="run against a database kept by an earlier --keep run")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    tables = generate(args.scale)
    log(f"generated {sum(len(t) for t in tables.values())} rows in "
        f"{time.perf_counter() - started:.1f}s")
    ship = tables["shipments"][["counterparty_id", "date", "revenue"]].copy()

    figures: dict[str, Any] = {"scale": args.scale, "customers": len(tables["counterparties"]),
                               "shipments": len(ship), "period": PERIOD}
    pandas_abc_s, reference_abc = best_of(lambda: pandas_abc(ship))
    pandas_xyz_s, reference_xyz = best_of(lambda: pandas_xyz(ship))
    figures["pandas"] = {"abc_s": round(pandas_abc_s, 3), "xyz_s": round(pandas_xyz_s, 3),
                         "xyz_classes": {k: int(v) for k, v in
                                         reference_xyz.value_counts().items()}}
    log(f"pandas: abc {pandas_abc_s:.3f}s, xyz {pandas_xyz_s:.3f}s")

    references: dict[str, Callable[[], Any]] = {"abc": lambda: pandas_abc(ship),
                                                "xyz": lambda: pandas_xyz(ship)}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lp-bench-analytics-") as tmp:
        if not args.skip_sqlite:
            path = Path(tmp) / "bench.db"
            engine = make_engine(f"sqlite:///{path}")
            try:
                prepare(engine)
                load_sqlite(path, tables)
                results["sqlite"] = time_reports(engine, "sqlite", references)
            finally:
                engine.dispose()
        with postgres_database(args.postgres, args.keep, args.reuse, tables) as url:
            engine = make_engine(url)
            try:
                results["postgres"] = time_reports(engine, "postgres", references)
            finally:
                engine.dispose()
            if args.keep or args.reuse:
                figures["kept_postgres"] = url

    pg = results["postgres"]
    ours = pd.Series(pg.pop("abc_rows_for_check"))
    same = ours.sort_index().equals(reference_abc.sort_index())
    figures["abc_matches_pandas"] = bool(same)
    figures["xyz_classes_match_pandas"] = pg["xyz_classes"] == figures["pandas"]["xyz_classes"]
    if "sqlite" in results:
        sq = results["sqlite"]
        figures["sqlite_matches_postgres"] = (
            pd.Series(sq.pop("abc_rows_for_check")).sort_index().equals(ours.sort_index())
            and sq["xyz_classes"] == pg["xyz_classes"])
    figures["reports"] = {
        name: {"sqlite_s": results.get("sqlite", {}).get(name, {}).get("s"),
               "postgres_s": pg[name]["s"]}
        for name in REPORTS
    }
    figures["analytics_run"] = {"sqlite_s": results.get("sqlite", {}).get("analytics_run_s"),
                                "postgres_s": pg["analytics_run_s"],
                                "postgres_vacuum_s": pg.get("vacuum_s")}
    figures["compute_only"] = {
        "abc": {"sqlite_s": results.get("sqlite", {}).get("abc_compute_s"),
                "postgres_s": pg["abc_compute_s"]},
        "xyz": {"sqlite_s": results.get("sqlite", {}).get("xyz_compute_s"),
                "postgres_s": pg["xyz_compute_s"]},
    }
    # pandas' best time over all its runs: the first ones and those just before PostgreSQL's.
    pandas_abc_s = min(pandas_abc_s, pg["pandas"]["abc"])
    pandas_xyz_s = min(pandas_xyz_s, pg["pandas"]["xyz"])
    figures["pandas"].update(abc_s=round(pandas_abc_s, 3), xyz_s=round(pandas_xyz_s, 3))
    figures["abc_vs_pandas"] = round(pg["abc"]["s"] / pandas_abc_s, 2)
    figures["xyz_vs_pandas"] = round(pg["xyz"]["s"] / pandas_xyz_s, 2)
    figures["abc_vs_pandas_paired"] = round(pg["abc"]["s"] / pg["pandas"]["abc"], 2)
    figures["xyz_vs_pandas_paired"] = round(pg["xyz"]["s"] / pg["pandas"]["xyz"], 2)
    figures["abc_compute_vs_pandas"] = round(pg["abc_compute_s"] / pandas_abc_s, 2)
    figures["xyz_compute_vs_pandas"] = round(pg["xyz_compute_s"] / pandas_xyz_s, 2)
    figures["register_rows"] = pg["register_rows"]
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
