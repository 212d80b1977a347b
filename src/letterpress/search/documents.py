"""What the index holds for each kind: four weighted text fields, a date, and filter facets.

Every searchable thing becomes a :class:`Document` with the same four fields, so that one
query runs over all kinds and every backend weighs them alike:

========  ======  =======================================  ==========================================
field     weight  letters                                  other kinds
========  ======  =======================================  ==========================================
title     5       subject                                  name / subject
keys      3       sender: name and address (``from:``)     INN, KPP, e-mails, domains, phones, site
more      2       recipients: To, Cc, Bcc (``to:``)        postal addresses, city, position, place
body      1       text (plain, else from HTML), file       legal name and notes; event content; task
                  names and text of text-like attachments  description and result
========  ======  =======================================  ==========================================

Letters' e-mail events (filed letters in a counterparty's history) are not indexed: the letter
itself is, under the mail rights. The facets (mailboxes, counterparties, topics, attachment flag,
visibility keys) are read only for backends outside the database (whoosh); the SQL backends ask
the live tables at query time instead.

Loaders read with a few set-based Core queries per batch on the session's connection, so that
they can run inside ``after_flush`` and inside the mail daemon's store transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Connection, and_, not_, select

from letterpress.crm.model import (
    Attachment,
    Blob,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyPhone,
    Event,
    EventKind,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterTopic,
    MailFolder,
    Task,
)
from letterpress.db.casefold import fold
from letterpress.search import extract
from letterpress.search.extract import MAX_ATTACHMENT_BYTES
from letterpress.search.kinds import Kind
from letterpress.search.letterdoc import (
    MAX_FIELD_CHARS,
    aware,
    letter_texts,
    wants_attachment_text,
)
from letterpress.search.letterdoc import join as _join

EMAIL_EVENT_KINDS = (EventKind.INCOMING_EMAIL.value, EventKind.OUTGOING_EMAIL.value)
CHUNK = 1000


@dataclass
class Facets:
    """Filter values for an index outside the database (the SQL backends read live tables)."""

    mailboxes: set[int] = field(default_factory=set)
    counterparties: set[int] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    has_attachment: bool = False
    acl: set[str] = field(default_factory=set)  # see letterpress.search.backends.whoosh


@dataclass
class Document:
    kind: Kind
    obj_id: int
    date: dt.datetime
    title: str = ""
    keys: str = ""
    more: str = ""
    body: str = ""
    facets: Facets = field(default_factory=Facets)

    def text(self, name: str) -> str:
        value: str = getattr(self, name)
        return value[:MAX_FIELD_CHARS]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def phone_variants(phone: str) -> str:
    """A phone as written plus its digits (and the last ten), so "84951234567" finds it."""
    digits = re.sub(r"\D", "", phone)
    out = [phone]
    if len(digits) >= 5:
        out.append(digits)
    if len(digits) == 11 and digits[0] in "78":
        out.append(digits[1:])
    return " ".join(out)


_aware = aware


# --- letters ------------------------------------------------------------------------------


def load_letters(conn: Connection, ids: Sequence[int], *, facets: bool,
                 attachment_text: bool = True) -> list[Document]:
    """Stored letters' documents, made by :func:`~letterpress.search.letterdoc.letter_texts`
    exactly as the mail daemon's parser workers make them from the letters they store."""
    rows = {row.id: row for row in conn.execute(
        select(Letter.id, Letter.subject, Letter.text_plain, Letter.text_html, Letter.sent_at,
               Letter.received_at, Letter.has_attachments).where(Letter.id.in_(ids))
    )}
    if not rows:
        return []
    addresses: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for addr in conn.execute(
        select(LetterAddress.letter_id, LetterAddress.role, LetterAddress.name, LetterAddress.email)
        .where(LetterAddress.letter_id.in_(list(rows))).order_by(LetterAddress.id)
    ):
        addresses[addr.letter_id].append((addr.role, addr.name, addr.email))
    # each letter's attachments in order: [file name, text]; texts are filled from the blobs
    files: dict[int, list[list[str]]] = defaultdict(list)
    wanted: dict[str, list[tuple[list[str], str, str]]] = defaultdict(list)
    for att in conn.execute(
        select(Attachment.letter_id, Attachment.filename, Attachment.content_type,
               Attachment.sha256, Attachment.size)
        .where(Attachment.letter_id.in_(list(rows))).order_by(Attachment.id)
    ):
        entry = [att.filename or "", ""]
        files[att.letter_id].append(entry)
        if attachment_text and wants_attachment_text(att.filename, att.content_type, att.size):
            wanted[att.sha256].append((entry, att.filename, att.content_type))
    if wanted:
        for sha, data in conn.execute(
            select(Blob.sha256, Blob.data).where(Blob.sha256.in_(list(wanted)),
                                                 Blob.size <= MAX_ATTACHMENT_BYTES)
        ):
            for entry, filename, ctype in wanted[sha]:
                entry[1] = extract.attachment_text(filename, ctype, data)
    docs: dict[int, Document] = {}
    for letter_id, row in rows.items():
        title, keys, more, body = letter_texts(
            row.subject, row.text_plain, row.text_html, addresses[letter_id],
            [(name, text) for name, text in files[letter_id]])
        doc = docs[letter_id] = Document(Kind.LETTER, letter_id,
                                         aware(row.sent_at or row.received_at),
                                         title=title, keys=keys, more=more, body=body)
        doc.facets.has_attachment = bool(row.has_attachments)
    if facets:
        _letter_facets(conn, docs)
    return list(docs.values())


def _letter_facets(conn: Connection, docs: dict[int, Document]) -> None:
    ids = list(docs)
    for letter_id, mailbox_id in conn.execute(
        select(LetterLocation.letter_id, MailFolder.mailbox_id)
        .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
        .where(LetterLocation.letter_id.in_(ids))
    ):
        docs[letter_id].facets.mailboxes.add(mailbox_id)
        docs[letter_id].facets.acl.add(f"mb:{mailbox_id}")
    for letter_id, cp_id in conn.execute(
        select(LetterLink.letter_id, LetterLink.counterparty_id).where(LetterLink.letter_id.in_(ids))
    ):
        docs[letter_id].facets.counterparties.add(cp_id)
    for letter_id, topic in conn.execute(
        select(LetterTopic.letter_id, LetterTopic.topic).where(LetterTopic.letter_id.in_(ids))
    ):
        docs[letter_id].facets.topics.add(fold(topic))


def letter_mailboxes(conn: Connection, letter_ids: Iterable[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    ids = list(set(letter_ids))
    for chunk in _chunks(ids):
        for letter_id, mailbox_id in conn.execute(
            select(LetterLocation.letter_id, MailFolder.mailbox_id)
            .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
            .where(LetterLocation.letter_id.in_(chunk))
        ):
            out[letter_id].add(mailbox_id)
    return out


# --- CRM objects ---------------------------------------------------------------------------


def load_counterparties(conn: Connection, ids: Sequence[int], *, facets: bool) -> list[Document]:
    docs: dict[int, Document] = {}
    keys: dict[int, list[str]] = defaultdict(list)
    more: dict[int, list[str]] = defaultdict(list)
    for row in conn.execute(select(Counterparty).where(Counterparty.id.in_(ids))):
        docs[row.id] = Document(
            Kind.COUNTERPARTY, row.id, _aware(row.created_at), title=row.name,
            body=_join(row.legal_name, row.notes),
        )
        keys[row.id] += [v for v in (row.inn, row.kpp, row.external_id, row.website) if v]
        more[row.id] += [v for v in (row.city,) if v]
        docs[row.id].facets.counterparties.add(row.id)
        docs[row.id].facets.acl.add("all")
    if not docs:
        return []
    cps = list(docs)
    for cp_id, value in conn.execute(
        select(CounterpartyEmail.counterparty_id, CounterpartyEmail.email)
        .where(CounterpartyEmail.counterparty_id.in_(cps))
    ):
        keys[cp_id].append(value)
    for cp_id, value in conn.execute(
        select(CounterpartyDomain.counterparty_id, CounterpartyDomain.domain)
        .where(CounterpartyDomain.counterparty_id.in_(cps))
    ):
        keys[cp_id].append(value)
    for cp_id, value in conn.execute(
        select(CounterpartyPhone.counterparty_id, CounterpartyPhone.value)
        .where(CounterpartyPhone.counterparty_id.in_(cps))
    ):
        keys[cp_id].append(phone_variants(value))
    for cp_id, value in conn.execute(
        select(CounterpartyAddress.counterparty_id, CounterpartyAddress.value)
        .where(CounterpartyAddress.counterparty_id.in_(cps))
    ):
        more[cp_id].insert(0, value)
    for cp_id, doc in docs.items():
        doc.keys, doc.more = _join(*keys[cp_id]), _join(*more[cp_id])
    return list(docs.values())


def load_contacts(conn: Connection, ids: Sequence[int], *, facets: bool) -> list[Document]:
    docs: dict[int, Document] = {}
    keys: dict[int, list[str]] = defaultdict(list)
    for row in conn.execute(select(ContactPerson).where(ContactPerson.id.in_(ids))):
        doc = docs[row.id] = Document(
            Kind.CONTACT, row.id, _aware(row.created_at), title=row.name,
            more=row.position or "", body=row.notes or "",
        )
        if row.counterparty_id is not None:
            doc.facets.counterparties.add(row.counterparty_id)
        doc.facets.acl.add("all" if row.owner_id is None else f"owner:{row.owner_id}")
    if not docs:
        return []
    for contact_id, value in conn.execute(
        select(ContactEmail.contact_id, ContactEmail.email)
        .where(ContactEmail.contact_id.in_(list(docs))).order_by(ContactEmail.position)
    ):
        keys[contact_id].append(value)
    for contact_id, value in conn.execute(
        select(ContactPhone.contact_id, ContactPhone.value)
        .where(ContactPhone.contact_id.in_(list(docs))).order_by(ContactPhone.position)
    ):
        keys[contact_id].append(phone_variants(value))
    for contact_id, doc in docs.items():
        doc.keys = _join(*keys[contact_id])
    return list(docs.values())


def indexable_events() -> ColumnElement[bool]:
    """Events the index holds: all but the e-mail events of filed letters."""
    return not_(and_(Event.kind.in_(EMAIL_EVENT_KINDS), Event.letter_id.is_not(None)))


def load_events(conn: Connection, ids: Sequence[int], *, facets: bool) -> list[Document]:
    docs: dict[int, Document] = {}
    letters: dict[int, int] = {}
    for row in conn.execute(
        select(Event.id, Event.subject, Event.content, Event.location, Event.start_at,
               Event.counterparty_id, Event.letter_id)
        .where(Event.id.in_(ids), indexable_events())
    ):
        doc = docs[row.id] = Document(Kind.EVENT, row.id, _aware(row.start_at), title=row.subject,
                                      more=row.location or "", body=row.content or "")
        if row.counterparty_id is not None:
            doc.facets.counterparties.add(row.counterparty_id)
        if row.letter_id is None:
            doc.facets.acl.add("all")
        else:
            letters[row.id] = row.letter_id
    if facets and letters:
        boxes = letter_mailboxes(conn, letters.values())
        for event_id, letter_id in letters.items():
            docs[event_id].facets.acl.update(f"mb:{m}" for m in boxes.get(letter_id, ()))
    return list(docs.values())


def load_tasks(conn: Connection, ids: Sequence[int], *, facets: bool) -> list[Document]:
    docs: list[Document] = []
    for row in conn.execute(
        select(Task.id, Task.subject, Task.description, Task.result, Task.due_at, Task.created_at,
               Task.counterparty_id, Task.assignee_id, Task.curator_id).where(Task.id.in_(ids))
    ):
        doc = Document(Kind.TASK, row.id, _aware(row.due_at or row.created_at), title=row.subject,
                       body=_join(row.description, row.result))
        if row.counterparty_id is not None:
            doc.facets.counterparties.add(row.counterparty_id)
        doc.facets.acl.update({"task:all", f"task:{row.assignee_id}"}
                              | ({f"task:{row.curator_id}"} if row.curator_id else set()))
        docs.append(doc)
    return docs


LOADERS: dict[Kind, Callable[..., list[Document]]] = {
    Kind.LETTER: load_letters, Kind.COUNTERPARTY: load_counterparties, Kind.CONTACT: load_contacts,
    Kind.EVENT: load_events, Kind.TASK: load_tasks,
}

#: The table of each kind, and which of its rows the index holds (for reindex and sweeps).
SOURCES = {
    Kind.LETTER: (Letter.__table__, None),
    Kind.COUNTERPARTY: (Counterparty.__table__, None),
    Kind.CONTACT: (ContactPerson.__table__, None),
    Kind.EVENT: (Event.__table__, indexable_events),
    Kind.TASK: (Task.__table__, None),
}


def load(conn: Connection, kind: Kind, ids: Sequence[int], *, facets: bool = False,
         attachment_text: bool = True) -> list[Document]:
    """The documents of ``kind`` for ``ids`` (missing or not indexable ids are left out);
    ``attachment_text=False`` skips reading attachments' contents (snippets of a page)."""
    out: list[Document] = []
    for chunk in _chunks(sorted(set(ids))):
        if kind is Kind.LETTER:
            out.extend(load_letters(conn, chunk, facets=facets, attachment_text=attachment_text))
        else:
            out.extend(LOADERS[kind](conn, chunk, facets=facets))
    return out
