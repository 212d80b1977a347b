"""``letterpress import KIND FILE``: bring ERP exports (and, later, mail archives) in.

One sub-command serves every kind of source. A source is an :class:`ImportSource`: the kinds it
handles, the options it adds, its handler. The ERP's seven CSV kinds are registered here; the
mail archive kinds (``mbox``, ``maildir``) append their own source to :data:`SOURCES`.

Exit status 0 when the file was read, even if some rows were rejected (they are reported);
1 with one line on stderr when the file cannot be read or its header is wrong.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from letterpress.cli import Context, add_format_option
from letterpress.commands import archive_import

LONG_FILE_BYTES = 1 << 20
ERP_KINDS = (
    "counterparties", "contacts", "orders", "shipments", "payments", "invoices", "campaigns",
)


@dataclass(frozen=True)
class ImportSource:
    """A family of import kinds: its handler and the options it adds to ``letterpress import``."""

    kinds: tuple[str, ...]
    handler: Callable[[Context, argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import", help="import an ERP CSV export (or a mail archive)",
        description=(f"Import a file. ERP kinds: {', '.join(ERP_KINDS)}. Rows are matched by "
                     "external_id: importing a file again changes nothing, edited rows update."),
    )
    kinds = [kind for source in SOURCES for kind in source.kinds]
    parser.add_argument("kind", choices=kinds, metavar="KIND", help=", ".join(kinds))
    parser.add_argument("file", metavar="FILE", help="the file (or directory) to import")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar on stderr (default: when it is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    for source in SOURCES:
        if source.add_arguments is not None:
            source.add_arguments(parser)
    add_format_option(parser)
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    for source in SOURCES:
        if args.kind in source.kinds:
            return source.handler(ctx, args)
    raise AssertionError(f"no import source for {args.kind}")  # argparse checked the choice


def import_erp(ctx: Context, args: argparse.Namespace) -> int:
    from letterpress.crm.erp_import import KINDS, import_csv, map_header, read_csv

    kind = KINDS[args.kind]
    csv_file = read_csv(args.file, kind)  # the header may follow a 1C report's title
    map_header(kind, csv_file.header, csv_file.path)  # a wrong file fails before the database
    with ctx.session() as session, _progress_bar(ctx, args, args.file) as progress:
        result = import_csv(session, kind, csv_file, settings=ctx.settings, progress=progress)
        _index_for_search(session, args.kind, result.changed_ids)
        session.commit()
    data = result.as_dict()
    ctx.emit(data, text=describe(args.kind, data))
    return 0


def _index_for_search(session: Any, kind: str, ids: list[int]) -> None:
    """Re-index what the import wrote, in its transaction (SQL writes bypass the ORM hooks)."""
    if not ids:
        return
    from letterpress.search import Kind, index

    index(session, {"counterparties": Kind.COUNTERPARTY, "contacts": Kind.CONTACT}[kind], ids)


def describe(kind: str, data: dict[str, Any]) -> str:
    """The result for people: counts on one line, then one line per rejected row."""
    rejected = data["rejected"]
    summary = (f"{kind}: {data['created']} created, {data['updated']} updated, "
               f"{data['unchanged']} unchanged, {len(rejected)} rejected")
    lines = [summary]
    for item in rejected:
        column = f" {item['column']}" if item["column"] else ""
        lines.append(f"  row {item['row']}{column}: {item['reason']}")
    return "\n".join(lines)


@contextmanager
def _progress_bar(
    ctx: Context, args: argparse.Namespace, path: str
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr: when asked, or for a long file when stderr is a terminal."""
    wanted = args.progress
    if wanted is None:
        wanted = _is_terminal(ctx.stderr) and _size(path) >= LONG_FILE_BYTES
    if not wanted:
        yield None
        return
    from letterpress.progress import ProgressBars

    bars = ProgressBars(enabled=True)
    label = f"importing {os.path.basename(path)}"
    shown = [-1]  # rows already shown; -1 until the bar exists

    def update(done: int, total: int) -> None:
        if shown[0] < 0:
            bars.start(label, total)
            shown[0] = 0
        bars.advance(label, done - shown[0])
        shown[0] = done

    try:
        yield update
        bars.finish(label)
    finally:
        bars.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


SOURCES: list[ImportSource] = [
    ImportSource(kinds=ERP_KINDS, handler=import_erp),
    ImportSource(kinds=archive_import.KINDS, handler=archive_import.import_archive,
                 add_arguments=archive_import.add_arguments),
]
"""Every kind ``letterpress import`` knows, read when the parser is built."""
