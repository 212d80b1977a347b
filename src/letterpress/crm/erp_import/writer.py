"""The set-based merge of staged rows into their table: a few statements per file, not per row.

Rows and records are matched by external id.

1. Kinds with child lists (phones, e-mails, ...) first note in the stage the record each row
   matches (``target_id``) and flag (``refresh``) those whose lists differ from the file's,
   found with EXCEPT both ways (values, labels and positions compared).
2. UPDATE ... FROM of the records where a column the file has IS DISTINCT FROM the staged value
   (or whose lists differ): its row count is the number updated.
3. INSERT ... SELECT of the rows that match nothing (NOT EXISTS): the number created. When they
   outnumber the table's rows, the indexes are set aside (:mod:`~letterpress.crm.erp_import.bulk`).
4. The child lists of created and refreshed records are deleted and inserted anew.

Whatever was staged and neither updated nor created is unchanged. Columns the file lacks are
never written over on update (see :class:`~letterpress.crm.erp_import.schema.Field`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    delete,
    except_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from letterpress.crm.erp_import import bulk
from letterpress.crm.erp_import.schema import Field, Kind
from letterpress.crm.erp_import.staging import ChildList, Staging


@dataclass(frozen=True)
class MergeCounts:
    created: int
    updated: int
    changed_ids: list[int] = field(default_factory=list)  # with Kind.report_changes


def merge(
    connection: Connection,
    kind: Kind,
    staging: Staging,
    *,
    updatable: Sequence[str],
    child_fields: Sequence[Field],
    bulk_threshold: int = bulk.DEFAULT_THRESHOLD,
) -> MergeCounts:
    """Merge ``staging`` into ``kind.table``; ``updatable`` are the columns the file sets,
    ``child_fields`` its child lists (staged as ``staging.lists``)."""
    target, stage = kind.table, staging.table
    matched = target.c.external_id == stage.c.external_id
    if child_fields:
        connection.execute(update(stage).values(target_id=target.c.id).where(matched))
        for child in staging.lists:
            _mark_changed_children(connection, staging, child)
    updated_ids = _update(connection, kind, stage, updatable, lists=bool(child_fields))
    created_ids = _insert(connection, kind, staging, bulk_threshold)
    created, updated = len(created_ids), len(updated_ids)
    if child_fields:
        if created:
            connection.execute(
                update(stage).values(target_id=target.c.id, refresh=True)
                .where(stage.c.target_id.is_(None), matched)
            )
        for child in staging.lists:
            _rewrite_children(connection, staging, child)
    changed = [id_ for id_ in (*created_ids, *updated_ids)
               if id_ is not None] if kind.report_changes else []
    return MergeCounts(created=created, updated=updated, changed_ids=changed)


def _update(
    connection: Connection, kind: Kind, stage: Table, updatable: Sequence[str], *, lists: bool
) -> Sequence[int | None]:
    """UPDATE the records whose values (or, with ``lists``, child lists) differ.

    One item per record updated: its id with ``kind.report_changes``, else None.
    """
    target = kind.table
    changed: list[ColumnElement[bool]] = [stage.c.refresh.is_(True)] if lists else []
    changed += [target.c[name].is_distinct_from(stage.c[name]) for name in updatable]
    if not updatable:
        if not lists:
            return []
        return list(connection.scalars(select(stage.c.target_id).where(*changed)))
    statement = (update(target).values({name: stage.c[name] for name in updatable})
                 .where(target.c.external_id == stage.c.external_id, or_(*changed)))
    if kind.report_changes:
        return list(connection.scalars(statement.returning(target.c.id)))
    return [None] * int(connection.execute(statement).rowcount)


def _insert(
    connection: Connection, kind: Kind, staging: Staging, bulk_threshold: int
) -> Sequence[int | None]:
    """INSERT the rows that match no record; as :func:`_update`, one item per record."""
    target, stage = kind.table, staging.table
    fixed = {name: value() if callable(value) else value
             for name, value in kind.insert_values.items()}
    new = ~exists().where(target.c.external_id == stage.c.external_id)
    rows = (
        select(*(stage.c[name] for name in staging.columns),
               *(literal(value, type_=target.c[name].type) for name, value in fixed.items()))
        .where(new)
        .order_by(stage.c.file_row)
    )
    # SQLAlchemy keeps an INSERT's row count only when asked to.
    statement = (insert(target).from_select([*staging.columns, *fixed], rows)
                 .execution_options(preserve_rowcount=True))
    set_aside = False
    if staging.rows >= bulk_threshold:  # only then can the new rows be enough to go in bulk
        new_rows = int(connection.scalar(select(func.count()).select_from(stage).where(new)) or 0)
        if not new_rows:
            return []
        set_aside = bulk.worth_it(connection, target, new_rows, bulk_threshold)
    if kind.report_changes:
        statement = statement.returning(target.c.id)
    with bulk.indexes_set_aside(connection, target) if set_aside else nullcontext():
        result = connection.execute(statement)
        if kind.report_changes:
            return list(result.scalars())
        return [None] * int(result.rowcount)


def _child_columns(child: ChildList) -> list[str]:
    """The columns of the child table an item fills, besides the parent's id."""
    spec = child.child
    return [spec.value, *(c for c in (spec.label, spec.position) if c is not None)]


def _staged_children(staging: Staging, child: ChildList) -> Select[tuple[object, ...]]:
    """(target id, value[, label][, position]) of the staged items, as the child table has them."""
    stage, items = staging.table, child.stage
    columns = [stage.c.target_id, items.c.value]
    if child.child.label is not None:
        columns.append(items.c.label)
    if child.child.position is not None:
        columns.append(items.c.position)
    return select(*columns).join_from(items, stage, items.c.file_row == stage.c.file_row)


def _mark_changed_children(connection: Connection, staging: Staging, child: ChildList) -> None:
    """Set ``refresh`` on existing records whose list differs from the file's."""
    stage, spec = staging.table, child.child
    staged = _staged_children(staging, child).where(stage.c.target_id.is_not(None))
    table = spec.table
    current = select(table.c[spec.parent_key], *(table.c[c] for c in _child_columns(child))
                     ).join_from(table, stage, table.c[spec.parent_key] == stage.c.target_id)
    for difference in (except_(staged, current), except_(current, staged)):
        ids = difference.subquery()
        connection.execute(
            update(stage).values(refresh=True)
            .where(stage.c.target_id.in_(select(ids.c[0])))
        )


def _rewrite_children(connection: Connection, staging: Staging, child: ChildList) -> None:
    stage, spec = staging.table, child.child
    refreshed = select(stage.c.target_id).where(stage.c.refresh.is_(True))
    connection.execute(delete(spec.table).where(spec.table.c[spec.parent_key].in_(refreshed)))
    items = child.stage
    rows = (_staged_children(staging, child).where(stage.c.refresh.is_(True))
            .order_by(items.c.file_row, items.c.position))
    connection.execute(insert(spec.table).from_select([spec.parent_key, *_child_columns(child)],
                                                      rows))
