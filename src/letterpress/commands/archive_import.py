"""``letterpress import mbox FILE|maildir DIR --mailbox NAME --owner LOGIN``: mail archives
(Thunderbird, The Bat!) through the same parse -> store -> file pipeline as IMAP."""

from __future__ import annotations

import argparse
from pathlib import Path

from letterpress.cli import Context

KINDS = ("mbox", "maildir")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mail archives (mbox, maildir)")
    group.add_argument("--mailbox", metavar="NAME",
                       help="the archive mailbox to import into (created if it does not exist)")
    group.add_argument("--owner", metavar="LOGIN", help="the user whose mailbox this is")
    group.add_argument("--workers", type=int, default=None,
                       help="parser processes (default: the number of cores)")


def import_archive(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.db.session import session_factory, writer
    from letterpress.errors import UserError
    from letterpress.mailsvc.archive import import_archive as run_import
    from letterpress.progress import ProgressBars

    if not args.mailbox or not args.owner:
        raise UserError(f"import {args.kind} needs --mailbox NAME and --owner LOGIN")
    factory = session_factory(writer(ctx.migrated_engine()))
    bars = ProgressBars(enabled=args.progress)
    try:
        result = run_import(factory, ctx.settings, Path(args.file), kind=args.kind,
                            mailbox_name=args.mailbox, owner=args.owner, workers=args.workers,
                            progress=bars)
    finally:
        bars.close()
    data = result.as_json()
    text = (f"{args.kind}: {data['created']} new letters, {data['unchanged']} already stored, "
            f"{data['filed']} filed, {len(result.unparsed)} kept unparsed, "
            f"{len(result.rejected)} rejected")
    ctx.emit(data, text=text)
    return 0
