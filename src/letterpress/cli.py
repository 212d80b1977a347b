"""The ``letterpress`` command: global options, output formats, exit codes, dispatch.

Each command group lives in :mod:`letterpress.commands` and registers its sub-parser here.
Exit status: 0 on success, 1 on a user error (one line on stderr), 2 on a usage error.
With ``--format json`` stdout carries exactly one JSON document; logs and progress go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from letterpress.config import Settings, load_settings
from letterpress.errors import LetterpressError

Handler = Callable[["Context", argparse.Namespace], int | None]


@dataclass
class Context:
    """What every command handler gets: settings, a database engine on demand, the output."""

    settings: Settings
    output_format: str = "table"
    stdout: Any = field(default_factory=lambda: sys.stdout)
    stderr: Any = field(default_factory=lambda: sys.stderr)
    _migrated: bool = False

    @cached_property
    def engine(self) -> Any:
        from letterpress.db.session import make_engine

        return make_engine(self.settings.db_url)

    def migrated_engine(self) -> Any:
        """The engine, after bringing the schema to head (an embedded install needs no setup step)."""
        if not self._migrated:
            from letterpress.db import migrate

            if not migrate.is_current(self.engine):
                migrate.upgrade(self.engine)
            self._migrated = True
        return self.engine

    def session(self) -> Any:
        from letterpress.db.session import session_factory

        return session_factory(self.migrated_engine())()

    @property
    def json(self) -> bool:
        return self.output_format == "json"

    def emit(self, data: Any, *, text: str | None = None) -> None:
        """Print ``data`` as the one JSON document, or ``text`` (else ``data``) for people."""
        if self.json:
            json.dump(data, self.stdout, ensure_ascii=False, default=str)
            self.stdout.write("\n")
        else:
            self.stdout.write((text if text is not None else _plain(data)) + "\n")


def _plain(data: Any) -> str:
    if isinstance(data, dict):
        width = max((len(str(k)) for k in data), default=0)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in data.items())
    if isinstance(data, list):
        return "\n".join(_plain(item) if not isinstance(item, dict) else
                         "  ".join(f"{k}={v}" for k, v in item.items()) for item in data)
    return str(data)


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with status 2 and one line, as argparse does, but in our words."""


def build_parser() -> argparse.ArgumentParser:
    from letterpress import __version__
    from letterpress.commands import register_all

    parser = _Parser(
        prog="letterpress",
        description="Letterpress: an e-mail-centric CRM (IMAP filing, CalDAV/CardDAV, analytics).",
    )
    parser.add_argument("--version", action="version", version=f"letterpress {__version__}")
    parser.add_argument("--config", metavar="FILE", help="config file (else $LETTERPRESS_CONFIG, "
                        "else ./letterpress.toml, else defaults)")
    parser.add_argument("--data-dir", metavar="DIR", help="data directory (else "
                        "$LETTERPRESS_DATA_DIR, else the config's, else ./var)")
    parser.add_argument("--verbose", "-v", action="count", default=0, help="more logging on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # The commands only call add_parser, whose _Parser is an ArgumentParser.
    register_all(cast("argparse._SubParsersAction[argparse.ArgumentParser]", sub))
    return parser


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    parser.add_argument(
        "--format", dest="output_format", choices=choices or ("table", "json"), default=None,
        help="output format (json: one JSON document on stdout)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx: Context | None = None
    try:
        settings = load_settings(args.config, data_dir=args.data_dir)
        ctx = Context(settings=settings, output_format=getattr(args, "output_format", None) or "table")
        handler: Handler = args.handler
        return int(handler(ctx, args) or 0)
    except LetterpressError as exc:
        print(f"letterpress: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("letterpress: interrupted", file=sys.stderr)
        return 130
    finally:
        if ctx is not None and "engine" in vars(ctx):
            ctx.engine.dispose()  # close pooled connections: main() may run many times in-process


if __name__ == "__main__":
    sys.exit(main())
