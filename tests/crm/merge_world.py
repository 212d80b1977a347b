"""Two counterparties that are one company, with something of everything pointing at each: the
world of the merge tests (crm and web).

``survivor`` «ООО «Ромашка»» and ``duplicate`` «Ромашка, ООО» both belong to manager1 (supervised
by head) and claim romashka.ru. Letters go through the real parse/store/file path, so one letter
is filed to both (its sender is the duplicate's contact, its Cc the survivor's), one to the
duplicate only, and one, from an unknown address at the shared domain, is ambiguous between them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    AmbiguousMatch,
    Campaign,
    CampaignParticipant,
    ContactPerson,
    Counterparty,
    Event,
    Invoice,
    Letter,
    LetterLink,
    Order,
    Payment,
    Shipment,
    Task,
    User,
)
from letterpress.testing import factories, letters, mailstore

ME = ("Иван Петров", "ivan@letterpress.test")
ANNA = ("Анна Смирнова", "anna@romashka.ru")
BORIS = ("Борис Ромашкин", "boris@romashka.ru")


@dataclass
class MergeWorld:
    survivor: int
    duplicate: int
    stranger: int  # manager2's counterparty with another INN
    anna: int  # the duplicate's contact
    boris: int  # the survivor's contact
    both_letter: int  # filed to both
    dup_letter: int  # filed to the duplicate only
    ambiguous_letter: int
    campaign: int  # both take part


#: Tables whose rows point at a counterparty, and how to count one counterparty's rows.
COUNTED = {
    "contacts": ContactPerson.counterparty_id,
    "events": Event.counterparty_id,
    "tasks": Task.counterparty_id,
    "orders": Order.counterparty_id,
    "shipments": Shipment.counterparty_id,
    "payments": Payment.counterparty_id,
    "invoices": Invoice.counterparty_id,
    "letter_links": LetterLink.counterparty_id,
    "campaign_participants": CampaignParticipant.counterparty_id,
}


def counts(session: Session, counterparty_id: int) -> dict[str, int]:
    return {name: session.scalar(select(func.count()).where(column == counterparty_id)) or 0
            for name, column in COUNTED.items()}


def build(session: Session, manager: User, other: User, head: User) -> MergeWorld:
    f = factories
    survivor = f.make_counterparty(
        session, "ООО «Ромашка»", inn=f.valid_inn(1), manager=manager, source="выставка",
        phones=["+7 495 111-22-33"], emails=["info@romashka.ru"], domains=["romashka.ru"],
        addresses=["Москва, Тверская 1"], external_id="cp-A")
    duplicate = f.make_counterparty(
        session, "Ромашка, ООО", legal_name='Общество с ограниченной ответственностью "Ромашка"',
        kpp="770101001", city="Москва", source="сайт", manager=manager,
        phones=["8 (495) 111-22-33", "+7 900 000-00-00"],
        emails=["INFO@romashka.ru", "sales@romashka.com"],
        domains=["romashka.ru", "romashka.com"],
        addresses=["Москва,  Тверская 1", "Склад: Химки"], external_id="cp-B",
        notes="Заведена по звонку")
    stranger = f.make_counterparty(session, "Ромашка-Юг", inn=f.valid_inn(2), manager=other,
                                   external_id="cp-C")
    boris = f.make_contact(session, survivor, BORIS[0], emails=[BORIS[1]])
    anna = f.make_contact(session, duplicate, ANNA[0], emails=[ANNA[1]],
                          birthday=dt.date(1985, 4, 12))
    f.make_event(session, survivor, author=manager, subject="Звонок в Ромашку")
    f.make_event(session, duplicate, author=manager, subject="Звонок Анне", contact=anna)
    f.make_event(session, duplicate, author=manager, subject="Встреча по каталогу",
                 kind="meeting", state="planned",
                 start_at=dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC))
    session.add(Task(subject="Выставить счёт Ромашке", curator_id=head.id, assignee_id=manager.id,
                     counterparty_id=duplicate.id))
    f.make_order(session, survivor, number="A-1")
    order = f.make_order(session, duplicate, number="B-1", date=dt.date(2025, 1, 10))
    f.make_shipment(session, duplicate, order=order, revenue="50000.00",
                    date=dt.date(2025, 1, 20))
    f.make_payment(session, duplicate, order=order)
    f.make_invoice(session, duplicate, order=order)
    campaign = Campaign(name="Выставка «Печать-2025»", start=dt.date(2025, 3, 1), currency="RUB")
    other_campaign = Campaign(name="Рассылка к Новому году", start=dt.date(2024, 12, 1),
                              currency="RUB")
    session.add_all([campaign, other_campaign])
    session.flush()
    session.add_all([
        CampaignParticipant(campaign_id=campaign.id, counterparty_id=survivor.id),
        CampaignParticipant(campaign_id=campaign.id, counterparty_id=duplicate.id),
        CampaignParticipant(campaign_id=other_campaign.id, counterparty_id=duplicate.id),
    ])
    session.flush()
    box = mailstore.mailbox(session, "m1-box", owner=manager.login)
    raws = [
        letters.letter(message_id="both@romashka.ru", subject="Макет каталога", sender=ANNA,
                       to=[ME], cc=[BORIS], date=dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)),
        letters.letter(message_id="dup@romashka.ru", subject="Счёт на оплату", sender=ANNA,
                       to=[ME], date=dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)),
        letters.letter(message_id="amb@romashka.ru", subject="Вопрос о тираже",
                       sender=("Кто-то", "someone@romashka.ru"), to=[ME],
                       date=dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC)),
    ]
    mailstore.deliver(session, box, raws)
    session.commit()
    ids = dict(session.execute(select(Letter.message_id, Letter.id)).all())
    world = MergeWorld(
        survivor=survivor.id, duplicate=duplicate.id, stranger=stranger.id, anna=anna.id,
        boris=boris.id, both_letter=ids["both@romashka.ru"], dup_letter=ids["dup@romashka.ru"],
        ambiguous_letter=ids["amb@romashka.ru"], campaign=campaign.id,
    )
    _check(session, world)
    return world


def _check(session: Session, world: MergeWorld) -> None:
    """The world is as the tests assume (filing rules could change under them)."""
    linked = set(session.execute(select(LetterLink.letter_id, LetterLink.counterparty_id)).all())
    assert (world.both_letter, world.survivor) in linked
    assert (world.both_letter, world.duplicate) in linked
    assert (world.dup_letter, world.duplicate) in linked
    assert not any(letter == world.ambiguous_letter for letter, _cp in linked)
    ambiguity = session.scalars(select(AmbiguousMatch)).one()
    assert ambiguity.letter_id == world.ambiguous_letter
    assert sorted(map(int, ambiguity.candidate_ids.split(","))) == sorted(
        [world.survivor, world.duplicate])
    assert session.get(Counterparty, world.duplicate) is not None
