"""``letterpress db upgrade|current``: schema migrations."""

from __future__ import annotations

import argparse

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade to the latest revision")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = sub.add_parser("upgrade", help="bring the database to the latest schema (Alembic head)")
    add_format_option(up)
    up.set_defaults(handler=upgrade)
    cur = sub.add_parser("current", help="show the database's schema revision")
    add_format_option(cur)
    cur.set_defaults(handler=current)


def upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.db import migrate

    migrate.upgrade(ctx.engine)
    rev = migrate.current_revision(ctx.engine)
    ctx.emit({"revision": rev, "database": ctx.engine.url.render_as_string(hide_password=True)},
             text=f"database at revision {rev}")
    return 0


def current(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.db import migrate

    rev = migrate.current_revision(ctx.engine)
    head = migrate.head_revision()
    ctx.emit({"revision": rev, "head": head, "current": rev == head},
             text=f"revision {rev} (head {head})")
    return 0
