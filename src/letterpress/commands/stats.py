"""``letterpress stats``: counts of what the CRM holds."""

from __future__ import annotations

import argparse

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("stats", help="counts of users, counterparties, letters, ...")
    add_format_option(parser)
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm.stats import collect

    with ctx.session() as session:
        ctx.emit(collect(session))
    return 0
