"""Filing rules: contact, thread, domain; public domains; ambiguity; new contacts; internal mail."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm import contacts, users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.filing import FilingInput, FilingPolicy, TopicRule, file_letters
from letterpress.crm.model import (
    AmbiguousMatch,
    Blob,
    ContactPerson,
    Event,
    Letter,
    LetterLink,
    LetterOrder,
    LetterTopic,
    Order,
)

POLICY = FilingPolicy(
    public_domains=frozenset({"gmail.com", "mail.ru"}),
    internal_domains=frozenset({"tipografiya.ru"}),
    topic_rules=(TopicRule("календари", keywords=("календар",)),),
    order_number_pattern=r"заказ\s*№?\s*(ORD-\d+)",
)
WHEN = dt.datetime(2025, 10, 1, 9, 30, tzinfo=dt.UTC)
_seq = itertools.count(1)


def _letter(session: Session, message_id: str | None = None, **kw: object) -> Letter:
    n = next(_seq)
    sha = hashlib.sha256(f"raw{n}".encode()).hexdigest()
    if session.get(Blob, sha) is None:
        session.add(Blob(sha256=sha, size=3, data=b"raw"))
    letter = Letter(dedup_key=f"k{n}", raw_sha256=sha, message_id=message_id, **kw)
    session.add(letter)
    session.flush()
    letter.thread_id = letter.id
    return letter


def _input(letter: Letter, *addresses: tuple[str, str, str], **kw: object) -> FilingInput:
    return FilingInput(letter_id=letter.id, addresses=addresses, message_id=letter.message_id,
                       sent_at=WHEN, **kw)  # type: ignore[arg-type]


def _world(session: Session):  # type: ignore[no-untyped-def]
    owner = users.add_user(session, "manager1", email="m1@tipografiya.ru")
    romashka = create_counterparty(session, CounterpartyData(name="Ромашка", domains=["romashka.ru"]))
    ivan = contacts.create_contact(session, name="Иван", counterparty_id=romashka.id,
                                   emails=["ivan@gmail.com"])
    return owner, romashka, ivan


def test_contact_then_domain_then_public(session: Session) -> None:
    owner, romashka, ivan = _world(session)
    a = _letter(session, "a@x")
    b = _letter(session, "b@x")
    c = _letter(session, "c@x")
    results = file_letters(session, [
        _input(a, ("from", "Иван", "ivan@gmail.com"), ("to", "", "m1@tipografiya.ru"), owner_id=owner.id),
        _input(b, ("from", "Пётр Сидоров", "petr@romashka.ru"), owner_id=owner.id),
        _input(c, ("from", "Someone", "someone@gmail.com"), owner_id=owner.id),
    ], POLICY)
    session.commit()
    links = {lk.letter_id: lk for lk in session.scalars(select(LetterLink))}
    assert links[a.id].rule == "contact" and links[a.id].contact_person_id == ivan.id
    assert "ivan@gmail.com" in links[a.id].reason
    assert links[b.id].rule == "domain" and links[b.id].counterparty_id == romashka.id
    assert c.id not in links  # a public domain never identifies a company
    new_contact = session.get(ContactPerson, results[1].created_contacts[0])
    assert new_contact is not None and new_contact.name == "Пётр Сидоров"
    assert new_contact.created_from_mail and new_contact.counterparty_id == romashka.id
    events = session.scalars(select(Event).order_by(Event.letter_id)).all()
    assert [(e.letter_id, e.kind, e.responsible_id) for e in events] == [
        (a.id, "incoming_email", owner.id), (b.id, "incoming_email", owner.id)]


def test_refiling_is_idempotent(session: Session) -> None:
    owner, _romashka, _ = _world(session)
    a = _letter(session, "a@x")
    item = _input(a, ("from", "", "boss@romashka.ru"), owner_id=owner.id)
    file_letters(session, [item], POLICY)
    file_letters(session, [item], POLICY)
    assert len(session.scalars(select(LetterLink)).all()) == 1
    assert len(session.scalars(select(Event)).all()) == 1
    assert len(session.scalars(select(ContactPerson).where(ContactPerson.created_from_mail)).all()) == 1


def test_thread_links_a_reply_from_a_public_address(session: Session) -> None:
    owner, romashka, _ = _world(session)
    first = _letter(session, "first@romashka.ru")
    file_letters(session, [_input(first, ("from", "", "boss@romashka.ru"), owner_id=owner.id)], POLICY)
    reply = _letter(session, "reply@gmail.com")
    file_letters(session, [_input(reply, ("from", "", "boss.home@gmail.com"),
                                  in_reply_to="first@romashka.ru", owner_id=owner.id)], POLICY)
    link = session.scalar(select(LetterLink).where(LetterLink.letter_id == reply.id))
    assert link is not None and link.rule == "thread" and link.counterparty_id == romashka.id


def test_shared_domain_goes_to_the_ambiguous_queue(session: Session) -> None:
    create_counterparty(session, CounterpartyData(name="Холдинг А", domains=["holding.ru"]))
    create_counterparty(session, CounterpartyData(name="Холдинг Б", domains=["holding.ru"]))
    letter = _letter(session, "h@x")
    result = file_letters(session, [_input(letter, ("from", "", "x@holding.ru"))], POLICY)
    assert result[0].ambiguous == ["x@holding.ru"] and result[0].links == []
    queued = session.scalars(select(AmbiguousMatch)).all()
    assert [(q.email, len(q.candidate_ids.split(","))) for q in queued] == [("x@holding.ru", 2)]
    assert session.scalars(select(ContactPerson)).all() == []


def test_internal_and_bulk_mail_create_nothing(session: Session) -> None:
    owner, _romashka, _ = _world(session)
    users.add_user(session, "manager2", email="m2@tipografiya.ru")
    internal = _letter(session, "i@x")
    bulk = _letter(session, "bulk@x")
    results = file_letters(session, [
        _input(internal, ("from", "", "m2@tipografiya.ru"), ("to", "", "m1@tipografiya.ru")),
        _input(bulk, ("from", "News", "news@romashka.ru"), is_bulk=True, owner_id=owner.id),
    ], POLICY)
    assert results[0].internal and results[0].links == []
    assert results[1].created_contacts == []
    assert session.scalars(select(ContactPerson).where(ContactPerson.created_from_mail)).all() == []


def test_topics_and_order_numbers(session: Session) -> None:
    _owner, romashka, _ = _world(session)
    order = Order(external_id="O1", direction="customer", number="ORD-000123",
                  date=dt.date(2025, 9, 1), counterparty_id=romashka.id, amount=1, currency="RUB")
    session.add(order)
    letter = _letter(session, "o@x")
    file_letters(session, [_input(letter, ("from", "", "boss@romashka.ru"),
                                  subject="Заказ № ORD-000123: макет календаря")], POLICY)
    assert session.scalars(select(LetterTopic.topic)).all() == ["календари"]
    assert session.scalars(select(LetterOrder.order_id)).all() == [order.id]


def test_reply_in_the_same_batch_as_its_parent_joins_the_thread(session: Session) -> None:
    """Regression: the thread rule once read only links already in the database, so a reply
    filed in the same batch as its parent stayed unfiled."""
    owner, romashka, _ = _world(session)
    parent = _letter(session, "parent@romashka.ru")
    reply = _letter(session, "reply@gmail.com")
    file_letters(session, [
        _input(parent, ("from", "", "boss@romashka.ru"), owner_id=owner.id),
        _input(reply, ("from", "", "boss.home@gmail.com"), in_reply_to="parent@romashka.ru",
               owner_id=owner.id),
    ], POLICY)
    link = session.scalar(select(LetterLink).where(LetterLink.letter_id == reply.id))
    assert link is not None and link.rule == "thread" and link.counterparty_id == romashka.id


def test_a_counterpartys_own_email_files_a_private_person(session: Session) -> None:
    person = create_counterparty(session, CounterpartyData(name="Иванова А. П.", kind="person",
                                                           emails=["anna.ivanova@gmail.com"]))
    letter = _letter(session, "p@gmail.com")
    file_letters(session, [_input(letter, ("from", "Анна", "anna.ivanova@gmail.com"))], POLICY)
    link = session.scalar(select(LetterLink))
    assert link is not None and link.counterparty_id == person.id and link.rule == "counterparty"
    assert session.scalars(select(ContactPerson)).all() == []
