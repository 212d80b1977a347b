"""What the mail section lists: readable mailboxes with their folders' state, a mailbox's
letters, the unfiled letters, the ambiguous queue and (for administrators) unparsed letters.

Lists page in SQL and filter through :mod:`letterpress.crm.permissions`; rows are dataclasses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    AmbiguousMatch,
    Counterparty,
    CounterpartyDomain,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterTopic,
    Mailbox,
    MailFolder,
    User,
)
from letterpress.crm.permissions import MailPolicy, readable_mailbox_ids, visible_letters_clause
from letterpress.crm.refiling import unfiled_query
from letterpress.crm.topics import letter_topics
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound
from letterpress.mailsvc.folder_state import FolderStatusRow, status
from letterpress.web.pagination import Page, paginate


@dataclass(frozen=True)
class MailboxRow:
    id: int
    name: str
    kind: str
    owner: str | None  # the owner's display name
    owner_id: int | None
    is_archive: bool
    letters: int
    folders: list[FolderStatusRow]

    @property
    def last_sync_at(self) -> dt.datetime | None:
        times = [f.last_sync_at for f in self.folders if f.last_sync_at is not None]
        return max(times) if times else None

    @property
    def errors(self) -> list[FolderStatusRow]:
        return [f for f in self.folders if f.last_error]


def readable_mailboxes(session: Session, user: User, policy: MailPolicy) -> list[MailboxRow]:
    """The viewer's mailboxes (personal first, then shared), each with its folders' state."""
    ids = readable_mailbox_ids(session, user, policy)
    if not ids:
        return []
    folders: dict[str, list[FolderStatusRow]] = defaultdict(list)
    for row in status(session):
        folders[row.mailbox].append(row)
    counts = dict(session.execute(
        select(MailFolder.mailbox_id, func.count(func.distinct(LetterLocation.letter_id)))
        .join(LetterLocation, LetterLocation.folder_id == MailFolder.id)
        .where(MailFolder.mailbox_id.in_(ids)).group_by(MailFolder.mailbox_id)
    ).all())
    rows = []
    for box, owner in session.execute(
        select(Mailbox, User).outerjoin(User, User.id == Mailbox.owner_id)
        .where(Mailbox.id.in_(ids))
    ).all():
        rows.append(MailboxRow(
            id=box.id, name=box.name, kind=box.kind,
            owner=owner.display_name if owner is not None else None, owner_id=box.owner_id,
            is_archive=box.is_archive, letters=counts.get(box.id, 0), folders=folders[box.name],
        ))
    # The viewer's own mailboxes first, then other personal ones, then shared ones.
    return sorted(rows, key=lambda r: (r.owner_id != user.id, r.kind != "personal", fold(r.name)))


def readable_mailbox(session: Session, user: User, mailbox_id: int, policy: MailPolicy) -> Mailbox:
    if mailbox_id not in readable_mailbox_ids(session, user, policy):
        raise NotFound(f"no mailbox #{mailbox_id} readable by {user.login}")
    box = session.get(Mailbox, mailbox_id)
    if box is None:  # pragma: no cover
        raise NotFound(f"no mailbox #{mailbox_id}")
    return box


# --- letter lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterRow:
    id: int
    date: dt.datetime
    subject: str
    from_name: str | None
    from_email: str | None
    to: str | None  # the first recipient, for outgoing letters
    is_outgoing: bool
    has_attachments: bool
    parse_error: str | None
    topics: list[LetterTopic] = field(default_factory=list)
    filed: list[tuple[int, str]] = field(default_factory=list)  # (counterparty id, name)
    snippet: str = ""


def _newest_first(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(None).order_by(Letter.sent_at.desc().nulls_last(),
                                        Letter.received_at.desc(), Letter.id.desc())


def _rows(session: Session, letters: Sequence[Letter], *, snippet: bool = False) -> list[LetterRow]:
    ids = {letter.id for letter in letters}
    if not ids:
        return []
    first_to: dict[int, str] = {}
    for letter_id, name, email in session.execute(
        select(LetterAddress.letter_id, LetterAddress.name, LetterAddress.email)
        .where(LetterAddress.letter_id.in_(ids), LetterAddress.role == "to")
        .order_by(LetterAddress.id)
    ).all():
        first_to.setdefault(letter_id, name or email)
    filed: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for letter_id, cp_id, name in session.execute(
        select(LetterLink.letter_id, Counterparty.id, Counterparty.name)
        .join(Counterparty, Counterparty.id == LetterLink.counterparty_id)
        .where(LetterLink.letter_id.in_(ids)).order_by(LetterLink.id)
    ).all():
        filed[letter_id].append((cp_id, name))
    topics = letter_topics(session, ids)
    return [LetterRow(
        id=letter.id, date=letter.sent_at or letter.received_at, subject=letter.subject,
        from_name=letter.from_name, from_email=letter.from_email, to=first_to.get(letter.id),
        is_outgoing=letter.is_outgoing, has_attachments=letter.has_attachments,
        parse_error=letter.parse_error, topics=topics[letter.id], filed=filed[letter.id],
        snippet=" ".join(letter.text_plain[:400].split())[:200] if snippet else "",
    ) for letter in letters]


def _page(session: Session, stmt: Select[Any], number: int, size: int, *,
          snippet: bool = False) -> Page[LetterRow]:
    page = paginate(session, stmt, number, size)
    letters = [row[0] for row in page.items]
    return Page(items=_rows(session, letters, snippet=snippet), total=page.total,
                number=page.number, size=page.size)


def mailbox_letters(session: Session, user: User, box: Mailbox, policy: MailPolicy,
                    number: int, size: int, folder_id: int | None = None) -> Page[LetterRow]:
    where: ColumnElement[bool] = MailFolder.mailbox_id == box.id
    if folder_id is not None:
        where = (MailFolder.mailbox_id == box.id) & (MailFolder.id == folder_id)
    in_box = (select(LetterLocation.letter_id)
              .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
              .where(where))
    stmt = select(Letter).where(Letter.id.in_(in_box), visible_letters_clause(session, user, policy))
    return _page(session, _newest_first(stmt), number, size)


def unfiled_letters(session: Session, user: User, policy: MailPolicy, number: int,
                    size: int) -> Page[LetterRow]:
    return _page(session, _newest_first(unfiled_query(session, user, policy)), number, size,
                 snippet=True)


def unfiled_count(session: Session, user: User, policy: MailPolicy) -> int:
    stmt = unfiled_query(session, user, policy).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def error_letters(session: Session, number: int, size: int) -> Page[LetterRow]:
    """Letters that could not be parsed (administrators only: the view checks)."""
    stmt = select(Letter).where(Letter.parse_error.is_not(None)).order_by(
        Letter.received_at.desc(), Letter.id.desc())
    page = paginate(session, stmt, number, size)
    return Page(items=_rows(session, [row[0] for row in page.items]), total=page.total,
                number=page.number, size=page.size)


def places_of(session: Session, letter_ids: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if letter_ids:
        for letter_id, box, folder in session.execute(
            select(LetterLocation.letter_id, Mailbox.name, MailFolder.name)
            .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
            .join(Mailbox, Mailbox.id == MailFolder.mailbox_id)
            .where(LetterLocation.letter_id.in_(letter_ids))
            .order_by(Mailbox.name, MailFolder.name)
        ).all():
            found[letter_id].append(f"{box} / {folder}")
    return found


# --- the ambiguous queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class AmbiguityRow:
    id: int
    email: str
    letter: LetterRow
    candidates: list[tuple[int, str]]  # (counterparty id, name)


def _ambiguous_stmt(session: Session, user: User, policy: MailPolicy) -> Select[Any]:
    stmt = (select(AmbiguousMatch, Letter)
            .join(Letter, Letter.id == AmbiguousMatch.letter_id)
            .where(AmbiguousMatch.resolved.is_(False),
                   visible_letters_clause(session, user, policy))
            .order_by(Letter.sent_at.desc().nulls_last(), AmbiguousMatch.id.desc()))
    return cast("Select[Any]", stmt)


def ambiguous_items(session: Session, user: User, policy: MailPolicy, number: int,
                    size: int) -> Page[AmbiguityRow]:
    page = paginate(session, _ambiguous_stmt(session, user, policy), number, size)
    rows = {row.id: row for row in _rows(session, [r[1] for r in page.items], snippet=True)}
    wanted = {int(c) for r in page.items for c in r[0].candidate_ids.split(",") if c.isdigit()}
    names = dict(session.execute(
        select(Counterparty.id, Counterparty.name).where(Counterparty.id.in_(wanted))
    ).all()) if wanted else {}
    items = []
    for match, letter in page.items:
        candidates = [(int(c), names[int(c)]) for c in match.candidate_ids.split(",")
                      if c.isdigit() and int(c) in names]
        items.append(AmbiguityRow(match.id, match.email, rows[letter.id], candidates))
    return Page(items=items, total=page.total, number=page.number, size=page.size)


def ambiguous_count(session: Session, user: User, policy: MailPolicy) -> int:
    stmt = _ambiguous_stmt(session, user, policy).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


# --- choosing a counterparty ------------------------------------------------------------------


def find_counterparties(session: Session, q: str,
                        limit: int = 20) -> list[tuple[int, str, str | None]]:
    """Counterparties whose name, legal name or a mail domain contains ``q``."""
    q = q.strip()
    if not q:
        return []
    folded = fold(q)
    stmt = (select(Counterparty.id, Counterparty.name, Counterparty.city)
            .where(casefold(Counterparty.name).contains(folded, autoescape=True)
                   | casefold(Counterparty.legal_name).contains(folded, autoescape=True)
                   | exists().where(CounterpartyDomain.counterparty_id == Counterparty.id,
                                    CounterpartyDomain.domain.contains(q.lower(), autoescape=True)))
            .order_by(casefold(Counterparty.name), Counterparty.id).limit(limit))
    return [(row[0], row[1], row[2]) for row in session.execute(stmt).all()]


def has_links(session: Session, letter_id: int) -> bool:
    return session.scalar(select(LetterLink.id).where(LetterLink.letter_id == letter_id)
                          .limit(1)) is not None
