"""The WHERE clause of a search in the database: permissions and filters, per kind.

Both database backends keep one row per document (``kind``, ``obj_id``) and ask the live CRM
tables, at query time and inside the same SQL statement, whether the user may see each candidate
and whether it passes the filters. Nothing is filtered after a page is cut, so pages are full
and nothing the user may not see is ever counted or ranked. The rules come from
:mod:`letterpress.crm.permissions`: letters through :func:`letter_readable_clause` (the
correlated form of ``visible_letters_clause``: a search probes only the candidates it reads
until its page is full), personal contacts through ``visible_contacts_clause``, events through
``visible_events_clause`` (and an event that came with a letter only with that letter's
rights), tasks through ``visible_tasks_clause``, counterparties through
``visible_counterparties_clause``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import True_

from letterpress.crm.model import (
    ContactPerson,
    Counterparty,
    Event,
    Letter,
    LetterLink,
    LetterLocation,
    LetterTopic,
    MailFolder,
    Task,
)
from letterpress.crm.permissions import (
    letter_readable_clause,
    readable_mailbox_ids,
    visible_contacts_clause,
    visible_counterparties_clause,
    visible_events_clause,
    visible_tasks_clause,
)
from letterpress.db.casefold import casefold
from letterpress.search.kinds import Kind
from letterpress.search.plan import Plan


def _readable(session: Session, plan: Plan, letter_id: ColumnElement[int]) -> ColumnElement[bool]:
    if plan.readable_mailboxes is None:  # asked once per search
        plan.readable_mailboxes = readable_mailbox_ids(session, plan.user, plan.policy)
    return letter_readable_clause(session, plan.user, plan.policy, letter_id,
                                  mailbox_ids=plan.readable_mailboxes)


def _letters(session: Session, plan: Plan, obj_id: ColumnElement[int]) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = [_readable(session, plan, obj_id)]
    if plan.counterparty_ids is not None:
        conds.append(exists().where(LetterLink.letter_id == obj_id,
                                    LetterLink.counterparty_id.in_(plan.counterparty_ids)))
    if plan.mailbox_ids is not None:
        folders = select(MailFolder.id).where(MailFolder.mailbox_id.in_(plan.mailbox_ids))
        conds.append(exists().where(LetterLocation.letter_id == obj_id,
                                    LetterLocation.folder_id.in_(folders)))
    if plan.topics is not None:
        conds.append(exists().where(LetterTopic.letter_id == obj_id,
                                    casefold(LetterTopic.topic).in_(plan.topics)))
    if plan.has_attachment:
        conds.append(exists().where(Letter.id == obj_id, Letter.has_attachments.is_(True)))
    return and_(*conds)


def _always(clause: ColumnElement[bool]) -> bool:
    return isinstance(clause, True_)


def _counterparties(plan: Plan, obj_id: ColumnElement[int]) -> ColumnElement[bool]:
    rule = visible_counterparties_clause(plan.user)
    conds: list[ColumnElement[bool]] = []
    if not _always(rule):
        conds.append(exists().where(Counterparty.id == obj_id, rule))
    if plan.counterparty_ids is not None:
        conds.append(obj_id.in_(plan.counterparty_ids))
    return and_(true(), *conds)


def _contacts(plan: Plan, obj_id: ColumnElement[int]) -> ColumnElement[bool]:
    conds = [ContactPerson.id == obj_id, visible_contacts_clause(plan.user)]
    if plan.counterparty_ids is not None:
        conds.append(ContactPerson.counterparty_id.in_(plan.counterparty_ids))
    return exists().where(*conds)


def _events(session: Session, plan: Plan, obj_id: ColumnElement[int]) -> ColumnElement[bool]:
    rule = visible_events_clause(plan.user)
    conds = [Event.id == obj_id,
             or_(Event.letter_id.is_(None),
                 _readable(session, plan, cast(ColumnElement[int], Event.letter_id)))]
    if not _always(rule):
        conds.append(rule)
    if plan.counterparty_ids is not None:
        conds.append(Event.counterparty_id.in_(plan.counterparty_ids))
    return exists().where(*conds)


def _tasks(session: Session, plan: Plan, obj_id: ColumnElement[int]) -> ColumnElement[bool]:
    conds = [Task.id == obj_id, visible_tasks_clause(session, plan.user)]
    if plan.counterparty_ids is not None:
        conds.append(Task.counterparty_id.in_(plan.counterparty_ids))
    return exists().where(*conds)


def visible_and_filtered(
    session: Session, plan: Plan, kind: ColumnElement[int], obj_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """``(kind = letter AND <letter rules>) OR (kind = contact AND ...) OR ...`` for the kinds
    the plan searches; each branch is only evaluated for rows of its kind."""
    branches: list[ColumnElement[bool]] = []
    for k in sorted(plan.kinds):
        if k is Kind.LETTER:
            cond = _letters(session, plan, obj_id)
        elif k is Kind.COUNTERPARTY:
            cond = _counterparties(plan, obj_id)
        elif k is Kind.CONTACT:
            cond = _contacts(plan, obj_id)
        elif k is Kind.EVENT:
            cond = _events(session, plan, obj_id)
        else:
            cond = _tasks(session, plan, obj_id)
        branches.append(and_(kind == int(k), cond))
    return or_(*branches) if branches else false()


_MODELS = {Kind.LETTER: Letter, Kind.COUNTERPARTY: Counterparty, Kind.CONTACT: ContactPerson,
           Kind.EVENT: Event, Kind.TASK: Task}


def visible_ids(
    session: Session, plan: Plan, page: Sequence[tuple[Kind, int, float]]
) -> set[tuple[Kind, int]]:
    """Which (kind, id) of a page pass :func:`visible_and_filtered` on the live tables (for an
    index outside the database, whose stored facets may be stale)."""
    out: set[tuple[Kind, int]] = set()
    for kind in {k for k, _i, _s in page}:
        ids = [i for k, i, _s in page if k is kind]
        outer: Any = aliased(_MODELS[kind])  # the rules' EXISTS name the model's own table
        rows = session.scalars(select(outer.id).where(
            outer.id.in_(ids), visible_and_filtered(session, plan, literal(int(kind)), outer.id)))
        out.update((kind, i) for i in rows)
    return out
