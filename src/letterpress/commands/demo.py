"""``letterpress demo [--no-serve] [--seed N] [--host H] [--port P]``: a demo printing house.

Builds the demo (see :mod:`letterpress.demo`) into a fresh data directory, or afresh over a
previous demo, as of the moment it runs: the history ends yesterday, this week's calendar is
full, and the reminder engine, the nightly analytics and the search index have run over it
(:mod:`letterpress.demo.live`). Then it prints what it holds, the address and the logins, and
serves the web UI until stopped. With ``--format json`` the summary is one JSON document on
stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import time
from collections.abc import Callable
from typing import Any

from letterpress.cli import Context, add_format_option
from letterpress.config import Settings
from letterpress.errors import UserError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo", help="build a demo printing house in a fresh data directory and serve it",
        description="Build a demo printing house (users admin, head, manager1..manager6 with the "
                    "password 'demo'; counterparties, contacts, two years of orders up to "
                    "yesterday, events, this week's calendar, tasks, reminders, stored analytics "
                    "and some 5,000 letters filed from mbox archives) in a fresh data "
                    "directory, then serve the web UI.",
    )
    parser.add_argument("--no-serve", action="store_true", help="build only, do not serve")
    parser.add_argument("--no-mail", action="store_true",
                        help="leave out the letters (a faster build, no mail archives)")
    parser.add_argument("--seed", type=int, default=None,
                        help="random seed: the same seed gives the same data (default 1)")
    parser.add_argument("--host", help="address to serve on (default: the config's web.host)")
    parser.add_argument("--port", type=int,
                        help="port to serve on (default: the config's web.port)")
    add_format_option(parser)
    parser.set_defaults(handler=run)


def _server() -> Callable[[Settings, str, int], None]:
    """``letterpress.web.server.serve``, imported only when serving (Flask is heavy)."""
    try:
        module = importlib.import_module("letterpress.web.server")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("letterpress.web"):
            raise UserError("the web UI is not available in this installation; "
                            "run the demo with --no-serve") from exc
        raise
    serve: Callable[[Settings, str, int], None] = module.serve
    return serve


def _mail_line(c: dict[str, int]) -> str:
    return (f"  {c['letters']} letters in {c['mailboxes']} mail archives: {c['letters_filed']} "
            f"filed, {c['letters_unfiled']} unfiled ({c['letters_ambiguous']} waiting in the "
            f"ambiguous queue, {c['letters_unparsed']} unparsed); {c['contacts_from_mail']} "
            f"contact persons created from mail.")


def _text(data: dict[str, Any]) -> str:
    c = data["counts"]
    logins = data["logins"]
    lines = [
        (f"Demo printing house built in {data['seconds']} s (seed {data['seed']}, "
         f"history {data['history_start']} .. {data['history_end']})."),
        (f"  {c['users']} users in {c['teams']} teams; {c['counterparties']} counterparties "
         f"({c['customers']} customers, {c['suppliers']} suppliers, {c['lost_customers']} lost "
         f"customers); {c['contact_persons']} contact persons ({c['contacts_with_birthdays']} "
         f"with birthdays)."),
        (f"  {c['customer_orders']} customer and {c['supplier_orders']} supplier orders, "
         f"{c['shipments']} shipments, {c['payments']} payments, {c['invoices']} invoices; "
         f"{c['events']} events ({c['planned_events']} planned), {c['tasks']} tasks, "
         f"{c['campaigns']} campaigns."),
        (f"  {c.get('reminders', 0)} reminders ({c.get('reminders_due', 0)} due now); analytics "
         f"stored for {data.get('analytics_period') or '-'} and the twelve periods before; "
         f"the search index is built."),
        f"  Database: {data['database']}",
        "",
        f"Web UI: {data['url']}",
        (f"Sign in as {', '.join(logins[:3])} ... {logins[-1]} with the password "
         f"'{data['password']}'."),
    ]
    if c.get("letters"):
        lines[3:3] = [_mail_line(c), f"  Mail archives (mbox): {data['mail_dir']}"]
    lines += [f"  {login}: {trait}" for login, trait in data["managers"].items()]
    if data.get("dav_notes"):
        lines += ["", data["dav_notes"]]
    if data["serving"]:
        lines += ["", "Serving; press Ctrl+C to stop."]
    return "\n".join(lines)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.calendar import demo_notes
    from letterpress.crm.analytics import Period
    from letterpress.demo import DEFAULT_SEED, STEPS, build_demo, datadir
    from letterpress.demo.live import live_step
    from letterpress.demo.mail import MAIL_DIR, mail_step

    settings = ctx.settings
    seed = DEFAULT_SEED if args.seed is None else args.seed
    host = args.host or settings.web.host
    port = settings.web.port if args.port is None else args.port
    if not 0 < port < 65536:
        raise UserError(f"--port {port}: expected 1-65535")
    serve = None if args.no_serve else _server()
    note = datadir.prepare(settings)
    if note:
        print(f"letterpress: {note}", file=ctx.stderr if ctx.json else ctx.stdout)
    started = time.perf_counter()
    now = dt.datetime.now(settings.company.tz)
    with ctx.session() as session:
        steps = STEPS if args.no_mail else (*STEPS, mail_step(settings))
        summary = build_demo(session, seed=seed, today=now.date(),
                             steps=(*steps, live_step(settings, now)))
        session.commit()
    seconds = round(time.perf_counter() - started, 2)
    datadir.write_marker(settings, summary)
    url_host = f"[{host}]" if ":" in host else host
    data = {
        **summary.as_dict(), "url": f"http://{url_host}:{port}/",
        "data_dir": str(settings.data_dir), "database": datadir.display_url(settings.db_url),
        "rebuilt": note is not None, "seconds": seconds, "serving": not args.no_serve,
        "mail_dir": None if args.no_mail else str(settings.data_dir / MAIL_DIR),
        "dav_url": f"http://{url_host}:{port}/dav/",
        "analytics_period": Period.trailing(now.date(), settings.analytics.period_months).label,
        "dav_notes": demo_notes(settings, url_host, port),
    }
    ctx.emit(data, text=_text(data))
    ctx.stdout.flush()
    if serve is not None:
        serve(settings, host, port)
    return 0
