"""Fixtures for the search page: a search index, and on top of ``mail_world`` (manager1's and
manager2's personal mailboxes, a shared one granted to manager1) counterparties of two
managers, a shared and a personal contact person, an event, a task and a letter whose plain
text carries HTML-like markup.

A test module imports the fixtures it uses:
``from tests.web.search_world import search_index_fixture, search_world_fixture  # noqa: F401``
(named apart from the fixtures, so that a test's parameter does not shadow the import).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Mailbox, Task
from letterpress.search import create_schema
from letterpress.search.meta import forget
from letterpress.testing import factories, letters, mailstore
from tests.web.conftest import MailWorld, People

MARKUP_SUBJECT = "Договор <b>поставки</b>"
MARKUP_BODY = "Проект договора: <script>alert('XSS')</script> и <b>важно</b> подписать."


@dataclass
class SearchWorld:
    mail: MailWorld
    romashka: int  # manager1's counterparty (mail_world's)
    vector: int  # manager2's counterparty
    anna: int  # Ромашка's contact person (shared)
    boris: int  # manager2's personal contact, no counterparty
    call: int  # an event on Ромашка
    task: int  # manager1's task about Ромашка (the head supervises manager1)
    markup: int  # manager1's letter with <script> and <b> in its plain text


@pytest.fixture(name="search_index")
def search_index_fixture(app: Flask, engine: Engine) -> None:
    """The index, as migration 0002 makes it (``app`` first: the app installs the hooks)."""
    forget(engine)
    with engine.begin() as conn:
        create_schema(conn)


@pytest.fixture(name="search_world")
def search_world_fixture(
    search_index: None, request: pytest.FixtureRequest, session: Session, people: People
) -> SearchWorld:
    mail: MailWorld = request.getfixturevalue("mail_world")
    romashka = session.get(Counterparty, mail.romashka)
    assert romashka is not None
    vector = factories.make_counterparty(
        session, "Типография Вектор", manager=people.other, inn=factories.valid_inn(7),
        notes="Договор на печать каталогов.")
    anna = factories.make_contact(session, romashka, "Анна Смирнова",
                                  position="Менеджер по закупкам", emails=["anna@romashka.ru"])
    boris = factories.make_contact(session, None, "Борис Личный", owner=people.other,
                                   position="Сосед по даче")
    call = factories.make_event(session, romashka, author=people.manager,
                                subject="Звонок по договору",
                                content="Обсудили тираж каталогов и сроки.",
                                start_at=dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC))
    task = Task(subject="Подготовить договор для Ромашки", description="До конца месяца.",
                assignee_id=people.manager.id, counterparty_id=romashka.id,
                due_at=dt.datetime(2025, 3, 28, 12, 0, tzinfo=dt.UTC))
    session.add(task)
    box = session.get(Mailbox, mail.m1_box)
    assert box is not None
    outcome = mailstore.deliver(session, box, [letters.letter(
        message_id="markup@romashka.ru", subject=MARKUP_SUBJECT,
        sender=("Анна Смирнова", "anna@romashka.ru"), to=[("Иван Петров", "ivan@letterpress.test")],
        body=MARKUP_BODY, date=dt.datetime(2025, 3, 12, 8, 0, tzinfo=dt.UTC))])
    session.commit()
    return SearchWorld(mail=mail, romashka=romashka.id, vector=vector.id, anna=anna.id,
                       boris=boris.id, call=call.id, task=task.id,
                       markup=outcome.new_letter_ids[0])
