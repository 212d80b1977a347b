"""Filing: which counterparties a letter concerns, and why. Deterministic and explained.

Each external address of a letter is matched, in this order:

1. to a contact person holding that e-mail (shared contacts of a counterparty), or to a
   counterparty listing it among its own e-mails (a private person writing from gmail.com);
2. to the thread: a letter this one answers or references is filed already, so this one joins
   the same counterparties;
3. to a counterparty by company mail domain (public mail domains never identify a company);
   a domain claimed by two counterparties goes to the ambiguous queue instead of a guess.

A new address at a known company domain becomes a contact person (created from mail), unless the
letter is bulk mail or internal. Every link records the rule and a sentence saying why. Each new
link becomes an incoming or outgoing e-mail event in the counterparty's history. Filing is
idempotent: filing a letter again adds only what is missing.

Everything here works on batches and reads what it needs with a few set-based queries, because
the mail daemon files thousands of letters a second.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from letterpress.crm.channels import domain_of
from letterpress.crm.model import (
    AmbiguousMatch,
    ContactEmail,
    ContactPerson,
    Counterparty,
    CounterpartyDomain,
    CounterpartyEmail,
    Event,
    EventKind,
    EventState,
    Letter,
    LetterLink,
    LetterOrder,
    LetterTopic,
    Order,
    User,
)
from letterpress.db.types import utcnow

FILED_ROLES = ("from", "reply_to", "sender", "to", "cc", "bcc")


@dataclass(frozen=True)
class TopicRule:
    """Tag letters with ``topic`` when a keyword occurs in subject or body, or an address matches."""

    topic: str
    keywords: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilingPolicy:
    public_domains: frozenset[str] = frozenset()
    internal_domains: frozenset[str] = frozenset()
    topic_rules: tuple[TopicRule, ...] = ()
    order_number_pattern: str = ""  # a regex whose group 1 is an order number; "" = none


@dataclass(frozen=True)
class FilingInput:
    """What filing needs to know about one stored letter."""

    letter_id: int
    addresses: Sequence[tuple[str, str, str]]  # (role, display name, e-mail)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    subject: str = ""
    body_text: str = ""
    sent_at: dt.datetime | None = None
    is_bulk: bool = False
    is_outgoing: bool = False
    owner_id: int | None = None
    thread_id: int | None = None


@dataclass
class FilingResult:
    letter_id: int
    links: list[tuple[int, str, str]] = field(default_factory=list)  # (counterparty, rule, reason)
    ambiguous: list[str] = field(default_factory=list)
    created_contacts: list[int] = field(default_factory=list)
    contact_of: dict[int, int] = field(default_factory=dict)  # counterparty -> contact person
    internal: bool = False


def _display_name(name: str, email: str) -> str:
    name = " ".join(name.replace('"', " ").split())
    if name and "@" not in name:
        return name
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[._-]+", local) if part) or email


class _Lookups:
    """Everything a batch needs from the database, read once."""

    def __init__(self, session: Session, emails: set[str], domains: set[str],
                 message_ids: set[str]) -> None:
        self.contacts: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        if emails:
            for email, cid, cpid, name in session.execute(
                select(ContactEmail.email, ContactPerson.id, ContactPerson.counterparty_id,
                       ContactPerson.name)
                .join(ContactPerson, ContactPerson.id == ContactEmail.contact_id)
                .where(ContactEmail.email.in_(emails), ContactPerson.counterparty_id.is_not(None),
                       ContactPerson.owner_id.is_(None))
                .order_by(ContactPerson.id)
            ):
                self.contacts[email].append((cid, cpid, name))
        self.counterparty_emails: dict[str, list[int]] = defaultdict(list)
        if emails:
            for email, cpid in session.execute(
                select(CounterpartyEmail.email, CounterpartyEmail.counterparty_id)
                .where(CounterpartyEmail.email.in_(emails))
                .order_by(CounterpartyEmail.counterparty_id)
            ):
                if cpid not in self.counterparty_emails[email]:
                    self.counterparty_emails[email].append(cpid)
        self.domains: dict[str, list[int]] = defaultdict(list)
        if domains:
            for domain, cpid in session.execute(
                select(CounterpartyDomain.domain, CounterpartyDomain.counterparty_id)
                .where(CounterpartyDomain.domain.in_(domains))
                .order_by(CounterpartyDomain.counterparty_id)
            ):
                self.domains[domain].append(cpid)
        self.user_emails: set[str] = set()
        if emails:
            self.user_emails = set(session.scalars(select(User.email).where(User.email.in_(emails))))
        self.thread_links: dict[str, list[int]] = defaultdict(list)
        self.thread_ids: dict[str, int] = {}
        if message_ids:
            for mid, letter_id, thread_id in session.execute(
                select(Letter.message_id, Letter.id, Letter.thread_id)
                .where(Letter.message_id.in_(message_ids))
            ):
                self.thread_ids[mid] = thread_id or letter_id
            for mid, cpid in session.execute(
                select(Letter.message_id, LetterLink.counterparty_id)
                .join(LetterLink, LetterLink.letter_id == Letter.id)
                .where(Letter.message_id.in_(message_ids))
                .order_by(LetterLink.counterparty_id)
            ):
                if cpid not in self.thread_links[mid]:
                    self.thread_links[mid].append(cpid)


def _thread_refs(item: FilingInput) -> list[str]:
    refs = [item.in_reply_to] if item.in_reply_to else []
    refs.extend(r for r in reversed(item.references) if r not in refs)
    return refs


def file_letters(
    session: Session, items: Sequence[FilingInput], policy: FilingPolicy
) -> list[FilingResult]:
    """File a batch of stored letters; returns what was linked, queued and created."""
    if not items:
        return []
    emails = {a[2].lower() for it in items for a in it.addresses if a[2]}
    domains = {domain_of(e) for e in emails} - policy.public_domains - policy.internal_domains
    message_ids = {r for it in items for r in _thread_refs(it)}
    look = _Lookups(session, emails, domains, message_ids)
    existing = _existing_links(session, [it.letter_id for it in items])
    results: list[FilingResult] = []
    pending: list[tuple[FilingInput, int, str, str, int | None]] = []
    new_ambiguities: list[dict[str, object]] = []
    created_cache: dict[str, tuple[int, int]] = {}
    new_contacts = _NewContacts()
    for item in items:
        result = _file_one(new_contacts, item, policy, look, existing.get(item.letter_id, set()),
                           created_cache, new_ambiguities)
        results.append(result)
        if item.message_id:  # a reply later in this batch joins this letter's counterparties
            joined = look.thread_links[item.message_id]
            for cpid in [c for c, _rule, _reason in result.links] + sorted(
                    existing.get(item.letter_id, set())):
                if cpid not in joined:
                    joined.append(cpid)
    new_contacts.insert(session, results)
    for item, result in zip(items, results):
        pending.extend((item, cpid, rule, reason, result.contact_of.get(cpid))
                       for cpid, rule, reason in result.links)
    record_links(session, pending)
    if new_ambiguities:
        _insert_ambiguities(session, new_ambiguities)
    _tag(session, items, policy)
    return results


def _existing_links(session: Session, letter_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for letter_id, cpid in session.execute(
        select(LetterLink.letter_id, LetterLink.counterparty_id)
        .where(LetterLink.letter_id.in_(letter_ids))
    ):
        found[letter_id].add(cpid)
    return found


def _file_one(
    new_contacts: _NewContacts,
    item: FilingInput,
    policy: FilingPolicy,
    look: _Lookups,
    already: set[int],
    created_cache: dict[str, tuple[int, int]],
    ambiguities: list[dict[str, object]],
) -> FilingResult:
    result = FilingResult(letter_id=item.letter_id)
    contacts_for = result.contact_of
    linked: dict[int, tuple[str, str]] = {}

    def link(cpid: int, rule: str, reason: str, contact_id: int | None = None) -> None:
        if cpid not in linked and cpid not in already:
            linked[cpid] = (rule, reason)
        if contact_id is not None and cpid not in contacts_for:
            contacts_for[cpid] = contact_id

    external = [
        (role, name, email.lower()) for role, name, email in item.addresses
        if email and role in FILED_ROLES
        and domain_of(email) not in policy.internal_domains
        and email.lower() not in look.user_emails
    ]
    if not external:
        result.internal = True
        return result
    thread_done = False
    seen: set[str] = set()
    for role, name, email in external:
        if email in seen:
            continue
        seen.add(email)
        domain = domain_of(email)
        contacts = look.contacts.get(email) or (
            [(created_cache[email][0], created_cache[email][1], name)] if email in created_cache else [])
        if contacts:
            for contact_id, cpid, cname in contacts:
                link(cpid, "contact", f"{role}: {email} is the contact person {cname}", contact_id)
            continue
        if look.counterparty_emails.get(email):
            for cpid in look.counterparty_emails[email]:
                link(cpid, "counterparty", f"{role}: {email} is an e-mail of the counterparty")
            continue
        if not thread_done:
            thread_done = True
            for ref in _thread_refs(item):
                if look.thread_links.get(ref):
                    for cpid in look.thread_links[ref]:
                        link(cpid, "thread", f"in the thread of letter <{ref}>, filed there")
                    break
        if domain in policy.public_domains:
            continue
        candidates = look.domains.get(domain, [])
        if len(candidates) > 1:
            decided = [c for c in candidates if c in linked or c in already]
            if len(decided) == 1:
                candidates = decided
        if len(candidates) > 1:
            result.ambiguous.append(email)
            ambiguities.append({"letter_id": item.letter_id, "email": email,
                                "candidate_ids": ",".join(map(str, candidates)),
                                "resolved": False})
            continue
        if len(candidates) == 1:
            cpid = candidates[0]
            contact_id = None
            if not item.is_bulk:
                contact_id = new_contacts.add(cpid, name, email)
                created_cache[email] = (contact_id, cpid)
                look.contacts[email].append((contact_id, cpid, _display_name(name, email)))
                result.created_contacts.append(contact_id)
            link(cpid, "domain", f"{role}: {email} is at {domain}, the domain of the counterparty",
                 contact_id)
    result.links = [(cpid, rule, reason) for cpid, (rule, reason) in linked.items()]
    return result


class _NewContacts:
    """Contact persons created from mail in one batch, inserted together once the batch is filed.

    Until then each has a placeholder id (-1, -2, ...); :meth:`insert` writes them in creation
    order with one multi-row INSERT (a flush per contact cost ~1 ms each, most of a first sync's
    filing) and puts the real ids, the same ones flushing each in turn would have given, into the
    results.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []  # (counterparty, display name, e-mail)

    def add(self, counterparty_id: int, name: str, email: str) -> int:
        self.rows.append((counterparty_id, _display_name(name, email), email))
        return -len(self.rows)

    def insert(self, session: Session, results: Sequence[FilingResult]) -> None:
        if not self.rows:
            return
        ids = list(session.scalars(
            insert(ContactPerson).returning(ContactPerson.id, sort_by_parameter_order=True),
            [{"name": name, "counterparty_id": cpid, "created_from_mail": True}
             for cpid, name, _email in self.rows],
        ))
        session.execute(insert(ContactEmail), [
            {"contact_id": contact_id, "email": email, "position": 0}
            for contact_id, (_cpid, _name, email) in zip(ids, self.rows)
        ])
        real = {-(k + 1): contact_id for k, contact_id in enumerate(ids)}
        for result in results:
            if result.created_contacts or any(c < 0 for c in result.contact_of.values()):
                result.created_contacts = [real[c] for c in result.created_contacts]
                result.contact_of = {cp: real.get(c, c) for cp, c in result.contact_of.items()}


def record_links(
    session: Session, links: Sequence[tuple[FilingInput, int, str, str, int | None]]
) -> None:
    """Insert links ``(letter, counterparty, rule, reason, contact person)`` and, for each, the
    e-mail event in the counterparty's history, owned by the mailbox owner (for a shared mailbox:
    the counterparty's responsible manager)."""
    if not links:
        return
    managers: dict[int, int | None] = {}
    unowned = {cpid for item, cpid, *_ in links if item.owner_id is None}
    if unowned:
        managers = dict(session.execute(
            select(Counterparty.id, Counterparty.manager_id).where(Counterparty.id.in_(unowned))
        ).all())
    now = utcnow()
    link_rows: list[dict[str, object]] = []
    event_rows: list[dict[str, object]] = []
    for item, cpid, rule, reason, contact_id in links:
        owner = item.owner_id if item.owner_id is not None else managers.get(cpid)
        link_rows.append({"letter_id": item.letter_id, "counterparty_id": cpid,
                          "contact_person_id": contact_id, "rule": rule, "reason": reason,
                          "created_at": now})
        event_rows.append({
            "kind": (EventKind.OUTGOING_EMAIL if item.is_outgoing else EventKind.INCOMING_EMAIL).value,
            "state": EventState.DONE.value, "start_at": item.sent_at or now, "end_at": None,
            "counterparty_id": cpid, "contact_person_id": contact_id, "author_id": owner,
            "responsible_id": owner, "subject": item.subject[:500], "content": "",
            "letter_id": item.letter_id, "uid": f"{uuid.uuid4()}@letterpress",
            "sequence": 0, "location": "", "created_at": now, "updated_at": now,
        })
    # Through the tables (Core): the ORM's bulk path costs ~3x the Python time per row here.
    session.execute(insert(LetterLink.__table__), link_rows)  # type: ignore[arg-type]
    session.execute(insert(Event.__table__), event_rows)  # type: ignore[arg-type]


def _insert_ambiguities(session: Session, rows: list[dict[str, object]]) -> None:
    keys = {(r["letter_id"], r["email"]) for r in rows}
    known = set(session.execute(
        select(AmbiguousMatch.letter_id, AmbiguousMatch.email)
        .where(AmbiguousMatch.letter_id.in_({k[0] for k in keys}))
    ))
    fresh: dict[tuple[object, object], dict[str, object]] = {}
    for row in rows:
        key = (row["letter_id"], row["email"])
        if key not in known and key not in fresh:
            fresh[key] = row
    if fresh:
        session.execute(insert(AmbiguousMatch), list(fresh.values()))


def _tag(session: Session, items: Sequence[FilingInput], policy: FilingPolicy) -> None:
    """Topics from config rules, and orders whose number appears in the subject."""
    topic_rows: dict[tuple[int, str], dict[str, object]] = {}
    numbers: dict[str, set[int]] = defaultdict(set)
    order_re = re.compile(policy.order_number_pattern, re.IGNORECASE) if policy.order_number_pattern else None
    for item in items:
        haystack = f"{item.subject}\n{item.body_text}".lower()
        emails = {a[2].lower() for a in item.addresses}
        for rule in policy.topic_rules:
            if any(k.lower() in haystack for k in rule.keywords) or emails & set(rule.addresses):
                topic_rows[(item.letter_id, rule.topic)] = {
                    "letter_id": item.letter_id, "topic": rule.topic, "source": "rule"}
        for match in order_re.finditer(item.subject) if order_re else ():
            numbers[match.group(1).upper()].add(item.letter_id)
    if numbers:
        orders = session.execute(select(Order.number, Order.id).where(Order.number.in_(numbers)))
        order_rows = {(lid, oid): {"letter_id": lid, "order_id": oid}
                      for number, oid in orders for lid in numbers[number.upper()]}
        if order_rows:
            known = set(session.execute(select(LetterOrder.letter_id, LetterOrder.order_id).where(
                LetterOrder.letter_id.in_({k[0] for k in order_rows}))))
            rows = [r for k, r in order_rows.items() if k not in known]
            if rows:
                session.execute(insert(LetterOrder), rows)
    if topic_rows:
        known_topics = set(session.execute(select(LetterTopic.letter_id, LetterTopic.topic).where(
            LetterTopic.letter_id.in_({k[0] for k in topic_rows}))))
        rows = [r for k, r in topic_rows.items() if k not in known_topics]
        if rows:
            session.execute(insert(LetterTopic), rows)


def thread_for(session: Session, in_reply_to: str | None, references: Sequence[str]) -> int | None:
    """The thread id of the nearest already stored ancestor, if any."""
    refs = ([in_reply_to] if in_reply_to else []) + list(reversed(references))
    if not refs:
        return None
    rows = dict(session.execute(
        select(Letter.message_id, Letter.thread_id).where(Letter.message_id.in_(refs))
    ).all())
    for ref in refs:
        if ref in rows:
            return rows[ref]
    return None
