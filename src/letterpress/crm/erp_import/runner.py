"""One import, start to end: read the file, convert and stage the rows, merge, report.

The whole file is merged in the session's transaction, which the caller commits: a row is
imported whole (with its child lists) or not at all, and a rejected row never stops the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.erp_import import bulk, directload, sqlitebulk, writer
from letterpress.crm.erp_import.csvfile import CsvFile, read_csv
from letterpress.crm.erp_import.directload import DirectLoad
from letterpress.crm.erp_import.kinds import KINDS
from letterpress.crm.erp_import.lookups import Lookups
from letterpress.crm.erp_import.rows import Batch, Rejection, RowReader
from letterpress.crm.erp_import.schema import Env, Kind, map_header
from letterpress.crm.erp_import.staging import Staging
from letterpress.crm.erp_import.writer import MergeCounts
from letterpress.errors import UserError

Progress = Callable[[int, int], None]
"""Called with (rows read, rows expected) while the file is read, and once more at the end."""


@dataclass
class ImportResult:
    """What an import did, in the shape ``letterpress import --format json`` prints."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0
    changed_ids: list[int] = field(default_factory=list)
    """Ids of the records created or updated, for kinds with ``report_changes`` (see Kind)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"row": r.row, "column": r.column, "reason": r.reason}
                         for r in self.rejected],
        }


def import_file(
    session: Session,
    kind: str,
    path: str | Path,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    bulk_threshold: int = bulk.DEFAULT_THRESHOLD,
) -> ImportResult:
    """Import the CSV file ``path`` of ``kind`` (one of :data:`KINDS`); the caller commits.

    Raises :class:`UserError` for a file that cannot be read or whose header is wrong; bad rows
    are reported in the result instead. See :mod:`letterpress.crm.erp_import` for the format.
    Rows are written by SQL, not through the ORM, so ORM listeners do not see them: the caller
    re-indexes ``result.changed_ids`` for search (as ``letterpress import`` does).
    """
    try:
        spec = KINDS[kind]
    except KeyError:
        raise UserError(f"unknown kind of import {kind!r} (expected: {', '.join(KINDS)})") from None
    return import_csv(session, spec, read_csv(path, spec), settings=settings or Settings(),
                      progress=progress, bulk_threshold=bulk_threshold)


def import_csv(
    session: Session,
    kind: Kind,
    csv_file: CsvFile,
    *,
    settings: Settings,
    progress: Progress | None = None,
    bulk_threshold: int = bulk.DEFAULT_THRESHOLD,
) -> ImportResult:
    """Import an already read file (see :func:`import_file`)."""
    started = dt.datetime.now()
    columns = map_header(kind, csv_file.header, csv_file.path)
    session.flush()
    connection = session.connection()
    reader = RowReader(kind, csv_file.header, columns,
                       Env(currency=settings.company.currency, lookups=Lookups(connection)))
    expected = csv_file.estimated_rows()
    batches = reader.batches(csv_file.chunks(settings.imports.batch_size))
    if progress is not None:
        batches = _reporting(batches, reader, expected, progress)
    with sqlitebulk.tuned(connection):
        if directload.suits(connection, kind, expected, bulk_threshold):
            counts, staged = _load_directly(connection, kind, batches, expected)
        else:
            counts, staged = _stage_and_merge(connection, kind, columns, batches, bulk_threshold)
    session.expire_all()
    if progress is not None:
        progress(expected, expected)
    return ImportResult(
        created=counts.created,
        updated=counts.updated,
        unchanged=staged - counts.created - counts.updated,
        rejected=sorted(reader.rejected, key=lambda r: r.row),
        seconds=(dt.datetime.now() - started).total_seconds(),
        changed_ids=counts.changed_ids,
    )


Batches = Iterator[Batch]


def _load_directly(connection: Connection, kind: Kind, batches: Batches, expected: int
                   ) -> tuple[MergeCounts, int]:
    direct = DirectLoad(connection, kind, expected)
    with direct.open():
        for batch in batches:
            direct.load(batch)
    return MergeCounts(created=direct.rows, updated=0), direct.rows


def _stage_and_merge(
    connection: Connection, kind: Kind, columns: Sequence[int | None], batches: Batches,
    bulk_threshold: int,
) -> tuple[MergeCounts, int]:
    present = {f.name for f, position in zip(kind.fields, columns, strict=True)
               if position is not None}
    child_fields = [f for f in kind.fields if f.child is not None and f.name in present]
    # A column the file lacks is not written over, unless a rule fills it from one it has.
    updatable = [f.target for f in kind.fields
                 if f.target and f.name != "external_id"
                 and (f.name in present or present.intersection(f.filled_by))]
    staging = Staging(connection, kind, child_fields)
    try:
        for batch in batches:
            staging.load(batch)
    finally:
        staging.close()
    counts = writer.merge(connection, kind, staging, updatable=updatable,
                          child_fields=child_fields, bulk_threshold=bulk_threshold)
    staging.drop()
    return counts, staging.rows


def _reporting(batches: Batches, reader: RowReader, expected: int, progress: Progress) -> Batches:
    for batch in batches:
        progress(reader.rows_read, expected)
        yield batch
