"""The search language people type, parsed into a small syntax tree (no analysis yet).

::

    договор счёт                 every word must occur (in any field)
    "счёт на оплату"             a phrase: these words, adjacent, in this order
    -реклама  -"без ндс"         exclude a word or phrase (``NOT word`` too)
    догов*                       a prefix (at least 2 letters before ``*``)
    прайс OR каталог             either word (``OR`` in capitals, between two terms)
    from:ivanov  to:"Мария"      sender / recipients: name or address contains these words
    counterparty:"Строймаш"      filed against (or belonging to) counterparties whose name,
                                 INN or external id matches
    mailbox:sales  topic:календари  has:attachment
    after:2025-03-01  before:31.03.2025   dates (also YYYY-MM, YYYY); after: is inclusive,
                                 before: exclusive, both in the company's time zone
    kind:letter                  letter, counterparty, contact, event, task (plurals too)

Filter names have Russian aliases (от:, кому:, контрагент:, ящик:, тема:, есть:вложение, до:,
после:, тип:). A ``name:value`` whose name is not a filter is searched as text ("10:30").
Repeated kind:, counterparty:, mailbox: and topic: filters widen (any of them); repeated from:
and to: narrow (all of them). Anything malformed raises :class:`QueryError` with a sentence for
the user. The tree never reaches SQL as text: backends build their match expressions from the
analysed tokens of its words (see :mod:`letterpress.search.plan`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from letterpress.errors import UserError
from letterpress.search.kinds import Kind, kind_named

MAX_QUERY_CHARS = 500
MAX_TERMS = 24

OPEN_QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“", "”": "”"}
FILTER_NAMES = {
    "from": "from", "от": "from", "to": "to", "кому": "to",
    "counterparty": "counterparty", "company": "counterparty", "контрагент": "counterparty",
    "mailbox": "mailbox", "ящик": "mailbox", "topic": "topic", "тема": "topic",
    "has": "has", "есть": "has", "before": "before", "до": "before",
    "after": "after", "после": "after", "kind": "kind", "тип": "kind",
}
HAS_VALUES = {"attachment", "attachments", "вложение", "вложения", "вложением", "файл", "файлы"}
_FILTER = re.compile(r"([^\W\d_]+):(.*)\Z", re.DOTALL)


class QueryError(UserError):
    """The search text cannot be understood; the message says why and what to write instead."""


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    text: str


Atom = Word | Phrase


@dataclass(frozen=True)
class Clause:
    """Alternatives (usually one) of which one must match; ``field`` limits where (None: all)."""

    alternatives: tuple[Atom, ...]
    field: str | None = None
    negated: bool = False


@dataclass(frozen=True)
class Filters:
    kinds: frozenset[Kind] | None = None
    counterparties: tuple[str, ...] = ()
    mailboxes: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    has_attachment: bool = False
    after: dt.date | None = None
    before: dt.date | None = None

    @property
    def letters_only(self) -> bool:
        return bool(self.mailboxes or self.topics or self.has_attachment)


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...]
    filters: Filters = field(default_factory=Filters)


@dataclass
class _Token:
    text: str
    quoted: bool
    negated: bool
    name: str | None = None  # the "name" of a name:value token


def _closing(text: str, i: int) -> int:
    close = OPEN_QUOTES[text[i]]
    end = text.find(close, i + 1)
    if end < 0 and close == "“":
        end = text.find("”", i + 1)
    if end < 0:
        raise QueryError(
            f"a quote opened at character {i + 1} is not closed: close it with {close}, "
            "or remove it"
        )
    return end


def _lex(text: str) -> list[_Token]:
    """Words, quoted phrases and name:value pairs, each with a leading ``-`` noted."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
        if text[i] in OPEN_QUOTES:
            end = _closing(text, i)
            out.append(_Token(text[i + 1 : end], True, negated))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in OPEN_QUOTES:
            i += 1
        word = text[start:i]
        match = _FILTER.match(word)
        if i < n and text[i] in OPEN_QUOTES and match is not None and not match.group(2):
            end = _closing(text, i)
            out.append(_Token(text[i + 1 : end], True, negated, match.group(1)))
            i = end + 1
        elif match is not None:
            out.append(_Token(match.group(2), False, negated, match.group(1)))
        else:
            out.append(_Token(word, False, negated))
    return out


#: Date forms: pattern, and the groups holding year, month, day (0: the first).
_DATES = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{4})-(\d{1,2})"), (1, 2, 0)),
    (re.compile(r"(\d{4})"), (1, 0, 0)),
)


def _parse_date(name: str, value: str) -> dt.date:
    value = value.strip()
    for pattern, groups in _DATES:
        match = pattern.fullmatch(value)
        if match:
            year, month, day = (int(match[g]) if g else 1 for g in groups)
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise QueryError(
        f"{name}: expects a date such as 2025-03-31, 31.03.2025, 2025-03 or 2025; got {value!r}"
    )


def parse(text: str) -> ParsedQuery:
    """The syntax tree of a search; :class:`QueryError` if it is malformed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the search is too long ({len(text):,} characters; at most {MAX_QUERY_CHARS})"
        )
    if "\x00" in text:
        raise QueryError("the search contains a NUL character")
    tokens = _lex(text)
    if len(tokens) > MAX_TERMS:
        raise QueryError(f"the search has {len(tokens)} terms; at most {MAX_TERMS} are allowed")
    clauses: list[Clause] = []
    kinds: set[Kind] = set()
    counterparties: list[str] = []
    mailboxes: list[str] = []
    topics: list[str] = []
    has_attachment = False
    after: dt.date | None = None
    before: dt.date | None = None
    letters_needed = False
    pending_or = False
    pending_not = False
    for token in tokens:
        if not token.quoted and token.text in ("AND", "OR", "NOT") and not token.negated:
            if token.text == "OR":
                if not clauses or clauses[-1].negated or clauses[-1].field is not None:
                    raise QueryError("OR needs a word or phrase on each side: a OR b")
                pending_or = True
            elif token.text == "NOT":
                pending_not = True
            continue
        negated = token.negated or pending_not
        pending_not = False
        name = FILTER_NAMES.get(token.name.lower()) if token.name else None
        if token.name is not None and name is None:  # not a filter: "10:30", "http://x"
            token = _Token(f"{token.name}:{token.text}", token.quoted, token.negated)
        if token.name is not None and name is not None:
            label = token.name
            if pending_or:
                raise QueryError(f"OR joins words and phrases, not filters such as {label}:")
            value = token.text.strip()
            if not value:
                raise QueryError(f"{label}: needs a value, e.g. {label}:ivanov")
            if negated and name not in ("from", "to"):
                raise QueryError(f"-{label}: is not supported; only from: and to: can be excluded")
            if name in ("from", "to"):
                clauses.append(Clause((Phrase(value),), "keys" if name == "from" else "more",
                                      negated))
                letters_needed = True
            elif name == "counterparty":
                counterparties.append(value)
            elif name == "mailbox":
                mailboxes.append(value)
            elif name == "topic":
                topics.append(value)
            elif name == "has":
                if value.lower() not in HAS_VALUES:
                    raise QueryError(f"{label}:{value} is unknown; write has:attachment")
                has_attachment = True
            elif name in ("before", "after"):
                date = _parse_date(label, value)
                if name == "before":
                    before = date if before is None else min(before, date)
                else:
                    after = date if after is None else max(after, date)
            else:
                kind = kind_named(value)
                if kind is None:
                    raise QueryError(f"{label}:{value} is unknown; write one of kind:letter, "
                                     "kind:counterparty, kind:contact, kind:event, kind:task")
                kinds.add(kind)
            continue
        atom: Atom
        if token.quoted:
            atom = Phrase(token.text)
        elif token.text.endswith("*"):
            stem = token.text.rstrip("*")
            if "*" in stem:
                stem = stem.replace("*", " ")
            atom = Word(stem, prefix=True)
        else:
            atom = Word(token.text.replace("*", " "))
        if pending_or:
            pending_or = False
            if negated:
                raise QueryError("OR cannot join an excluded term; write -a -b to exclude both")
            last = clauses.pop()
            clauses.append(Clause(last.alternatives + (atom,), None, False))
        else:
            clauses.append(Clause((atom,), None, negated))
    if pending_or:
        raise QueryError("OR needs a word or phrase on each side: a OR b")
    if after is not None and before is not None and after >= before:
        raise QueryError(f"after:{after.isoformat()} is not earlier than before:"
                         f"{before.isoformat()}: nothing can match")
    filters = Filters(
        kinds=frozenset(kinds) if kinds else None, counterparties=tuple(counterparties),
        mailboxes=tuple(mailboxes), topics=tuple(topics), has_attachment=has_attachment,
        after=after, before=before,
    )
    if letters_needed or filters.letters_only:
        if filters.kinds is not None and Kind.LETTER not in filters.kinds:
            raise QueryError("from:, to:, mailbox:, topic: and has:attachment apply to letters "
                             "only, but kind: excludes letters")
        filters = Filters(**{**filters.__dict__, "kinds": frozenset({Kind.LETTER})})
    return ParsedQuery(tuple(clauses), filters)
