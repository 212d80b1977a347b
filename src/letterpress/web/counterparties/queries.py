"""What the counterparty list and card show, read through the permission function.

The list filters, sorts and pages in SQL; the card (:mod:`.card`) starts from the counterparty
and contact persons found here. Views call these and render; they hold no queries of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.sql.elements import False_

from letterpress.crm.analytics.register import STAGES
from letterpress.crm.analytics.report import scope_clause
from letterpress.crm.model import (
    AbcResult,
    ContactPerson,
    Counterparty,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    Event,
    EventState,
    LetterLink,
    LetterTopic,
    StageChange,
    User,
)
from letterpress.crm.permissions import (
    MailPolicy,
    can_add_event,
    can_view_counterparty,
    letter_readable_clause,
    report_manager_ids,
    visible_contacts_clause,
    visible_counterparties_clause,
)
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound, PermissionDenied
from letterpress.web.pagination import Page

SORT_KEYS: tuple[str, ...] = (
    "name", "kind", "inn", "city", "manager", "abc", "stage", "last_event",
)
NO_MANAGER = "none"
ABC_CLASSES: tuple[str, ...] = ("A", "B", "C")
NOT_CLASSED = "none"  # the ABC filter's value for "in no class of the newest period"

# A kind filter of "customer" also finds those who are customer and supplier at once.
_KIND_MATCHES: dict[str, tuple[str, ...]] = {
    CounterpartyKind.CUSTOMER: (CounterpartyKind.CUSTOMER, CounterpartyKind.BOTH),
    CounterpartyKind.SUPPLIER: (CounterpartyKind.SUPPLIER, CounterpartyKind.BOTH),
}


@dataclass(frozen=True)
class ListQuery:
    """The list's filters, sort and page, as read from the query string."""

    q: str = ""
    kind: str = ""
    manager: str = ""  # a user id, NO_MANAGER, or "" for everyone's
    city: str = ""
    abc: str = ""  # one of ABC_CLASSES, NOT_CLASSED, or "" for any
    stage: str = ""  # one of STAGES, or "" for any
    topic: str = ""  # a letter topic, whatever its case
    sort: str = "name"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class ListRow:
    id: int
    name: str
    legal_name: str | None
    kind: str
    inn: str | None
    city: str | None
    manager_id: int | None
    manager: str | None
    phone: str | None
    email: str | None  # the first by position: the row's "write a letter" address
    last_event_at: dt.datetime | None
    abc_class: str | None  # None: not classed, or not the viewer's to see
    stage: str | None
    can_add_event: bool = False


def _index_walk(column: Any, name: str, *where: ColumnElement[bool]) -> CTE:
    """The distinct values of ``column`` among the rows ``where`` picks, one index probe each:
    a recursive CTE (``name``, its column ``value``) asks for the least value after the last
    one found, rather than reading every row. Its last row is NULL (nothing after): filter it."""
    seed = select(func.min(column).label("value")).where(*where).cte(name, recursive=True)
    after = select(func.min(column)).where(*where, column > seed.c.value).scalar_subquery()
    return seed.union_all(select(after).where(seed.c.value.is_not(None)))


@functools.lru_cache(maxsize=8)
def _newest_abc_period(measure: str) -> CTE:
    """One row (start, end): the newest stored ABC period of ``measure`` (the latest end; of two
    ending together, the longer); no row before the first analytics run.

    The nightly run stores a new period every month, some 1,500 rows each: rather than read them
    all, :func:`_index_walk` walks the distinct starts of the period index
    (``uq_analytics_abc_period_counterparty``) and each start is asked for its latest end, two
    index probes per stored period. It is part of the list's own statements (once per statement:
    PostgreSQL runs it as an InitPlan, SQLite as a constant subquery), not a query of its own.
    Built once per measure and process, like the statements that use it (:func:`list_statement`).
    """
    starts = _index_walk(AbcResult.period_start, "abc_starts", AbcResult.measure == measure)
    end = (
        select(func.max(AbcResult.period_end))
        .where(AbcResult.measure == measure, AbcResult.period_start == starts.c.value)
        .scalar_subquery()
    )
    return (
        select(starts.c.value.label("start"), end.label("end"))
        .where(starts.c.value.is_not(None))
        .order_by(end.desc(), starts.c.value)
        .limit(1)
        .cte("abc_newest")
    )


@dataclass(frozen=True)
class ListAnalytics:
    """Where the list reads each counterparty's ABC class and stage, and whose it may show.

    The class is the one of the newest stored ABC period of ``measure`` (``analytics_abc``, as
    ``letterpress analytics run`` left it): every row is classed within one period, so that "A"
    means the same on every row. The stage is ``to_stage`` of the counterparty's latest
    ``analytics_stage_changes`` row. Both are analytics figures: like the dashboards, the list
    shows them only for the customers of the managers in ``scope``
    (:func:`~letterpress.crm.permissions.report_manager_ids`; ``None``: everyone's).
    """

    measure: str
    scope: frozenset[int] | None

    def visible(self) -> ColumnElement[bool]:
        return scope_clause(cast(ColumnElement[Any], Counterparty.manager_id), self.scope)

    def in_period(self) -> list[ColumnElement[bool]]:
        """``AbcResult`` is the counterparty's row of the newest period."""
        newest = _newest_abc_period(self.measure)
        return [
            AbcResult.counterparty_id == Counterparty.id, AbcResult.measure == self.measure,
            AbcResult.period_start == select(newest.c.start).scalar_subquery(),
            AbcResult.period_end == select(newest.c.end).scalar_subquery(),
        ]


def list_analytics(session: Session, user: User, measure: str) -> ListAnalytics:
    return ListAnalytics(measure=measure, scope=report_manager_ids(session, user))


def _manager_name() -> ColumnElement[Any]:
    return func.coalesce(func.nullif(User.name, ""), User.login)


def _text_filter(q: str) -> ColumnElement[bool]:
    folded = fold(q)
    clauses: list[ColumnElement[bool]] = [
        casefold(Counterparty.name).contains(folded, autoescape=True),
        casefold(Counterparty.legal_name).contains(folded, autoescape=True),
        exists().where(
            CounterpartyEmail.counterparty_id == Counterparty.id,
            CounterpartyEmail.email.contains(q.strip().lower(), autoescape=True),
        ),
    ]
    digits = re.sub(r"\s+", "", q)
    if digits.isdigit():
        clauses.append(Counterparty.inn.contains(digits, autoescape=True))
    return or_(*clauses)


def _abc_filter(analytics: ListAnalytics, wanted: str) -> ColumnElement[bool]:
    if wanted == NOT_CLASSED:
        return and_(analytics.visible(), ~exists().where(*analytics.in_period()))
    return and_(analytics.visible(),
                exists().where(*analytics.in_period(), AbcResult.abc_class == wanted))


def _latest_stage_change() -> ColumnElement[bool]:
    """The ``StageChange`` row is its counterparty's newest."""
    later = aliased(StageChange, name="later_change")
    return ~exists().where(later.counterparty_id == StageChange.counterparty_id,
                           later.month_no > StageChange.month_no)


def _stage_filter(analytics: ListAnalytics, wanted: str) -> ColumnElement[bool]:
    return and_(analytics.visible(), exists().where(
        StageChange.counterparty_id == Counterparty.id, StageChange.to_stage == wanted,
        _latest_stage_change(),
    ))


def _topic_filter(
    session: Session, user: User, policy: MailPolicy, topic: str
) -> ColumnElement[bool]:
    """Has a letter with this topic that the viewer may read: a topic is read from the letter,
    so the letters the viewer may not open do not count (as in the search's ``topic:``)."""
    readable = letter_readable_clause(session, user, policy,
                                      cast(ColumnElement[int], LetterLink.letter_id))
    if isinstance(readable, False_):  # no readable mailbox: nothing to look for
        return false()
    return exists().where(
        LetterLink.counterparty_id == Counterparty.id,
        LetterTopic.letter_id == LetterLink.letter_id,
        casefold(LetterTopic.topic) == fold(topic),
        readable,
    )


def _list_filters(
    session: Session, user: User, query: ListQuery, analytics: ListAnalytics,
    policy: MailPolicy,
) -> list[ColumnElement[bool]]:
    filters = [visible_counterparties_clause(user)]
    if query.q.strip():
        filters.append(_text_filter(query.q.strip()))
    if query.kind:
        filters.append(Counterparty.kind.in_(_KIND_MATCHES.get(query.kind, (query.kind,))))
    if query.manager == NO_MANAGER:
        filters.append(Counterparty.manager_id.is_(None))
    elif query.manager.isdigit():
        filters.append(Counterparty.manager_id == int(query.manager))
    if query.city:
        filters.append(Counterparty.city == query.city)
    if query.abc:
        filters.append(_abc_filter(analytics, query.abc))
    if query.stage:
        filters.append(_stage_filter(analytics, query.stage))
    if query.topic.strip():
        filters.append(_topic_filter(session, user, policy, query.topic.strip()))
    return filters


def _last_event() -> ColumnElement[Any]:
    return (
        select(func.max(Event.start_at))
        .where(Event.counterparty_id == Counterparty.id, Event.state == EventState.DONE.value)
        .correlate(Counterparty)
        .scalar_subquery()
    )


def _abc_class(analytics: ListAnalytics) -> ColumnElement[Any]:
    """An index probe per row (all four columns of uq_analytics_abc_period_counterparty),
    whatever the planner thinks of the period's size right after a nightly run."""
    return (
        select(AbcResult.abc_class)
        .where(*analytics.in_period(), analytics.visible())
        .correlate(Counterparty)
        .scalar_subquery()
    )


def _stage(analytics: ListAnalytics) -> ColumnElement[Any]:
    """An index probe per row (uq_analytics_stage_changes_counterparty_month, backwards)."""
    return (
        select(StageChange.to_stage)
        .where(StageChange.counterparty_id == Counterparty.id, analytics.visible())
        .order_by(StageChange.month_no.desc())
        .limit(1)
        .correlate(Counterparty)
        .scalar_subquery()
    )


def _sort_key(sort: str, analytics: ListAnalytics) -> Any:
    if sort == "kind":
        return Counterparty.kind
    if sort == "inn":
        return Counterparty.inn
    if sort == "city":
        return casefold(Counterparty.city)
    if sort == "manager":
        return casefold(_manager_name())
    if sort == "abc":
        return _abc_class(analytics)
    if sort == "stage":
        return case({s: i for i, s in enumerate(STAGES)}, value=_stage(analytics))
    if sort == "last_event":
        return _last_event()
    return casefold(Counterparty.name)


def _order(key: Any, tie: Any, row_id: Any, descending: bool) -> list[Any]:
    """Empty values last whichever way the column is sorted; within a class or a stage the
    names in order; then the id, which keeps pages stable."""
    ordered = key.desc() if descending else key.asc()
    return [ordered.nulls_last(), *([tie] if tie is not None else []), row_id]


def _tie(sort: str) -> ColumnElement[Any] | None:
    return casefold(Counterparty.name) if sort in ("abc", "stage") else None


@functools.lru_cache(maxsize=64)
def _row_columns(analytics: ListAnalytics) -> Select[Any]:
    first_phone = (
        select(CounterpartyPhone.value)
        .where(CounterpartyPhone.counterparty_id == Counterparty.id)
        .order_by(CounterpartyPhone.position, CounterpartyPhone.id)
        .limit(1)
        .correlate(Counterparty)
        .scalar_subquery()
    )
    first_email = (
        select(CounterpartyEmail.email)
        .where(CounterpartyEmail.counterparty_id == Counterparty.id)
        .order_by(CounterpartyEmail.position, CounterpartyEmail.id)
        .limit(1)
        .correlate(Counterparty)
        .scalar_subquery()
    )
    statement = (
        select(
            Counterparty.id, Counterparty.name, Counterparty.legal_name, Counterparty.kind,
            Counterparty.inn, Counterparty.city, Counterparty.manager_id,
            _manager_name().label("manager"), first_phone.label("phone"),
            first_email.label("email"), _last_event().label("last_event_at"),
            _abc_class(analytics).label("abc_class"), _stage(analytics).label("stage"),
        )
        .select_from(Counterparty)
        .outerjoin(User, User.id == Counterparty.manager_id)
    )
    # list_counterparties reads the rows by position: ListRow's fields, the counterparty first
    columns = list(statement.selected_columns.keys())
    assert columns == [f.name for f in fields(ListRow)][:-1]
    assert columns[:len(_COUNTERPARTY_COLUMNS)] == list(_COUNTERPARTY_COLUMNS)
    return statement


@functools.lru_cache(maxsize=256)
def _ordered_rows(sort: str, descending: bool, analytics: ListAnalytics) -> Select[Any]:
    """PostgreSQL: the columns in the list's order, filters and limit to add. The planner works
    out the per-row subqueries after the limit (on the 50 rows of the page) unless the sort
    needs them, and reads the default order from ix_counterparties_name_folded."""
    return _row_columns(analytics).order_by(
        *_order(_sort_key(sort, analytics), _tie(sort), Counterparty.id, descending)
    )


@functools.lru_cache(maxsize=256)
def _ordered_ids(sort: str, descending: bool, analytics: ListAnalytics) -> Select[Any]:
    """SQLite: the ids in the list's order with the sort key (and the name where the key has
    ties), filters and limit to add. SQLite works out a statement's columns for every row
    before it sorts them: the page's own columns come after, for its rows alone."""
    key = _sort_key(sort, analytics).label("key")
    tie = _tie(sort)
    stmt = select(Counterparty.id.label("id"), key, *([tie.label("tie")] if tie is not None else []))
    if sort == "manager":
        stmt = stmt.outerjoin(User, User.id == Counterparty.manager_id)
    return stmt.order_by(*_order(key, tie, Counterparty.id, descending))


def list_statement(
    query: ListQuery, analytics: ListAnalytics, filters: Sequence[ColumnElement[bool]],
    limit: int, offset: int, *, dialect: str,
) -> Select[Any]:
    """One page of the list, in one statement whose shape suits the database (above).

    The parts are put together once per sort, measure and scope (frozen, shared by the threads;
    ``where()`` and ``limit()`` make copies): that costs more Python than the page costs
    PostgreSQL.
    """
    if dialect == "postgresql":
        return (_ordered_rows(query.sort, query.descending, analytics)
                .where(*filters).limit(limit).offset(offset))
    ids = (
        _ordered_ids(query.sort, query.descending, analytics)
        .where(*filters).limit(limit).offset(offset).subquery("page")
    )
    return (
        _row_columns(analytics)
        .join(ids, ids.c.id == Counterparty.id)
        .order_by(*_order(ids.c.key, ids.c.tie if "tie" in ids.c else None, ids.c.id,
                          query.descending))
    )


def list_counterparties(
    session: Session, user: User, query: ListQuery, page_size: int, *,
    policy: MailPolicy, measure: str = "revenue",
) -> Page[ListRow]:
    analytics = list_analytics(session, user, measure)
    filters = _list_filters(session, user, query, analytics, policy)
    # Counting needs the filters only, not the per-row subqueries of the page itself.
    total = session.scalar(select(func.count(Counterparty.id)).where(*filters)) or 0
    number = min(max(1, query.page), max(1, math.ceil(total / page_size)))
    statement = list_statement(query, analytics, filters, page_size, (number - 1) * page_size,
                               dialect=session.get_bind().dialect.name)
    # A ListRow of each row by position (the columns are its fields but the last,
    # can_add_event: _row_columns checks): by name, through a dict, costs twice as much.
    found: Sequence[Sequence[Any]] = session.execute(statement).all() if total else ()
    rows = [ListRow(*(*row, can_add_event(user, _as_counterparty(row)))) for row in found]
    return Page(items=rows, total=total, number=number, size=page_size)


_COUNTERPARTY_COLUMNS = ("id", "name", "legal_name", "kind", "inn", "city", "manager_id")
_new_counterparty = Counterparty.__mapper__.class_manager.new_instance


def _as_counterparty(row: Sequence[Any]) -> Counterparty:
    """A row as the permission functions take a counterparty: a transient one holding the
    columns the list read (the row's first, :data:`_COUNTERPARTY_COLUMNS`), filled the way the
    ORM fills a loaded row (its constructor costs some 20 µs an object, as much as the page's
    SQL for 50 rows; loading them whole, more)."""
    counterparty = cast(Counterparty, _new_counterparty())
    counterparty.__dict__.update(zip(_COUNTERPARTY_COLUMNS, row))
    return counterparty


@dataclass(frozen=True)
class FilterOptions:
    managers: Sequence[tuple[int, str]]
    cities: Sequence[str]


@functools.cache
def _options_statement() -> CompoundSelect[Any]:
    """The active users (``id``, the name the list shows, their ``place`` by that name) and,
    with no id, the cities in use (a walk of ``ix_counterparties_city``: a few dozen cities
    among thousands of counterparties): one statement, built once."""
    cities = _index_walk(Counterparty.city, "cities")
    return union_all(
        select(User.id.label("id"), _manager_name().label("name"),
               func.row_number().over(order_by=casefold(_manager_name())).label("place"))
        .where(User.active.is_(True)),
        select(sql_cast(null(), Integer).label("id"), cities.c.value.label("name"),
               sql_cast(null(), Integer).label("place"))
        .where(cities.c.value.is_not(None)),
    )


def filter_options(session: Session) -> FilterOptions:
    rows = session.execute(_options_statement()).all()
    return FilterOptions(
        managers=[(row.id, row.name) for row in sorted(
            (row for row in rows if row.id is not None), key=lambda row: row.place)],
        cities=sorted((row.name for row in rows if row.id is None and row.name), key=fold),
    )


# --- one counterparty: the card, its forms and the merge pages start here ------------------


def visible_counterparty(
    session: Session, user: User, counterparty_id: int, *, options: Sequence[Any] = ()
) -> Counterparty:
    statement = (select(Counterparty).where(Counterparty.id == bindparam("counterparty_id"))
                 .options(*options))
    counterparty: Counterparty = visible_counterparty_row(session, user, counterparty_id,
                                                          statement)[0]
    return counterparty


def visible_counterparty_row(
    session: Session, user: User, counterparty_id: int, statement: Select[Any]
) -> Row[Any]:
    """:func:`visible_counterparty` read through ``statement``: a select of the counterparty
    and of more columns after it (the card's counts) by the bound parameter
    ``counterparty_id``; its row."""
    row = session.execute(statement, {"counterparty_id": counterparty_id}).unique().one_or_none()
    if row is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if not can_view_counterparty(user, row[0]):
        raise PermissionDenied(f"{user.login} may not see counterparty #{counterparty_id}")
    return row


def visible_contacts(session: Session, user: User, counterparty_id: int) -> list[ContactPerson]:
    return list(session.scalars(
        select(ContactPerson)
        .where(ContactPerson.counterparty_id == counterparty_id, visible_contacts_clause(user))
        # joined: a counterparty's contact persons have a phone or two and an e-mail or two
        .options(joinedload(ContactPerson.phones), joinedload(ContactPerson.emails))
        .order_by(casefold(ContactPerson.name), ContactPerson.id)
    ).unique())
