"""``letterpress search QUERY --as LOGIN`` and ``letterpress reindex``.

Registering this module also installs the search index's ORM hooks for every command (the web
server, the mail daemon and the importers all run through the command line), so that CRM objects
changed through the ORM are indexed in their own transaction.
"""

from __future__ import annotations

import argparse
import sys

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from letterpress.search.hooks import install_hooks

    install_hooks()
    parser = subparsers.add_parser(
        "search", help="full-text search as a user sees it",
        description="Search letters, counterparties, contacts, events and tasks. Words must all "
        'occur; "phrases", -exclusions, prefix*, and filters from: to: counterparty: mailbox: '
        "topic: has:attachment before: after: kind:. Put -- before a query starting with -.",
    )
    parser.add_argument("query", nargs="+", help="the search (joined with spaces)")
    parser.add_argument("--as", dest="login", required=True, metavar="LOGIN",
                        help="whose rights apply")
    parser.add_argument("--order", choices=("newest", "relevance"), default="newest")
    parser.add_argument("--limit", type=int, default=None, help="hits per page")
    parser.add_argument("--offset", type=int, default=0, help="hits to skip")
    add_format_option(parser)
    parser.set_defaults(handler=run_search)

    rebuild = subparsers.add_parser(
        "reindex", help="build or rebuild the search index",
        description="Index everything again (resumable: an interrupted run goes on where it "
        "stopped). Needed after changing [search] backend or analyzer, and after bulk loads that "
        "bypass the ORM.",
    )
    rebuild.add_argument("--kind", action="append", metavar="KIND",
                    help="letters, counterparties, contacts, events or tasks (repeatable; "
                    "default: all)")
    rebuild.add_argument("--restart", action="store_true", help="ignore an interrupted run's progress")
    add_format_option(rebuild)
    rebuild.set_defaults(handler=run_reindex)


def run_search(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm.users import get_user
    from letterpress.search import Snippet, query

    text = " ".join(args.query)
    with ctx.session() as session:
        user = get_user(session, args.login)
        page = query(session, user, text, settings=ctx.settings, order=args.order,
                     limit=args.limit or ctx.settings.search.page_size, offset=args.offset)
        for notice in page.notices:
            print(f"letterpress: {notice}", file=ctx.stderr)
        rows = [hit.to_dict() for hit in page.hits]
        lines = []
        for hit in page.hits:
            cp = f"  [{hit.counterparty}]" if hit.counterparty else ""
            title = Snippet(hit.title, hit.title_highlights).marked()
            lines.append(f"{hit.kind} #{hit.id}  {hit.date:%Y-%m-%d}  {title}{cp}")
            if hit.snippet.text:
                lines.append(f"    {hit.snippet.marked()}")
        if not lines:
            lines.append("nothing found")
        elif page.has_more:
            lines.append(f"(more: --offset {page.offset + page.limit})")
        ctx.emit(rows, text="\n".join(lines))
    return 0


def run_reindex(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.errors import UserError
    from letterpress.progress import ProgressBars
    from letterpress.search.kinds import kind_named
    from letterpress.search.reindex import reindex

    kinds = []
    for name in args.kind or ():
        kind = kind_named(name)
        if kind is None:
            raise UserError(f"unknown kind {name!r}: use letters, counterparties, contacts, "
                            "events or tasks")
        kinds.append(kind)
    bars = ProgressBars()
    try:
        report = reindex(ctx.migrated_engine(), ctx.settings, kinds=kinds or None,
                         restart=args.restart, progress=bars,
                         say=lambda msg: print(f"letterpress: {msg}", file=ctx.stderr))
    finally:
        bars.close()
    counts = ", ".join(f"{n} {k}s" for k, n in report.counts.items())
    ctx.emit(report.to_dict(), text=f"indexed {counts} in {report.seconds:.1f} s "
             f"({report.backend}, {report.analyzer})")
    sys.stderr.flush()
    return 0
