from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm import contacts, users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.events import register_event
from letterpress.crm.model import (
    BirthdayCall,
    Campaign,
    CampaignParticipant,
    ContactPerson,
    Event,
    Letter,
    LetterLink,
)
from letterpress.errors import ValidationError
from letterpress.testing import factories, letters, mailstore

NOW = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def test_merge_keeps_everything_of_both(session: Session) -> None:
    author = users.add_user(session, "m1")
    cp = create_counterparty(session, CounterpartyData(name="Печать+"))
    keep = contacts.create_contact(
        session, name="Иван Петров", counterparty_id=cp.id, emails=["ivan@pechat.ru"],
        phones=["+7 900 111-22-33"], position="директор")
    dup = contacts.create_contact(
        session, name="Петров Иван", emails=["IVAN@pechat.ru", "petrov@gmail.com"],
        phones=["8 900 111 22 33", "+7 495 000-00-00"], position="генеральный директор",
        birthday=dt.date(1980, 5, 17), anniversaries=[("свадьба", dt.date(2005, 6, 1))],
        external_id="C-2")
    event = register_event(session, author=author, kind="incoming_call", start_at=NOW,
                           contact_person_id=dup.id, subject="звонок")
    session.commit()
    merged = contacts.merge_contacts(session, keep.id, dup.id)
    session.commit()
    assert sorted(e.email for e in merged.emails) == ["ivan@pechat.ru", "petrov@gmail.com"]
    assert [p.value for p in merged.phones] == ["+7 900 111-22-33", "+7 495 000-00-00"]
    assert merged.birthday == dt.date(1980, 5, 17)
    assert merged.external_id == "C-2"
    assert [(a.label, a.date) for a in merged.anniversaries] == [("свадьба", dt.date(2005, 6, 1))]
    assert merged.notes is not None
    assert "генеральный директор" in merged.notes and "Петров Иван" in merged.notes
    assert session.get(Event, event.id).contact_person_id == keep.id  # type: ignore[union-attr]
    assert session.scalars(select(ContactPerson)).all() == [merged]
    assert [c.id for c in contacts.by_email(session, "petrov@GMAIL.com")] == [keep.id]


def test_merge_refuses_self_and_other_companies(session: Session) -> None:
    a = create_counterparty(session, CounterpartyData(name="A"))
    b = create_counterparty(session, CounterpartyData(name="B"))
    x = contacts.create_contact(session, name="X", counterparty_id=a.id)
    y = contacts.create_contact(session, name="Y", counterparty_id=b.id)
    with pytest.raises(ValidationError):
        contacts.merge_contacts(session, x.id, x.id)
    with pytest.raises(ValidationError, match="different counterparties"):
        contacts.merge_contacts(session, x.id, y.id)


def test_personal_contact_belongs_to_owner(session: Session) -> None:
    owner = users.add_user(session, "m1")
    c = contacts.create_contact(session, name="Тётя Маша", owner_id=owner.id,
                                birthday=dt.date(1960, 1, 31))
    assert c.owner_id == owner.id and c.counterparty_id is None


def test_merge_moves_letter_links_and_campaign_places_without_repeats(session: Session) -> None:
    """Letters filed with either contact keep a contact person (the kept one), once each."""
    manager = factories.make_user(session, "m1")
    cp = factories.make_counterparty(session, "Печать+", domains=["pechat.ru"], manager=manager)
    keep = factories.make_contact(session, cp, "Иван Петров", emails=["ivan@pechat.ru"])
    dup = factories.make_contact(session, cp, "Петров Иван", emails=["petrov@pechat.ru"])
    other = factories.make_counterparty(session, "Бумага", domains=["bumaga.ru"])
    stranger = factories.make_contact(session, other, "Ольга", emails=["olga@bumaga.ru"])
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    me = ("Менеджер", "m1@letterpress.test")
    when = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    mailstore.deliver(session, box, [
        letters.letter(message_id="keep@pechat.ru", sender=("Иван", "ivan@pechat.ru"), to=[me],
                       date=when),
        letters.letter(message_id="dup@pechat.ru", sender=("Иван", "petrov@pechat.ru"), to=[me],
                       date=when),
        # From the duplicate with the kept one in Cc, and to another company as well.
        letters.letter(message_id="both@pechat.ru", sender=("Иван", "petrov@pechat.ru"),
                       to=[me], cc=[("Иван", "ivan@pechat.ru"), ("Ольга", "olga@bumaga.ru")],
                       date=when),
    ])
    campaign = Campaign(name="Выставка", start=dt.date(2025, 3, 1), currency="RUB")
    session.add(campaign)
    session.flush()
    session.add_all([CampaignParticipant(campaign_id=campaign.id, counterparty_id=cp.id,
                                         contact_person_id=person.id) for person in (keep, dup)])
    session.commit()

    def links() -> list[tuple[str, int, int | None]]:
        return sorted((message_id, cp_id, person) for message_id, cp_id, person in session.execute(
            select(Letter.message_id, LetterLink.counterparty_id, LetterLink.contact_person_id)
            .join(Letter, Letter.id == LetterLink.letter_id)).all())

    before = links()
    assert {person for _m, cp_id, person in before if cp_id == cp.id} == {keep.id, dup.id}
    contacts.merge_contacts(session, keep.id, dup.id)
    session.commit()
    session.expire_all()
    assert links() == sorted((m, cp_id, keep.id if person == dup.id else person)
                             for m, cp_id, person in before)
    assert [(m, person) for m, cp_id, person in links() if cp_id == cp.id] == [
        ("both@pechat.ru", keep.id), ("dup@pechat.ru", keep.id), ("keep@pechat.ru", keep.id)]
    assert ("both@pechat.ru", other.id, stranger.id) in links()
    assert session.execute(select(CampaignParticipant.contact_person_id)).scalars().all() == [
        keep.id]


def test_merge_keeps_the_record_of_birthday_and_anniversary_calls(session: Session) -> None:
    """A call made this year for the duplicate's birthday or anniversary is not planned again for
    the kept contact; a year both were called for keeps one record."""
    cp = create_counterparty(session, CounterpartyData(name="Печать+"))
    keep = contacts.create_contact(session, name="Иван Петров", counterparty_id=cp.id,
                                   anniversaries=[("свадьба", dt.date(2005, 6, 1))])
    dup = contacts.create_contact(
        session, name="Петров Иван", counterparty_id=cp.id, birthday=dt.date(1980, 5, 17),
        anniversaries=[("свадьба", dt.date(2005, 6, 1)), ("юбилей фирмы", dt.date(2001, 2, 3))])
    session.flush()
    wedding, founding = (a.id for a in dup.anniversaries)
    keep_wedding = keep.anniversaries[0].id
    session.add_all([
        BirthdayCall(contact_id=keep.id, occasion="birthday", year=2024),
        BirthdayCall(contact_id=dup.id, occasion="birthday", year=2024),
        BirthdayCall(contact_id=dup.id, occasion="birthday", year=2025),
        BirthdayCall(contact_id=dup.id, occasion=f"anniversary:{wedding}", year=2025),
        BirthdayCall(contact_id=dup.id, occasion=f"anniversary:{founding}", year=2025),
    ])
    session.commit()
    merged = contacts.merge_contacts(session, keep.id, dup.id)
    session.commit()
    new_founding = next(a.id for a in merged.anniversaries if a.label == "юбилей фирмы")
    assert sorted(session.execute(select(BirthdayCall.contact_id, BirthdayCall.occasion,
                                         BirthdayCall.year)).all()) == sorted([
        (keep.id, "birthday", 2024), (keep.id, "birthday", 2025),
        (keep.id, f"anniversary:{keep_wedding}", 2025),
        (keep.id, f"anniversary:{new_founding}", 2025),
    ])
