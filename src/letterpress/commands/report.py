"""``letterpress report NAME``: the analytical reports as a table, CSV, JSON or an Excel file.

``--format json`` prints a list of rows (``--meta`` wraps it with the period and the settings
used); the other formats say which settings were used in their header (table), on stderr (CSV)
or on a second sheet (XLSX, written to ``--output FILE`` or as bytes to stdout).
"""

from __future__ import annotations

import argparse
import sys

from letterpress.cli import Context

NAMES = ("abc", "xyz", "stages", "managers", "sources", "campaigns", "events")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="analytical reports: abc, xyz, stages, managers, sources, campaigns, events")
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--period", metavar="YYYY-MM..YYYY-MM",
                        help="whole months (also YYYY-MM or YYYY); default: the last "
                        "[analytics] period_months whole months")
    parser.add_argument("--as", dest="as_login", metavar="LOGIN",
                        help="show only what this user may see")
    parser.add_argument("--manager", metavar="LOGIN", help="only this manager's customers")
    parser.add_argument("--format", dest="output_format", default=None,
                        choices=("table", "csv", "json", "xlsx"))
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--meta", action="store_true",
                        help="json: an object with the period, settings and rows")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="compute as of this day")
    parser.add_argument("--measure", choices=("revenue", "gross_profit", "orders"),
                        help="abc, xyz: the measure (default from [analytics])")
    parser.add_argument("--bucket", choices=("month", "quarter", "year"), help="xyz: the bucket")
    parser.add_argument("--with-abc", dest="abc", action="store_true",
                        help="xyz: add each customer's ABC class of the period (AX ... CZ)")
    parser.add_argument("--compare", action="store_true",
                        help="abc: add the class in the preceding period of the same length")
    parser.add_argument("--history", action="store_true",
                        help="abc: stored classes of the periods ending within --period")
    parser.add_argument("--summary", action="store_true", help="abc, stages: totals per class")
    parser.add_argument("--changes", action="store_true", help="stages: the changes in the period")
    parser.add_argument("--by", choices=("manager", "team"), default="manager",
                        help="managers: a row per manager or per team")
    parser.add_argument("--drill", metavar="INDICATOR",
                        help="managers: the rows behind INDICATOR of --manager (or unassigned)")
    parser.add_argument("--view", choices=("kinds", "unfulfilled", "planned", "workload"),
                        help="events: what to show (default kinds)")
    parser.add_argument("--group", choices=("both", "kind", "client"),
                        help="events, kinds view: group by kind, client or both")
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    import datetime as dt

    from letterpress.crm import users
    from letterpress.crm.analytics import ReportRequest, build_report, export, parse_period
    from letterpress.crm.analytics.catalog import company_today
    from letterpress.crm.analytics.periods import Period
    from letterpress.errors import UserError

    settings = ctx.settings
    try:
        today = dt.date.fromisoformat(args.today) if args.today else company_today(settings)
    except ValueError:
        raise UserError(f"--today {args.today!r}: expected YYYY-MM-DD") from None
    period = (parse_period(args.period) if args.period
              else Period.trailing(today, settings.analytics.period_months))
    options = {key: getattr(args, key) for key in (
        "measure", "bucket", "abc", "compare", "history", "summary", "changes", "by", "view",
        "group")}
    with ctx.session() as session:
        viewer = users.get_user(session, args.as_login) if args.as_login else None
        manager = users.get_user(session, args.manager) if args.manager else None
        request = ReportRequest(period=period, today=today, viewer=viewer, manager=manager,
                                options=options)
        if args.drill:
            if args.name != "managers":
                raise UserError("--drill goes with the managers report")
            from letterpress.crm.analytics.drilldown import drilldown

            rows = drilldown(session, settings.analytics, request, args.manager, args.drill,
                             settings.company.tz)
            session.commit()
            ctx.emit(rows)
            return 0
        report = build_report(session, settings, args.name, request)
        session.commit()  # the register may have been rebuilt on the way
    fmt = ctx.output_format
    if fmt == "xlsx":
        data = export.to_xlsx(report)
    elif fmt == "csv":
        print("\n".join(export.header(report)), file=ctx.stderr)
        data = export.to_csv(report).encode()
    elif fmt == "json":
        data = export.to_json(report, meta=args.meta).encode()
    else:
        data = export.to_table(report).encode()
    if args.output:
        with open(args.output, "wb") as handle:
            handle.write(data)
        print(f"letterpress: {args.name} report written to {args.output}", file=ctx.stderr)
    elif fmt == "xlsx":
        ctx.stdout.flush()
        target = getattr(ctx.stdout, "buffer", None) or sys.stdout.buffer
        target.write(data)
        target.flush()
    else:
        ctx.stdout.write(data.decode())
    return 0
