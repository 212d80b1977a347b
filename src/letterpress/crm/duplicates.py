"""Likely duplicates of a counterparty: the same INN, a shared company mail domain, the same or a
very similar name once legal forms and quotes are stripped ("ООО «Ромашка»" = "Ромашка, ООО").

Each signal is one indexed or small SQL query restricted to what the user may see
(:func:`~letterpress.crm.permissions.visible_counterparties_clause`); names are compared in Python
only for the few rows the SQL let through. :func:`find_duplicates` ranks them;
:func:`search_counterparties` is the manual search of the merge page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from letterpress.config import DEFAULT_PUBLIC_MAIL_DOMAINS
from letterpress.crm.channels import domain_of
from letterpress.crm.model import Counterparty, CounterpartyDomain, CounterpartyEmail, User
from letterpress.crm.permissions import visible_counterparties_clause
from letterpress.db.casefold import casefold, fold

#: Legal forms as abbreviations (whole words) and spelt out, dropped before names are compared.
LEGAL_FORMS = frozenset({
    "ооо", "оао", "зао", "пао", "ао", "нао", "ип", "чп", "тоо", "одо", "гуп", "муп", "фгуп",
    "нко", "ано", "пбоюл", "llc", "ltd", "inc", "gmbh", "co", "corp", "oy", "ab", "sa",
})
LEGAL_PHRASES = (
    "общество с ограниченной ответственностью", "публичное акционерное общество",
    "закрытое акционерное общество", "открытое акционерное общество",
    "непубличное акционерное общество", "акционерное общество",
    "индивидуальный предприниматель", "limited liability company",
)
_NOISE_RE = re.compile(r"[«»\"“”„‟'`’‘.,;:()\[\]!?/\\|+&№#-]+")
#: How alike two name keys must be (difflib's ratio) to count as "very similar".
SIMILAR = 0.85
#: Rows a name probe may bring back before Python compares them (a common word matches many).
NAME_PROBE_LIMIT = 300

#: Scores of the signals; a candidate's rank is the sum of its signals'.
SCORES = {"inn": 100, "domain": 50, "name": 40, "similar_name": 25}


def name_key(name: str | None) -> str:
    """The name as duplicates are compared: folded, without quotes, punctuation and legal form."""
    text = f" {fold(name or '')} "
    text = _NOISE_RE.sub(" ", text)
    for phrase in LEGAL_PHRASES:
        text = text.replace(f" {phrase} ", " ")
    return " ".join(w for w in text.split() if w not in LEGAL_FORMS)


def _probes(key: str) -> list[str]:
    """Substrings a similar name most likely shares with this key: the start and the end of its
    longest word (a typo rarely hits both)."""
    words = sorted((w for w in key.split() if len(w) >= 3), key=len, reverse=True)
    if not words:
        return [key] if key else []
    word = words[0]
    if len(word) < 6:
        return [word]
    return [word[:4], word[-4:]]


def similar(a: str, b: str) -> bool:
    """Very similar name keys: a typo apart, or one's words all among the other's ("ромашка" and
    "ромашка юг")."""
    if SequenceMatcher(None, a, b).ratio() >= SIMILAR:
        return True
    mine, theirs = set(a.split()), set(b.split())
    return bool(mine) and bool(theirs) and (mine <= theirs or theirs <= mine)


@dataclass
class Duplicate:
    """A likely duplicate and why: ``reasons`` among ``inn``, ``domain``, ``name``,
    ``similar_name``; ``domains`` the shared mail domains."""

    counterparty: Counterparty
    reasons: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(SCORES[r] for r in self.reasons)


def company_domains(
    session: Session, ids: Iterable[int], public_domains: Iterable[str]
) -> dict[int, set[str]]:
    """Each counterparty's mail domains and those of its e-mails, public ones (gmail.com ...)
    left out: they never identify a company."""
    wanted = sorted(set(ids))
    public = {d.lower() for d in public_domains}
    out: dict[int, set[str]] = {i: set() for i in wanted}
    for cp_id, domain in session.execute(
        select(CounterpartyDomain.counterparty_id, CounterpartyDomain.domain)
        .where(CounterpartyDomain.counterparty_id.in_(wanted))
    ).all():
        out[cp_id].add(domain)
    for cp_id, email in session.execute(
        select(CounterpartyEmail.counterparty_id, CounterpartyEmail.email)
        .where(CounterpartyEmail.counterparty_id.in_(wanted))
    ).all():
        out[cp_id].add(domain_of(email))
    return {i: d - public for i, d in out.items()}


def find_duplicates(
    session: Session, user: User, counterparty: Counterparty, *, limit: int = 20,
    public_domains: Iterable[str] = DEFAULT_PUBLIC_MAIL_DOMAINS,
) -> list[Duplicate]:
    """Counterparties ``user`` may see that are probably ``counterparty`` again, best first."""
    found: dict[int, Duplicate] = {}
    visible = visible_counterparties_clause(user)
    others = Counterparty.id != counterparty.id

    def note(rows: Iterable[Counterparty], reason: str) -> None:
        for row in rows:
            entry = found.setdefault(row.id, Duplicate(row))
            if reason not in entry.reasons:
                entry.reasons.append(reason)

    if counterparty.inn:
        note(session.scalars(select(Counterparty).where(
            Counterparty.inn == counterparty.inn, others, visible)), "inn")
    public = tuple(public_domains)
    domains = company_domains(session, [counterparty.id], public)[counterparty.id]
    if domains:
        by_email = or_(*(CounterpartyEmail.email.endswith(f"@{d}", autoescape=True)
                         for d in sorted(domains)))
        shares = or_(
            exists().where(CounterpartyDomain.counterparty_id == Counterparty.id,
                           CounterpartyDomain.domain.in_(sorted(domains))),
            exists().where(CounterpartyEmail.counterparty_id == Counterparty.id, by_email),
        )
        rows = list(session.scalars(select(Counterparty).where(shares, others, visible)))
        note(rows, "domain")
        for cp_id, theirs in company_domains(session, [r.id for r in rows], public).items():
            found[cp_id].domains = sorted(theirs & domains)
    key = name_key(counterparty.name)
    legal_key = name_key(counterparty.legal_name)
    keys = {k for k in (key, legal_key) if k}
    probes = {p for k in keys for p in _probes(k)}
    if probes:
        clauses: list[ColumnElement[bool]] = []
        for probe in sorted(probes):
            clauses.append(casefold(Counterparty.name).contains(probe, autoescape=True))
            clauses.append(casefold(Counterparty.legal_name).contains(probe, autoescape=True))
        for row in session.scalars(select(Counterparty).where(or_(*clauses), others, visible)
                                   .order_by(Counterparty.id).limit(NAME_PROBE_LIMIT)):
            theirs = {k for k in (name_key(row.name), name_key(row.legal_name)) if k}
            if keys & theirs:
                note([row], "name")
            elif any(similar(a, b) for a in keys for b in theirs):
                note([row], "similar_name")
    ranked = sorted(found.values(), key=lambda d: (-d.score, fold(d.counterparty.name),
                                                   d.counterparty.id))
    return ranked[:limit]


def search_counterparties(
    session: Session, user: User, text: str, *, exclude_id: int | None = None, limit: int = 20
) -> list[Counterparty]:
    """Counterparties ``user`` may see whose name, legal name, INN or e-mail contains ``text``
    (the merge page's search box)."""
    text = text.strip()
    if not text:
        return []
    folded = fold(text)
    clauses: list[ColumnElement[bool]] = [
        casefold(Counterparty.name).contains(folded, autoescape=True),
        casefold(Counterparty.legal_name).contains(folded, autoescape=True),
        exists().where(CounterpartyEmail.counterparty_id == Counterparty.id,
                       CounterpartyEmail.email.contains(text.lower(), autoescape=True)),
    ]
    digits = re.sub(r"\s+", "", text)
    if digits.isdigit():
        clauses.append(Counterparty.inn.contains(digits, autoescape=True))
    clauses.append(Counterparty.external_id == text)
    statement = select(Counterparty).where(or_(*clauses), visible_counterparties_clause(user))
    if exclude_id is not None:
        statement = statement.where(Counterparty.id != exclude_id)
    return list(session.scalars(
        statement.order_by(casefold(Counterparty.name), Counterparty.id).limit(limit)))
