"""``letterpress reminders run [--once] [--interval S] [--now ISO]``: fire due reminders.

The mail daemon calls :func:`letterpress.crm.reminders.run_due` from its own scheduler; this
command is for cron and for running without the daemon. The morning digests are queued as .eml
files in ``DATA_DIR/outbox/`` and sent through ``reminders.digest_smtp`` when it is set
(see :mod:`letterpress.mailsvc.outbox`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from pathlib import Path

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("reminders", help="fire due reminders and morning digests")
    sub = parser.add_subparsers(dest="reminders_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="fire what is due (once, or every --interval seconds)")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    run.add_argument("--now", help="pretend it is this time (ISO 8601 with an offset; tests)")
    add_format_option(run)
    run.set_defaults(handler=run_command)


def _pass(ctx: Context, now: dt.datetime) -> dict[str, int]:
    from letterpress.crm.reminders import run_due
    from letterpress.mailsvc.outbox import pending, send_outbox, staged

    settings = ctx.settings
    with ctx.session() as session:
        result = run_due(session, settings, now)
        with staged(Path(settings.data_dir), settings.reminders.digest_from, result.digests):
            session.commit()
    counts = {"fired": len(result.fired), "resurfaced": len(result.resurfaced),
              "birthday_calls": len(result.birthday_calls), "digests": len(result.digests)}
    if settings.reminders.digest_smtp is not None:
        sent = asyncio.run(send_outbox(Path(settings.data_dir), settings.reminders.digest_smtp))
        if sent.error:
            ctx.stderr.write(f"reminders: digests not sent yet: {sent.error}\n")
        counts |= {"digests_sent": len(sent.sent), "digests_refused": len(sent.failed)}
    counts["outbox_waiting"] = len(pending(Path(settings.data_dir)))
    return counts


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.errors import UserError

    fixed = None
    if args.now:
        try:
            fixed = dt.datetime.fromisoformat(args.now)
        except ValueError:
            raise UserError(f"--now {args.now!r}: expected ISO 8601, e.g. 2025-03-01T09:00+03:00") \
                from None
        if fixed.tzinfo is None:
            raise UserError("--now needs a UTC offset")
    while True:
        counts = _pass(ctx, fixed or dt.datetime.now(dt.UTC))
        if args.once or fixed is not None:
            ctx.emit(counts)
            return 0
        ctx.stderr.write(f"reminders: {counts}\n")
        time.sleep(args.interval)
