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


def letter_count_query(session: Session, user: User, counterparty_id: int | ColumnElement[int],
                       policy: MailPolicy, *,
                       mailbox_ids: set[int] | None = None) -> Select[int]:
    """The statement of :func:`letter_count`, for the card to ask with its other counts
    (``counterparty_id`` may be a bound parameter)."""
    # A letter is linked to a counterparty at most once: counting the links counts the letters,
    # from the links' index alone.
    filters: list[ColumnElement[bool]] = [LetterLink.counterparty_id == counterparty_id]
    if policy.history_visible_without_rights != "exists":
        filters.append(letter_readable_clause(session, user, policy,
                                              LetterLink.letter_id.expression,
                                              mailbox_ids=mailbox_ids))
    return select(func.count()).select_from(LetterLink).where(*filters)


def letter_count(session: Session, user: User, counterparty_id: int, policy: MailPolicy, *,
                 mailbox_ids: set[int] | None = None) -> int:
    """``mailbox_ids``: :func:`~letterpress.crm.permissions.readable_mailbox_ids`, when the
    caller has asked already (as for :func:`threads`)."""
    return session.scalar(letter_count_query(session, user, counterparty_id, policy,
                                             mailbox_ids=mailbox_ids)) or 0


def _in_threads(keys: list[int]) -> ColumnElement[bool]:
    """``coalesce(thread_id, id) IN keys`` written so that the indexes on both columns serve."""
    return or_(Letter.thread_id.in_(keys), and_(Letter.thread_id.is_(None), Letter.id.in_(keys)))


@dataclass(frozen=True)
class RecentLetters:
    """The newest threads (key, date of the newest letter) and their letters' headers (id,
    thread_id, subject, sent_at, received_at; newest first), before readability is asked."""

    threads: list[tuple[int, dt.datetime]]
    letters: Sequence[Any]

    @property
    def letter_ids(self) -> set[int]:
        return {letter.id for letter in self.letters}


def recent_letters(session: Session, user: User, counterparty_id: int, policy: MailPolicy,
                   size: int, *, mailbox_ids: set[int] | None = None) -> RecentLetters:
    """The ``size`` newest threads and their letters in one statement (the card's summary): the
    threads as a CTE, their letters joined to it by thread key."""
    filters = _filters(session, user, counterparty_id, policy, mailbox_ids)
    top = _threads_stmt(filters).limit(size).cte("top_threads")
    rows = session.execute(
        select(top.c.thread, top.c.last_at, Letter.id, Letter.thread_id, Letter.subject,
               Letter.sent_at, Letter.received_at)
        .select_from(top)
        .join(Letter, or_(Letter.thread_id == top.c.thread,
                          and_(Letter.thread_id.is_(None), Letter.id == top.c.thread)))
        .join(LetterLink, LetterLink.letter_id == Letter.id)
        .where(*filters)
        .order_by(top.c.last_at.desc(), top.c.thread.desc(), _when().desc(), Letter.id.desc())
    ).all()
    keys: dict[int, dt.datetime] = {}
    for row in rows:
        keys.setdefault(row.thread, row.last_at)
    return RecentLetters(threads=list(keys.items()), letters=rows)


def summaries(recent: RecentLetters, readable: set[int]) -> list[Thread]:
    """The threads of ``recent`` without their letters, given which letters are readable."""
    return _group(recent.threads, recent.letters, readable, {}, detailed=False)


def _group(page: Sequence[Any], letters: Sequence[Any], readable: set[int],
           views: dict[int, LetterView], *, detailed: bool) -> list[Thread]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for letter in letters:
        grouped[letter.thread_id or letter.id].append(letter)
    result = []
    for key, last_at in page:
        members = grouped.get(key, [])
        subject = next((m.subject for m in members if m.id in readable), None)
        entries = [Entry(m.id, m.sent_at or m.received_at, views.get(m.id))
                   for m in members] if detailed else []
        result.append(Thread(key=key, subject=subject, last_at=last_at, count=len(members),
                             entries=entries))
    return result


def threads(session: Session, user: User, counterparty_id: int, policy: MailPolicy,
            number: int, size: int, *, detailed: bool = True,
            mailbox_ids: set[int] | None = None) -> Page[Thread]:
    """One page of threads; with ``detailed`` each readable letter comes as a full view.

    Without ``detailed`` (a summary of the newest threads, as on the card: see
    :func:`recent_letters`) the threads are not counted (``total`` is the number on the page)
    and their letters are read without their texts."""
    if not detailed:
        recent = recent_letters(session, user, counterparty_id, policy, size,
                                mailbox_ids=mailbox_ids)
        readable = readable_letter_ids(session, user, recent.letter_ids, policy,
                                       mailbox_ids=mailbox_ids)
        items = summaries(recent, readable)
        return Page(items=items, total=len(items), number=1, size=size)
    filters = _filters(session, user, counterparty_id, policy, mailbox_ids)
    page = paginate(session, _threads_stmt(filters), number, size)
    keys = [row[0] for row in page.items]
    if not keys:
        return Page(items=[], total=page.total, number=page.number, size=page.size)
    letters = session.scalars(
        select(Letter).join(LetterLink, LetterLink.letter_id == Letter.id)
        .where(*filters, _in_threads(keys))
        .order_by(_when().desc(), Letter.id.desc())
    ).all()
    readable = readable_letter_ids(session, user, {letter.id for letter in letters}, policy,
                                   mailbox_ids=mailbox_ids)
    shown = [letter for letter in letters if letter.id in readable]
    views = {v.id: v for v in letter_views(session, user, shown, policy)}
    return Page(items=_group(page.items, letters, readable, views, detailed=True),
                total=page.total, number=page.number, size=page.size)
