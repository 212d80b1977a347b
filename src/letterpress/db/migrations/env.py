"""Alembic environment: runs migrations on the connection that :mod:`letterpress.db.migrate` passes in."""

from __future__ import annotations

from alembic import context

import letterpress.crm.model  # noqa: F401 - registers every table on the metadata
from letterpress.db.base import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from letterpress.db.session import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run_on(conn)
        return
    _run_on(connection)


def _run_on(connection: object) -> None:
    from letterpress.search import include_in_migrations

    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        include_name=include_in_migrations,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
