"""``letterpress serve [--host H] [--port P]``: the web UI (and DAV under /dav/) on one port."""

from __future__ import annotations

import argparse

from letterpress.cli import Context


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port {port}: expected 1-65535")
    return port


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the web UI under gunicorn (migrates the database first)"
    )
    parser.add_argument("--host", help="address to listen on (default: the config's web.host)")
    parser.add_argument("--port", type=_port, help="port (default: the config's web.port)")
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.web.server import serve

    # serve() brings the schema to head itself, so `letterpress demo` gets that too.
    serve(ctx.settings, args.host or ctx.settings.web.host, args.port or ctx.settings.web.port)
    return 0
