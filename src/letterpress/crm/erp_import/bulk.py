"""Big inserts: a table's secondary indexes (and, on PostgreSQL, foreign keys) set aside.

Keeping four B-tree indexes up to date row by row, and on PostgreSQL checking two foreign keys
row by row, costs several times the insert itself; building each index afterwards (one sort) and
validating each foreign key (one join) is what PostgreSQL's manual recommends for populating a
table, and SQLite gains the same way. It is worth it only when the rows to insert outnumber the
rows already there (:func:`worth_it`).

Everything happens inside the import's transaction: a failure restores the indexes and keys
with the rollback. Their definitions come from the catalogue (``pg_get_indexdef`` and
``pg_get_constraintdef``; ``sqlite_master``), so whatever the migrations made is rebuilt as it
was. Primary keys and unique constraints are dropped only with ``keys=True``: for the first
load of an empty table (:mod:`.directload`), where keeping their indexes up to date row by row
costs PostgreSQL more than building them once; building one checks every row, so a duplicate
would fail the import instead of slipping in. A key that a foreign key relies on (the orders'
primary key) stays. The cost: on PostgreSQL the table is locked (ACCESS EXCLUSIVE)
until the import commits, so readers of that table wait for a first big load; SQLite's writers
are one at a time anyway, and its readers keep their snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Table, text

#: Fewest new rows for which an import sets a table's indexes aside (:func:`worth_it`), and for
#: which a first load of an empty ledger table skips staging (:mod:`.directload`). Below it the
#: few statements and sorts of a rebuild save little over keeping the indexes up to date row by
#: row (and set-aside locks the table); above it the rows must also outnumber those already in
#: the table, since a rebuild sorts the whole table, old rows included.
DEFAULT_THRESHOLD = 20_000

#: PostgreSQL settings while the indexes are rebuilt. Sorting in memory is what makes a build
#: fast. A build is shared with parallel workers (up to ``max_parallel_maintenance_workers``)
#: only for tables past ``min_parallel_table_scan_size`` (8 MB by default: 200,000 ledger rows
#: would get one worker, 100,000 none); lowered, every big load's rebuild uses them (measured:
#: the 5 indexes of 200,000 shipments in 2.3-2.7 s instead of 2.6-2.9 s, and 4.1-4.6 s without
#: workers, on 2 cores at a load average of 10).
REBUILD_SETTINGS = {"maintenance_work_mem": "256MB", "min_parallel_table_scan_size": "1MB"}

_PG_INDEXES = text("""
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisunique AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY 1
""")
_PG_KEYS = text("""
    SELECT quote_ident(k.conname), pg_get_constraintdef(k.oid)
    FROM pg_constraint k
    WHERE k.conrelid = CAST(:table AS regclass) AND k.contype IN ('p', 'u')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                      WHERE f.contype = 'f' AND f.conindid = k.conindid)
    ORDER BY k.contype, 1
""")
_PG_FOREIGN_KEYS = text("""
    SELECT quote_ident(conname), pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE conrelid = CAST(:table AS regclass) AND contype = 'f'
    ORDER BY 1
""")


def worth_it(connection: Connection, table: Table, new_rows: int, threshold: int) -> bool:
    """Whether inserting ``new_rows`` into ``table`` should go the bulk way."""
    if new_rows < threshold:
        return False
    existing = connection.scalar(
        text(f"SELECT count(*) FROM (SELECT 1 FROM {table.name} LIMIT :n) AS sample"),
        {"n": new_rows},
    )
    return int(existing or 0) < new_rows


@contextmanager
def indexes_set_aside(connection: Connection, table: Table, *, keys: bool = False
                      ) -> Iterator[None]:
    """Drop ``table``'s secondary indexes (and foreign keys, and with ``keys`` on PostgreSQL
    its primary key and unique constraints); rebuild them when the block ends."""
    if connection.dialect.name == "postgresql":
        with _postgres(connection, table, keys=keys):
            yield
    elif connection.dialect.name == "sqlite":
        with _sqlite(connection, table):
            yield
    else:  # pragma: no cover - Letterpress runs on these two
        yield


@contextmanager
def _postgres(connection: Connection, table: Table, *, keys: bool) -> Iterator[None]:
    qualified = connection.scalar(text("SELECT CAST(:table AS regclass)::text"),
                                  {"table": table.name})
    indexes = connection.execute(_PG_INDEXES, {"table": table.name}).all()
    foreign_keys = connection.execute(_PG_FOREIGN_KEYS, {"table": table.name}).all()
    own_keys = connection.execute(_PG_KEYS, {"table": table.name}).all() if keys else []
    for name, _definition in (*foreign_keys, *own_keys):
        connection.exec_driver_sql(f"ALTER TABLE {qualified} DROP CONSTRAINT {name}")
    for name, _definition in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    yield
    with _settings(connection, REBUILD_SETTINGS):
        for name, definition in own_keys:
            connection.exec_driver_sql(
                f"ALTER TABLE {qualified} ADD CONSTRAINT {name} {definition}")
        for _name, definition in indexes:
            connection.exec_driver_sql(definition)
        for name, definition in foreign_keys:
            connection.exec_driver_sql(
                f"ALTER TABLE {qualified} ADD CONSTRAINT {name} {definition}")


@contextmanager
def _settings(connection: Connection, settings: dict[str, str]) -> Iterator[None]:
    """``settings`` for this transaction only, put back as they were when the block ends."""
    saved = {name: connection.scalar(text("SELECT current_setting(:name)"), {"name": name})
             for name in settings}
    for name, value in settings.items():
        connection.execute(text("SELECT set_config(:name, :value, true)"),
                           {"name": name, "value": value})
    yield
    for name, value in saved.items():
        connection.execute(text("SELECT set_config(:name, :value, true)"),
                           {"name": name, "value": value})


@contextmanager
def _sqlite(connection: Connection, table: Table) -> Iterator[None]:
    # origin 'c': made by CREATE INDEX (not by a UNIQUE or PRIMARY KEY constraint).
    names = [row[1] for row in connection.exec_driver_sql(f"PRAGMA index_list({table.name})")
             if row[3] == "c" and not row[2]]
    catalogue = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"),
        {"table": table.name},
    ).all()
    indexes = [(str(name), str(sql)) for name, sql in catalogue if name in names and sql]
    for name, _sql in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        connection.exec_driver_sql(sql)
