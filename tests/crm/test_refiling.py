"""Unfiled letters, creating a counterparty or contact from one (which files the others at
once), and resolving the ambiguous queue by hand."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import AmbiguousMatch, ContactPerson, Event, Letter, LetterLink
from letterpress.crm.permissions import MailPolicy
from letterpress.crm.refiling import (
    contact_from_letter,
    counterparty_from_letter,
    resolve_ambiguity,
    unfiled_query,
)
from letterpress.mailsvc.folder_state import filing_policy
from letterpress.testing import letters, mailstore

FILING = filing_policy(Settings())
MAIL = MailPolicy()


def test_counterparty_from_an_unfiled_letter_files_the_rest(session: Session) -> None:
    m1 = users.add_user(session, "m1")
    users.add_user(session, "m2")
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    other = mailstore.mailbox(session, "m2-box", owner="m2")
    mailstore.deliver(session, box, [
        letters.letter(message_id=f"n{i}@newprint.ru", sender=("Анна Новикова", "anna@newprint.ru"))
        for i in range(3)] + [letters.letter(message_id="g@gmail.com",
                                             sender=("Частник", "someone@gmail.com"))])
    mailstore.deliver(session, other, [letters.letter(message_id="x@newprint.ru",
                                                      sender=("Олег", "oleg@newprint.ru"))])
    unfiled = session.scalars(unfiled_query(session, m1, MAIL)).all()
    assert len(unfiled) == 4  # m2's letter is not m1's to see
    first = next(l for l in unfiled if l.message_id == "n0@newprint.ru")
    cp, _ = counterparty_from_letter(session, m1, first.id, CounterpartyData(name="НьюПринт"),
                                     FILING, MAIL)
    session.commit()
    assert [d.domain for d in cp.domains] == ["newprint.ru"] and cp.manager_id == m1.id
    linked = session.scalar(select(func.count()).select_from(LetterLink)
                            .where(LetterLink.counterparty_id == cp.id))
    assert linked == 4  # all three from anna and oleg's letter in another mailbox, by domain
    assert [l.message_id for l in session.scalars(unfiled_query(session, m1, MAIL))] == ["g@gmail.com"]
    assert session.scalar(select(func.count()).select_from(Event)
                          .where(Event.counterparty_id == cp.id)) == 4
    oleg = session.scalar(select(ContactPerson).where(ContactPerson.name == "Олег"))
    assert oleg is not None and oleg.created_from_mail


def test_contact_from_a_public_address_letter(session: Session) -> None:
    m1 = users.add_user(session, "m1")
    cp = create_counterparty(session, CounterpartyData(name="ИП Сидоров"))
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    mailstore.deliver(session, box, [letters.letter(message_id=f"s{i}@mail.ru",
                                                    sender=("Сидоров", "sidorov@mail.ru"))
                                     for i in range(2)])
    letter = session.scalars(unfiled_query(session, m1, MAIL)).first()
    assert letter is not None
    person, _ = contact_from_letter(session, m1, letter.id, cp.id, FILING, MAIL)
    assert person.counterparty_id == cp.id
    assert session.scalars(unfiled_query(session, m1, MAIL)).all() == []
    assert {lk.rule for lk in session.scalars(select(LetterLink))} == {"contact"}


def test_resolving_an_ambiguity_links_the_letter(session: Session) -> None:
    m1 = users.add_user(session, "m1")
    a = create_counterparty(session, CounterpartyData(name="Холдинг А", domains=["holding.ru"]))
    create_counterparty(session, CounterpartyData(name="Холдинг Б", domains=["holding.ru"]))
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    mailstore.deliver(session, box, [letters.letter(message_id="h@holding.ru",
                                                    sender=("Кто-то", "x@holding.ru"))])
    item = session.scalar(select(AmbiguousMatch))
    assert item is not None
    resolve_ambiguity(session, m1, item.id, a.id, MAIL)
    link = session.scalar(select(LetterLink))
    assert link is not None and link.counterparty_id == a.id and link.rule == "manual"
    assert item.resolved
    assert session.scalar(select(func.count()).select_from(Event)) == 1
    letter = session.scalar(select(Letter))
    assert letter is not None
