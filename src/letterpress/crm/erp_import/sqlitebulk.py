"""SQLite's page cache, enlarged for the length of a big import.

With SQLite's default 2 MB cache, inserting 200,000 rows into a table with four indexes reads
and writes the same index pages over and over (seconds instead of a fraction of one), and the
staging tables spill to a temporary file. The cache is a setting of the connection (of each
of its databases, ``main`` and ``temp``), so it is put back when the import ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

CACHE_KIB = 256 * 1024  # an upper bound: SQLite allocates only the pages it uses
SCHEMAS = ("main", "temp")


@contextmanager
def tuned(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    saved = {schema: connection.exec_driver_sql(f"PRAGMA {schema}.cache_size").scalar()
             for schema in SCHEMAS}
    for schema in SCHEMAS:
        connection.exec_driver_sql(f"PRAGMA {schema}.cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        for schema, size in saved.items():
            connection.exec_driver_sql(f"PRAGMA {schema}.cache_size = {int(size or -2000)}")
