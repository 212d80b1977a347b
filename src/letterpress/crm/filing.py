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

Everything here works on batches, because the mail daemon files thousands of letters a second:
what a batch needs is read with a few fixed-size IN queries, and what it writes (contact persons,
links, events, ambiguities, tags) goes in multi-row statements, one per table
(:mod:`letterpress.db.bulk`), never a statement or an ORM object per row.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, select
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
from letterpress.db.bulk import allocate_ids, insert_rows, select_in
from letterpress.db.types import utcnow

FILED_ROLES = ("from", "reply_to", "sender", "to", "cc", "bcc")

_CONTACTS: Table = ContactPerson.__table__  # type: ignore[assignment]
_CONTACT_EMAILS: Table = ContactEmail.__table__  # type: ignore[assignment]
_COUNTERPARTIES: Table = Counterparty.__table__  # type: ignore[assignment]
_COUNTERPARTY_EMAILS: Table = CounterpartyEmail.__table__  # type: ignore[assignment]
_DOMAINS: Table = CounterpartyDomain.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]
_LETTERS: Table = Letter.__table__  # type: ignore[assignment]
_LINKS: Table = LetterLink.__table__  # type: ignore[assignment]
_EVENTS: Table = Event.__table__  # type: ignore[assignment]
_AMBIGUITIES: Table = AmbiguousMatch.__table__  # type: ignore[assignment]
_TOPICS: Table = LetterTopic.__table__  # type: ignore[assignment]
_ORDERS: Table = Order.__table__  # type: ignore[assignment]
_LETTER_ORDERS: Table = LetterOrder.__table__  # type: ignore[assignment]

LINK_COLUMNS = ("letter_id", "counterparty_id", "contact_person_id", "rule", "reason", "created_at")
EVENT_COLUMNS = (
    "kind", "state", "start_at", "end_at", "counterparty_id", "contact_person_id", "author_id",
    "responsible_id", "subject", "content", "letter_id", "uid", "sequence", "location",
    "created_at", "updated_at",
)


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
    """Everything a batch needs from the database, read once (lists in ascending id order)."""

    def __init__(self, session: Session, domain_of: dict[str, str], domains: set[str],
                 message_ids: set[str]) -> None:
        emails = set(domain_of)
        self.domain_of = domain_of  # every (lower-case) e-mail of the batch -> its domain
        self.contacts: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self.counterparty_emails: dict[str, list[int]] = defaultdict(list)
        self.domains: dict[str, list[int]] = defaultdict(list)
        self.user_emails: set[str] = set()
        self.thread_links: dict[str, list[int]] = defaultdict(list)
        if emails:
            self._read_contacts(session, emails)
            for email, cpid in sorted(select_in(session, _COUNTERPARTY_EMAILS,
                                                ("email", "counterparty_id"), "email", emails),
                                      key=lambda row: row[1]):
                if cpid not in self.counterparty_emails[email]:
                    self.counterparty_emails[email].append(cpid)
            self.user_emails = {email for email, in select_in(session, _USERS, ("email",),
                                                              "email", emails)}
        if domains:
            for domain, cpid in sorted(select_in(session, _DOMAINS, ("domain", "counterparty_id"),
                                                 "domain", domains), key=lambda row: row[1]):
                self.domains[domain].append(cpid)
        if message_ids:
            by_letter = {letter_id: mid for mid, letter_id in select_in(
                session, _LETTERS, ("message_id", "id"), "message_id", message_ids)}
            for letter_id, cpid in sorted(select_in(session, _LINKS,
                                                    ("letter_id", "counterparty_id"),
                                                    "letter_id", by_letter),
                                          key=lambda row: row[1]):
                joined = self.thread_links[by_letter[letter_id]]
                if cpid not in joined:
                    joined.append(cpid)

    def _read_contacts(self, session: Session, emails: set[str]) -> None:
        """Shared contact persons of a counterparty holding these e-mails: the e-mails, then
        their people (two indexed reads instead of a join with an expanding IN)."""
        emails_of: dict[int, list[str]] = defaultdict(list)
        for email, contact_id in select_in(session, _CONTACT_EMAILS, ("email", "contact_id"),
                                           "email", emails):
            emails_of[contact_id].append(email)
        if not emails_of:
            return
        people = select_in(session, _CONTACTS, ("id", "counterparty_id", "name", "owner_id"),
                           "id", emails_of)
        for contact_id, cpid, name, owner_id in sorted(people):
            if cpid is not None and owner_id is None:
                for email in emails_of[contact_id]:
                    self.contacts[email].append((contact_id, cpid, name))


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
    _autoflush(session)
    domain_by_email = {e: domain_of(e) for e in
                       {a[2].lower() for it in items for a in it.addresses if a[2]}}
    domains = set(domain_by_email.values()) - policy.public_domains - policy.internal_domains
    refs = [_thread_refs(it) for it in items]
    look = _Lookups(session, domain_by_email, domains, {r for rs in refs for r in rs})
    existing = _existing_links(session, [it.letter_id for it in items])
    results: list[FilingResult] = []
    pending: list[tuple[FilingInput, int, str, str, int | None]] = []
    new_ambiguities: list[tuple[int, str, str]] = []
    created_cache: dict[str, tuple[int, int]] = {}
    new_contacts = _NewContacts()
    for item, item_refs in zip(items, refs):
        result = _file_one(new_contacts, item, item_refs, policy, look,
                           existing.get(item.letter_id, set()), created_cache, new_ambiguities)
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


def _autoflush(session: Session) -> None:
    """What an ORM query would flush first: the reads and writes here go through the connection
    (:mod:`letterpress.db.bulk`), and must see a counterparty, contact or tag added just before."""
    if session.autoflush:
        session.flush()


def _existing_links(session: Session, letter_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for letter_id, cpid in select_in(session, _LINKS, ("letter_id", "counterparty_id"),
                                     "letter_id", letter_ids):
        found[letter_id].add(cpid)
    return found


def _file_one(
    new_contacts: _NewContacts,
    item: FilingInput,
    refs: list[str],
    policy: FilingPolicy,
    look: _Lookups,
    already: set[int],
    created_cache: dict[str, tuple[int, int]],
    ambiguities: list[tuple[int, str, str]],
) -> FilingResult:
    result = FilingResult(letter_id=item.letter_id)
    contacts_for = result.contact_of
    linked: dict[int, tuple[str, str]] = {}

    def link(cpid: int, rule: str, reason: str, contact_id: int | None = None) -> None:
        if cpid not in linked and cpid not in already:
            linked[cpid] = (rule, reason)
        if contact_id is not None and cpid not in contacts_for:
            contacts_for[cpid] = contact_id

    domain_of_email = look.domain_of
    internal_domains, user_emails = policy.internal_domains, look.user_emails
    external = []
    for role, name, email in item.addresses:
        if email and role in FILED_ROLES:
            email = email.lower()
            if domain_of_email[email] not in internal_domains and email not in user_emails:
                external.append((role, name, email))
    if not external:
        result.internal = True
        return result
    thread_done = False
    seen: set[str] = set()
    for role, name, email in external:
        if email in seen:
            continue
        seen.add(email)
        domain = domain_of_email[email]
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
            for ref in refs:
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
            ambiguities.append((item.letter_id, email, ",".join(map(str, candidates))))
            continue
        if len(candidates) == 1:
            cpid = candidates[0]
            created: int | None = None
            if not item.is_bulk:
                created = new_contacts.add(cpid, name, email)
                created_cache[email] = (created, cpid)
                look.contacts[email].append((created, cpid, _display_name(name, email)))
                result.created_contacts.append(created)
            link(cpid, "domain", f"{role}: {email} is at {domain}, the domain of the counterparty",
                 created)
    result.links = [(cpid, rule, reason) for cpid, (rule, reason) in linked.items()]
    return result


class _NewContacts:
    """Contact persons created from mail in one batch, inserted together once the batch is filed.

    Until then each has a placeholder id (-1, -2, ...); :meth:`insert` takes real ids for them
    in creation order (the ones inserting each in turn would have given) and writes them with
    one multi-row INSERT per table, then puts the real ids into the results. On SQLite the ids
    come after the largest stored one (:func:`~letterpress.db.bulk.allocate_ids`), so the
    transaction must already hold the write lock: the mail store's has written its letters by
    then, and refiling runs after the counterparty or contact person it files for was created.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []  # (counterparty, display name, e-mail)

    def add(self, counterparty_id: int, name: str, email: str) -> int:
        self.rows.append((counterparty_id, _display_name(name, email), email))
        return -len(self.rows)

    def insert(self, session: Session, results: Sequence[FilingResult]) -> None:
        if not self.rows:
            return
        ids = allocate_ids(session, _CONTACTS, len(self.rows))
        now = utcnow()
        insert_rows(session, _CONTACTS, ("id", "name", "counterparty_id", "created_from_mail",
                                         "created_at"),
                    [(contact_id, name, cpid, True, now)
                     for contact_id, (cpid, name, _email) in zip(ids, self.rows, strict=True)])
        insert_rows(session, _CONTACT_EMAILS, ("contact_id", "email", "position"),
                    [(contact_id, email, 0)
                     for contact_id, (_cpid, _name, email) in zip(ids, self.rows, strict=True)])
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
    _autoflush(session)
    managers: dict[int, int | None] = {}
    unowned = {cpid for item, cpid, *_ in links if item.owner_id is None}
    if unowned:
        managers = dict(select_in(session, _COUNTERPARTIES, ("id", "manager_id"), "id", unowned))
    now = utcnow()
    done = EventState.DONE.value
    incoming, outgoing = EventKind.INCOMING_EMAIL.value, EventKind.OUTGOING_EMAIL.value
    link_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[object, ...]] = []
    uids = event_uids(len(links))
    for (item, cpid, rule, reason, contact_id), uid in zip(links, uids, strict=True):
        owner = item.owner_id if item.owner_id is not None else managers.get(cpid)
        link_rows.append((item.letter_id, cpid, contact_id, rule, reason, now))
        event_rows.append((
            outgoing if item.is_outgoing else incoming, done, item.sent_at or now, None, cpid,
            contact_id, owner, owner, item.subject[:500], "", item.letter_id,
            uid, 0, "", now, now,
        ))
    insert_rows(session, _LINKS, LINK_COLUMNS, link_rows)
    insert_rows(session, _EVENTS, EVENT_COLUMNS, event_rows)


_RAND_B = (1 << 62) - 1


def event_uids(count: int) -> list[str]:
    """``count`` new iCalendar UIDs for events: UUIDs of version 7 (RFC 9562: the time in
    milliseconds, then 74 random bits), each ``@letterpress``.

    Random (version 4) UIDs put each insert at a random place of the unique index on
    ``events.uid``, dirtying a page of it per event once the index outgrows the cache; these of
    one batch sort together at its end (inserting 5,000 events took ~25% less time).
    """
    head = (time.time_ns() // 1_000_000) << 80 | 0x7 << 76 | 0b10 << 62
    noise = os.urandom(10 * count)
    uids = []
    for k in range(0, 10 * count, 10):
        bits = int.from_bytes(noise[k:k + 10], "big")
        h = f"{head | ((bits >> 62) & 0xFFF) << 64 | (bits & _RAND_B):032x}"
        uids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@letterpress")
    return uids


def _insert_ambiguities(session: Session, rows: list[tuple[int, str, str]]) -> None:
    """Queue ``(letter, e-mail, candidate ids)``; one already queued stays as it is."""
    fresh: dict[tuple[int, str], tuple[int, str, str, bool]] = {}
    for letter_id, email, candidates in rows:
        fresh.setdefault((letter_id, email), (letter_id, email, candidates, False))
    insert_rows(session, _AMBIGUITIES, ("letter_id", "email", "candidate_ids", "resolved"),
                list(fresh.values()), skip_conflicts_on=("letter_id", "email"))


def _tag(session: Session, items: Sequence[FilingInput], policy: FilingPolicy) -> None:
    """Topics from config rules, and orders whose number appears in the subject."""
    order_re = (re.compile(policy.order_number_pattern, re.IGNORECASE)
                if policy.order_number_pattern else None)
    rules = [(rule.topic, tuple(k.lower() for k in rule.keywords), frozenset(rule.addresses))
             for rule in policy.topic_rules]
    topic_rows: dict[tuple[int, str], None] = {}
    numbers: dict[str, set[int]] = defaultdict(set)
    for item in items:
        if rules:
            haystack = f"{item.subject}\n{item.body_text}".lower()
            emails = {a[2].lower() for a in item.addresses}
            for topic, keywords, addresses in rules:
                if any(k in haystack for k in keywords) or not addresses.isdisjoint(emails):
                    topic_rows[(item.letter_id, topic)] = None
        if order_re is not None:
            for match in order_re.finditer(item.subject):
                numbers[match.group(1).upper()].add(item.letter_id)
    if numbers:
        order_rows = {(letter_id, order_id): None
                      for number, order_id in select_in(session, _ORDERS, ("number", "id"),
                                                        "number", numbers)
                      for letter_id in numbers[number.upper()]}
        insert_rows(session, _LETTER_ORDERS, ("letter_id", "order_id"), list(order_rows),
                    skip_conflicts_on=("letter_id", "order_id"))
    if topic_rows:
        insert_rows(session, _TOPICS, ("letter_id", "topic", "source"),
                    [(letter_id, topic, "rule") for letter_id, topic in topic_rows],
                    skip_conflicts_on=("letter_id", "topic"))


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
