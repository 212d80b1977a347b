"""``letterpress mail run|sync|status|unparsed``: the IMAP daemon and its state."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("mail", help="follow mailboxes over IMAP and file letters")
    sub = parser.add_subparsers(dest="mail_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="the daemon: follow every configured folder until stopped; "
                         "also fires reminders and recomputes analytics nightly")
    run.add_argument("--workers", type=int, default=None, help="parser processes (default: cores)")
    run.set_defaults(handler=run_daemon)

    sync = sub.add_parser("sync", help="fetch and file new letters, then exit")
    sync.add_argument("--mailbox", metavar="NAME", help="only this mailbox")
    sync.add_argument("--once", action="store_true",
                      help="one pass over each folder, then exit (the default for sync)")
    sync.add_argument("--workers", type=int, default=None, help="parser processes (default: cores)")
    add_format_option(sync)
    sync.set_defaults(handler=sync_once)

    status = sub.add_parser("status", help="each folder's last UID, letters, lag and last error")
    add_format_option(status)
    status.set_defaults(handler=show_status)

    unparsed = sub.add_parser("unparsed", help="letters that could not be parsed (kept raw)")
    add_format_option(unparsed)
    unparsed.set_defaults(handler=show_unparsed)


def _factory(ctx: Context):  # type: ignore[no-untyped-def]
    from letterpress.db.session import session_factory, writer

    return session_factory(writer(ctx.migrated_engine()))


def run_daemon(ctx: Context, args: argparse.Namespace) -> int:
    import logging

    from letterpress.mailsvc.daemon import Daemon, prepare_jobs

    logging.getLogger("letterpress").setLevel(logging.INFO)
    factory = _factory(ctx)
    jobs = prepare_jobs(factory, ctx.settings)

    async def main() -> None:
        daemon = Daemon(ctx.settings, factory, workers=args.workers)
        daemon.install_signal_handlers()
        try:
            await daemon.run_forever(jobs, scheduler=True)
        finally:
            daemon.close()

    asyncio.run(main())
    return 0


def sync_once(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.mailsvc.daemon import Daemon, RunResult, prepare_jobs
    from letterpress.progress import ProgressBars

    factory = _factory(ctx)
    jobs = prepare_jobs(factory, ctx.settings, args.mailbox)
    bars = ProgressBars()

    async def main() -> RunResult:
        daemon = Daemon(ctx.settings, factory, workers=args.workers, progress=bars)
        daemon.install_signal_handlers()
        try:
            return await daemon.run_once(jobs)
        finally:
            daemon.close()

    try:
        result = asyncio.run(main())
    finally:
        bars.close()
    data = {
        "folders": [dataclasses.asdict(r) for r in result.reports],
        "errors": result.errors,
        "fetched": sum(r.fetched for r in result.reports),
        "new_letters": sum(r.new_letters for r in result.reports),
    }
    lines = [f"{r.folder}: {r.fetched} fetched, {r.new_letters} new, {r.filed} filed, "
             f"{r.unparsed} unparsed" for r in result.reports]
    lines += [f"{label}: ERROR {message}" for label, message in result.errors.items()]
    ctx.emit(data, text="\n".join(lines) or "no folders configured")
    return 1 if result.errors else 0


def show_status(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.mailsvc.folder_state import status

    with ctx.session() as session:
        rows = [dataclasses.asdict(r) for r in status(session)]
    for row in rows:
        if row["last_sync_at"] is not None:
            row["last_sync_at"] = row["last_sync_at"].isoformat()
    text = "\n".join(
        f"{r['mailbox']}/{r['folder']}: last UID {r['last_uid']}, {r['letters']} letters, "
        f"lag {r['lag_letters']}, error: {r['last_error'] or '-'}" for r in rows
    ) or "no folders synchronised yet"
    ctx.emit(rows, text=text)
    return 0


def show_unparsed(ctx: Context, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from letterpress.crm.model import Letter

    with ctx.session() as session:
        rows = [{"id": i, "size": size, "error": err, "received_at": at.isoformat()}
                for i, size, err, at in session.execute(
                    select(Letter.id, Letter.size, Letter.parse_error, Letter.received_at)
                    .where(Letter.parse_error.is_not(None)).order_by(Letter.id))]
    ctx.emit(rows, text="\n".join(f"#{r['id']} ({r['size']} bytes): {r['error']}" for r in rows)
             or "no unparsed letters")
    return 0
