"""Alembic brings an empty database to head, and head matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from letterpress.db import migrate
from letterpress.db.base import Base
from letterpress.db.session import make_engine
from letterpress.search import include_in_migrations


def _tables(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        insp = inspect(engine)
        tables = {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": include_in_migrations})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert migrate.is_current(engine)
        migrate.upgrade(engine)  # idempotent
        return tables
    finally:
        engine.dispose()


# SQLite has no counterpart of the PostgreSQL-only expression index on counterparties' names.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning")
def test_upgrade_gives_the_models_tables(db_url: str) -> None:
    tables = _tables(db_url)
    assert "alembic_version" in tables
    assert set(tables) - {"alembic_version"} >= set(Base.metadata.tables)


def test_postgresql_indexes_carry_their_included_columns(db_url: str) -> None:
    """Autogenerate's compare ignores INCLUDE: each model index with ``postgresql_include``
    must have those columns in the migrated database."""
    if not db_url.startswith("postgresql"):
        pytest.skip("INCLUDE columns are PostgreSQL's")
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        insp = inspect(engine)
        for table in Base.metadata.tables.values():
            wanted = {ix.name: list(ix.dialect_options["postgresql"]["include"] or [])
                      for ix in table.indexes if ix.dialect_options["postgresql"]["include"]}
            if not wanted:
                continue
            found = {ix["name"]: list(ix.get("dialect_options", {}).get("postgresql_include") or [])
                     for ix in insp.get_indexes(table.name)}
            for name, include in wanted.items():
                assert found.get(name) == include, (table.name, name, found.get(name))
    finally:
        engine.dispose()
