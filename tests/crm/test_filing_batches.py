"""Filing a batch with set-based statements: what the rows come out as, across batches."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm import contacts, users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.filing import event_uids, file_letters
from letterpress.crm.model import (
    AmbiguousMatch,
    ContactEmail,
    ContactPerson,
    Event,
    LetterLink,
    LetterTopic,
)
from tests.crm.test_filing import POLICY, WHEN, _input, _letter


def test_new_contacts_of_a_batch_get_ids_after_the_stored_ones(session: Session) -> None:
    owner = users.add_user(session, "manager1", email="m1@tipografiya.ru")
    romashka = create_counterparty(session, CounterpartyData(name="Ромашка",
                                                             domains=["romashka.ru"]))
    known = contacts.create_contact(session, name="Иван", counterparty_id=romashka.id,
                                    emails=["ivan@romashka.ru"])
    first = [_letter(session, f"a{i}@x") for i in range(3)]
    results = file_letters(session, [
        _input(first[0], ("from", "Пётр Сидоров", "petr@romashka.ru"), owner_id=owner.id),
        _input(first[1], ("from", "", "anna.k@romashka.ru"), ("cc", "", "ivan@romashka.ru"),
               owner_id=owner.id),
        _input(first[2], ("from", "", "PETR@romashka.ru"), owner_id=owner.id),
    ], POLICY)
    petr, anna = results[0].created_contacts[0], results[1].created_contacts[0]
    assert known.id < petr < anna
    assert results[2].created_contacts == [] and results[2].contact_of == {romashka.id: petr}
    assert results[1].contact_of == {romashka.id: anna}  # the first address decides
    second = _letter(session, "b@x")
    again = file_letters(session, [_input(second, ("from", "", "olga@romashka.ru"),
                                          ("to", "", "petr@romashka.ru"), owner_id=owner.id)],
                         POLICY)
    olga = again[0].created_contacts[0]
    assert olga > anna
    session.commit()
    people = {p.id: p for p in session.scalars(select(ContactPerson))}
    assert (people[petr].name, people[anna].name, people[olga].name) == (
        "Пётр Сидоров", "Anna K", "Olga")
    assert all(people[c].created_from_mail and people[c].counterparty_id == romashka.id
               and people[c].owner_id is None and people[c].created_at is not None
               for c in (petr, anna, olga))
    emails = {e.email: (e.contact_id, e.position) for e in session.scalars(select(ContactEmail))}
    assert emails["petr@romashka.ru"] == (petr, 0) and emails["olga@romashka.ru"] == (olga, 0)
    links = {lk.letter_id: lk for lk in session.scalars(select(LetterLink))}
    assert [links[x.id].contact_person_id for x in (*first, second)] == [petr, anna, petr, olga]
    assert [links[x.id].rule for x in (*first, second)] == ["domain", "domain", "contact",
                                                             "domain"]
    events = {e.letter_id: e for e in session.scalars(select(Event))}
    assert [events[x.id].contact_person_id for x in (*first, second)] == [petr, anna, petr, olga]


def test_events_have_the_letters_times_owners_and_unique_uids(session: Session) -> None:
    boss = users.add_user(session, "boss", email="boss@tipografiya.ru")
    romashka = create_counterparty(session, CounterpartyData(name="Ромашка",
                                                             domains=["romashka.ru"],
                                                             manager_id=boss.id))
    letters = [_letter(session, f"e{i}@x") for i in range(40)]
    file_letters(session, [  # a shared mailbox: the counterparty's manager owns the events
        _input(letter, ("from", "", f"p{i}@romashka.ru"), subject=f"Тема {i}",
               is_outgoing=i % 2 == 1)
        for i, letter in enumerate(letters)
    ], POLICY)
    session.commit()
    events = session.scalars(select(Event).order_by(Event.letter_id)).all()
    assert [e.letter_id for e in events] == [x.id for x in letters]
    assert {(e.author_id, e.responsible_id, e.counterparty_id) for e in events} == {
        (boss.id, boss.id, romashka.id)}
    assert [e.kind for e in events[:2]] == ["incoming_email", "outgoing_email"]
    assert events[3].subject == "Тема 3" and events[3].start_at == WHEN
    assert all(e.state == "done" and e.end_at is None and e.content == "" and e.sequence == 0
               for e in events)
    uids = [e.uid for e in events]
    assert len(set(uids)) == len(uids)
    assert all(u is not None and u.endswith("@letterpress") for u in uids)
    assert {uuid.UUID(u.removesuffix("@letterpress")).version for u in uids if u} == {7}


def test_event_uids_are_unique_and_sort_by_time() -> None:
    earlier, later = event_uids(500), event_uids(500)
    assert len(set(earlier) | set(later)) == 1000
    assert max(u[:13] for u in earlier) <= min(u[:13] for u in later)  # the milliseconds
    assert event_uids(0) == []


def test_queued_ambiguities_and_tags_are_not_written_twice(session: Session) -> None:
    create_counterparty(session, CounterpartyData(name="Холдинг А", domains=["holding.ru"]))
    create_counterparty(session, CounterpartyData(name="Холдинг Б", domains=["holding.ru"]))
    letter = _letter(session, "h@x")
    session.add(LetterTopic(letter_id=letter.id, topic="календари", source="manual"))
    item = _input(letter, ("from", "", "x@holding.ru"), ("cc", "", "y@holding.ru"),
                  subject="Календари на 2026 год")
    file_letters(session, [item], POLICY)
    file_letters(session, [item, item], POLICY)
    session.commit()
    queued = session.scalars(select(AmbiguousMatch).order_by(AmbiguousMatch.email)).all()
    assert [(q.letter_id, q.email, q.resolved) for q in queued] == [
        (letter.id, "x@holding.ru", False), (letter.id, "y@holding.ru", False)]
    topics = session.scalars(select(LetterTopic)).all()
    assert [(t.topic, t.source) for t in topics] == [("календари", "manual")]


def test_only_shared_contacts_of_a_counterparty_file_letters(session: Session) -> None:
    owner = users.add_user(session, "manager1", email="m1@tipografiya.ru")
    romashka = create_counterparty(session, CounterpartyData(name="Ромашка",
                                                             domains=["romashka.ru"]))
    contacts.create_contact(session, name="Личный", owner_id=owner.id,
                            emails=["friend@gmail.com"])
    contacts.create_contact(session, name="Ничей", emails=["nobody@gmail.com"])
    shared = contacts.create_contact(session, name="Общий", counterparty_id=romashka.id,
                                     emails=["shared@gmail.com"])
    letters = [_letter(session, f"s{i}@x") for i in range(3)]
    results = file_letters(session, [
        _input(letters[0], ("from", "", "friend@gmail.com")),
        _input(letters[1], ("from", "", "nobody@gmail.com")),
        _input(letters[2], ("from", "", "Shared@Gmail.com")),
    ], POLICY)
    assert [r.links for r in results[:2]] == [[], []]
    assert results[2].contact_of == {romashka.id: shared.id}
    assert results[2].links[0][1] == "contact"
