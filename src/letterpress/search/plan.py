"""A parsed search made ready for a backend: words analysed into tokens, filters resolved.

Each word of the query goes through the index's analyzer, so "договоров" becomes the token
"договор" exactly as in the documents. A word that analyses into several tokens ("ORD-000123",
"ivanov@stroymash.ru") becomes a phrase of them; a prefix matches both its folded form and its
reduced form ("договора*" also finds "договорной"). Filters naming things (counterparty:,
mailbox:, topic:) are resolved to ids here, once, with bound parameters; the permission filter
belongs to the backends (:mod:`letterpress.search.sqlfilters`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Mailbox, User
from letterpress.crm.permissions import MailPolicy
from letterpress.db.casefold import casefold, fold
from letterpress.search.analysis import Analyzer, words
from letterpress.search.kinds import ALL_KINDS, Kind
from letterpress.search.querylang import Clause, ParsedQuery, Phrase, QueryError, Word

MIN_PREFIX = 2


@dataclass(frozen=True)
class Token:
    value: str


@dataclass(frozen=True)
class Prefix:
    value: str


@dataclass(frozen=True)
class TokenPhrase:
    values: tuple[str, ...]


Match = Token | Prefix | TokenPhrase


@dataclass(frozen=True)
class MatchClause:
    """One of ``alternatives`` must match (in ``field``, or any field when None)."""

    alternatives: tuple[Match, ...]
    field: str | None = None


@dataclass
class Plan:
    """Everything a backend needs to answer one search."""

    user: User
    policy: MailPolicy
    must: list[MatchClause] = field(default_factory=list)
    must_not: list[MatchClause] = field(default_factory=list)
    kinds: frozenset[Kind] = frozenset(ALL_KINDS)
    counterparty_ids: frozenset[int] | None = None  # None: no counterparty filter
    mailbox_ids: frozenset[int] | None = None
    topics: frozenset[str] | None = None
    has_attachment: bool = False
    after: dt.datetime | None = None
    before: dt.datetime | None = None
    empty: bool = False  # a filter matched nothing: no hits, without asking the index
    readable_mailboxes: set[int] | None = None  # filled once by the permission filter
    #: Relevance ranks at most this many of the most recent matches (0: all of them).
    relevance_window: int = 0
    notices: list[str] = field(default_factory=list)  # what the backend wants the user to know

    @property
    def has_text(self) -> bool:
        return bool(self.must)


def _analyse_atom(atom: Word | Phrase, analyzer: Analyzer) -> list[Match]:
    """The matches an atom needs (all of them); [] when it has no words."""
    if isinstance(atom, Word) and atom.prefix:
        folded = words(atom.text)
        if not folded:
            return []
        last = folded[-1]
        if len(last) < MIN_PREFIX:
            raise QueryError(f"a prefix needs at least {MIN_PREFIX} letters before *: "
                             f"{atom.text}*")
        out: list[Match] = [Token(t) for t in analyzer.reduce(folded[:-1])]
        out.append(Prefix(last))
        return out
    tokens = analyzer.analyze(atom.text)
    if not tokens:
        return []
    if len(tokens) == 1:
        return [Token(tokens[0])]
    return [TokenPhrase(tuple(tokens))]


def _prefix_alternatives(prefix: Prefix, analyzer: Analyzer) -> tuple[Match, ...]:
    reduced = analyzer.token(prefix.value)
    if reduced != prefix.value and len(reduced) >= MIN_PREFIX:
        return (prefix, Prefix(reduced))
    return (prefix,)


def analyse_clause(clause: Clause, analyzer: Analyzer) -> list[MatchClause]:
    """One or more match clauses (a prefix with punctuation needs its leading words too)."""
    if len(clause.alternatives) == 1:
        matches = _analyse_atom(clause.alternatives[0], analyzer)
        out: list[MatchClause] = []
        for match in matches:
            alts = _prefix_alternatives(match, analyzer) if isinstance(match, Prefix) else (match,)
            out.append(MatchClause(alts, clause.field))
        return out
    alternatives: list[Match] = []
    for atom in clause.alternatives:
        matches = _analyse_atom(atom, analyzer)
        if not matches:
            continue
        last = matches[-1]
        if isinstance(last, Prefix):  # in an OR, a prefix keeps only its last word
            alternatives.extend(_prefix_alternatives(last, analyzer))
        elif len(matches) == 1:
            alternatives.append(last)
    return [MatchClause(tuple(dict.fromkeys(alternatives)), clause.field)] if alternatives else []


def _day_start(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def build_plan(
    session: Session, parsed: ParsedQuery, analyzer: Analyzer, user: User, policy: MailPolicy,
    tz: zoneinfo.ZoneInfo,
) -> Plan:
    plan = Plan(user=user, policy=policy)
    words_given = False
    for clause in parsed.clauses:
        if any(words(getattr(a, "text", "")) for a in clause.alternatives):
            words_given = True
        analysed = analyse_clause(clause, analyzer)
        if clause.field is not None and not analysed:
            raise QueryError("from: and to: need a name or an address with letters or digits")
        (plan.must_not if clause.negated else plan.must).extend(analysed)
    f = parsed.filters
    if f.kinds is not None:
        plan.kinds = f.kinds
    if f.counterparties:
        plan.counterparty_ids = _counterparty_ids(session, f.counterparties)
        plan.empty |= not plan.counterparty_ids
    if f.mailboxes:
        plan.mailbox_ids = _mailbox_ids(session, f.mailboxes)
    if f.topics:
        plan.topics = frozenset(fold(t.strip()) for t in f.topics)
    plan.has_attachment = f.has_attachment
    plan.after = _day_start(f.after, tz) if f.after else None
    plan.before = _day_start(f.before, tz) if f.before else None
    has_filter = (f.kinds is not None or bool(f.counterparties or f.mailboxes or f.topics)
                  or f.has_attachment or f.after is not None or f.before is not None)
    if not plan.must:
        if plan.must_not:
            raise QueryError("add a word to search for: excluded words alone cannot be searched")
        if not has_filter:
            if words_given:
                raise QueryError("nothing to search for")
            raise QueryError("nothing to search for: the search has no words (letters or digits)")
    return plan


def _counterparty_ids(session: Session, names: tuple[str, ...]) -> frozenset[int]:
    """Counterparties whose name or legal name contains, or INN or external id equals, a value."""
    conditions = []
    for name in names:
        value = fold(name.strip())
        pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions += [
            casefold(Counterparty.name).like(pattern, escape="\\"),
            casefold(Counterparty.legal_name).like(pattern, escape="\\"),
            Counterparty.inn == name.strip(), Counterparty.external_id == name.strip(),
        ]
    return frozenset(session.scalars(select(Counterparty.id).where(or_(*conditions))))


def _mailbox_ids(session: Session, names: tuple[str, ...]) -> frozenset[int]:
    wanted = {fold(n.strip()) for n in names}
    found = {mid for mid, name in session.execute(select(Mailbox.id, Mailbox.name)).all()
             if fold(name) in wanted}
    if not found:
        raise QueryError(f"no mailbox is called {', '.join(sorted(names))!s}")
    return frozenset(found)
