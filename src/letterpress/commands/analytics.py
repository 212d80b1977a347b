"""``letterpress analytics run``: rebuild the register, store ABC/XYZ, snapshot completeness.

The mail daemon does the same once a night (:func:`letterpress.crm.analytics.run_nightly`).
"""

from __future__ import annotations

import argparse

from letterpress.cli import Context, add_format_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("analytics", help="recompute and store the analytics")
    sub = parser.add_subparsers(dest="analytics_command", metavar="ACTION", required=True)
    run_parser = sub.add_parser("run", help="rebuild the register and store a period's classes")
    run_parser.add_argument("--period", metavar="YYYY-MM..YYYY-MM",
                            help="the period to store ABC and XYZ for (default: the last "
                            "[analytics] period_months whole months)")
    run_parser.add_argument("--today", metavar="YYYY-MM-DD", help="compute as of this day")
    add_format_option(run_parser)
    run_parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    import datetime as dt

    from letterpress.crm.analytics import parse_period, runs
    from letterpress.crm.analytics.catalog import company_today
    from letterpress.errors import UserError

    try:
        today = dt.date.fromisoformat(args.today) if args.today else company_today(ctx.settings)
    except ValueError:
        raise UserError(f"--today {args.today!r}: expected YYYY-MM-DD") from None
    period = parse_period(args.period) if args.period else None
    with ctx.session() as session:
        figures = runs.run(session, ctx.settings.analytics, today, period)
        session.commit()
    ctx.emit(figures)
    return 0
