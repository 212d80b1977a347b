"""A counterparty's correspondence: its letters grouped by thread, newest thread first.

Which letters: those filed against the counterparty (``LetterLink``). Who sees what: a letter the
viewer may read is shown whole; one they may not read is, by the mail policy, either a bare line
("a letter, no access", with its date) or left out altogether, and a thread with nothing left is
left out with it. Threads page in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from letterpress.crm.model import Letter, LetterLink, User
from letterpress.crm.permissions import (
    MailPolicy,
    letter_readable_clause,
    readable_letter_ids,
    visible_letters_clause,
)
from letterpress.web.mail.letters import LetterView, letter_views
from letterpress.web.pagination import Page, paginate


@dataclass(frozen=True)
class Entry:
    """One letter of a thread; ``letter`` is None when the viewer may not read it."""

    id: int
    date: dt.datetime
    letter: LetterView | None


@dataclass(frozen=True)
class Thread:
    key: int
    subject: str | None  # of the newest readable letter; None when none is readable
    last_at: dt.datetime
    count: int  # letters of the thread shown to the viewer (readable or as a bare line)
    entries: list[Entry]  # newest first; empty in a summary


def _thread_key() -> ColumnElement[int]:
    return func.coalesce(Letter.thread_id, Letter.id)


def _when() -> ColumnElement[dt.datetime]:
    return func.coalesce(Letter.sent_at, Letter.received_at)


def _filters(session: Session, user: User, counterparty_id: int, policy: MailPolicy,
             mailbox_ids: set[int] | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [LetterLink.counterparty_id == counterparty_id]
    if policy.history_visible_without_rights != "exists":
        filters.append(visible_letters_clause(session, user, policy, mailbox_ids=mailbox_ids))
    return filters


def _threads_stmt(filters: list[ColumnElement[bool]]) -> Select[Any]:
    key = _thread_key()
    stmt = (select(key.label("thread"), func.max(_when()).label("last_at"))
            .select_from(Letter).join(LetterLink, LetterLink.letter_id == Letter.id)
            .where(*filters).group_by(key).order_by(func.max(_when()).desc(), key.desc()))
    return cast("Select[Any]", stmt)


def letter_count(session: Session, user: User, counterparty_id: int, policy: MailPolicy, *,
                 mailbox_ids: set[int] | None = None) -> int:
    """``mailbox_ids``: :func:`~letterpress.crm.permissions.readable_mailbox_ids`, when the
    caller has asked already (as for :func:`threads`)."""
    # A letter is linked to a counterparty at most once: counting the links counts the letters,
    # from the links' index alone.
    filters: list[ColumnElement[bool]] = [LetterLink.counterparty_id == counterparty_id]
    if policy.history_visible_without_rights != "exists":
        filters.append(letter_readable_clause(session, user, policy,
                                              LetterLink.letter_id.expression,
                                              mailbox_ids=mailbox_ids))
    return session.scalar(select(func.count()).select_from(LetterLink).where(*filters)) or 0


def _in_threads(keys: list[int]) -> ColumnElement[bool]:
    """``coalesce(thread_id, id) IN keys`` written so that the indexes on both columns serve."""
    return or_(Letter.thread_id.in_(keys), and_(Letter.thread_id.is_(None), Letter.id.in_(keys)))


def threads(session: Session, user: User, counterparty_id: int, policy: MailPolicy,
            number: int, size: int, *, detailed: bool = True,
            mailbox_ids: set[int] | None = None) -> Page[Thread]:
    """One page of threads; with ``detailed`` each readable letter comes as a full view.

    Without ``detailed`` (the card's summary of the newest threads) the threads are not counted
    (``total`` is the number on the page) and their letters are read without their texts."""
    filters = _filters(session, user, counterparty_id, policy, mailbox_ids)
    if detailed:
        page = paginate(session, _threads_stmt(filters), number, size)
    else:
        rows = session.execute(_threads_stmt(filters).limit(size)).all()
        page = Page(items=rows, total=len(rows), number=1, size=size)
    keys = [row[0] for row in page.items]
    if not keys:
        return Page(items=[], total=page.total, number=page.number, size=page.size)
    columns: tuple[Any, ...] = (Letter,) if detailed else (
        Letter.id, Letter.thread_id, Letter.subject, Letter.sent_at, Letter.received_at)
    letters: Sequence[Any] = session.execute(
        select(*columns).join(LetterLink, LetterLink.letter_id == Letter.id)
        .where(*filters, _in_threads(keys))
        .order_by(_when().desc(), Letter.id.desc())
    ).all()
    if detailed:
        letters = [row[0] for row in letters]
    readable = readable_letter_ids(session, user, {letter.id for letter in letters}, policy,
                                   mailbox_ids=mailbox_ids)
    views: dict[int, LetterView] = {}
    if detailed:
        shown = [letter for letter in letters if letter.id in readable]
        views = {v.id: v for v in letter_views(session, user, shown, policy)}
    grouped: dict[int, list[Any]] = defaultdict(list)
    for letter in letters:
        grouped[letter.thread_id or letter.id].append(letter)
    result = []
    for key, last_at in page.items:
        members = grouped.get(key, [])
        subject = next((m.subject for m in members if m.id in readable), None)
        entries = [Entry(m.id, m.sent_at or m.received_at, views.get(m.id))
                   for m in members] if detailed else []
        result.append(Thread(key=key, subject=subject, last_at=last_at, count=len(members),
                             entries=entries))
    return Page(items=result, total=page.total, number=page.number, size=page.size)
