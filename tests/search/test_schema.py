"""The index's schema: idempotent creation for a migration, invisible to model comparisons."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from letterpress.db.base import Base
from letterpress.search import create_schema, include_in_migrations
from letterpress.search.meta import read_state


def test_create_schema_is_idempotent_and_records_the_defaults(engine: Engine) -> None:
    with engine.begin() as conn:
        first = create_schema(conn)
        again = create_schema(conn, analyzer="pymorphy")  # never rebuilds: reindex does
    assert first == again
    assert first.analyzer == "snowball/1" and first.complete  # an empty database is complete
    assert first.backend == ("postgres" if engine.dialect.name == "postgresql" else "sqlite")
    with engine.connect() as conn:
        assert read_state(conn) == first
    assert {"search_meta", "search_docs"} <= set(inspect(engine).get_table_names())


# SQLite has no counterpart of the PostgreSQL-only expression index on counterparties' names.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning")
def test_migrations_can_skip_the_index_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        create_schema(conn)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_migrations})
        assert compare_metadata(context, Base.metadata) == []
        noisy = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert any(d[0] == "remove_table" and d[1].name.startswith("search_") for d in noisy)
