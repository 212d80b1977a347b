"""The counterparty card: what it shows, to whom, and registering and closing events on it."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from letterpress.crm.analytics import parse_period
from letterpress.crm.model import (
    AbcResult,
    AnalyticsRun,
    ContactPerson,
    Counterparty,
    Event,
    StageChange,
    User,
    XyzResult,
)
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from tests.web.conftest import People

UTC = dt.UTC


@dataclass
class CardData:
    counterparty: Counterparty
    planned: Event


@pytest.fixture
def card(people: People, session: Session) -> CardData:
    f = factories
    cp = f.make_counterparty(
        session, "ООО Ромашка", legal_name="ООО «Ромашка»", inn=f.valid_inn(1), kpp="770101001",
        city="Москва", manager=people.manager, phones=["+7 495 123-45-67"],
        emails=["info@romashka.ru"], addresses=["Москва, ул. Ленина, 1"], domains=["romashka.ru"],
    )
    anna = f.make_contact(session, cp, "Анна Смирнова", position="Главный бухгалтер",
                          phones=["+7 916 000-00-01"], emails=["anna@romashka.ru"],
                          birthday=dt.date(1980, 5, 17))
    f.make_contact(session, cp, "Личный контакт Петра", owner=people.other)
    f.make_contact(session, cp, "Мой личный контакт", owner=people.manager)
    f.make_event(session, cp, author=people.manager, contact=anna, subject="Обсудили макет",
                 content="Клиент просит\nдва варианта обложки",
                 start_at=dt.datetime(2025, 3, 3, 7, 30, tzinfo=UTC))
    f.make_event(session, cp, author=people.manager, state="cancelled", subject="Не дозвонились")
    planned = f.make_event(session, cp, author=people.manager, kind="meeting", state="planned",
                           subject="Встреча в офисе", content="Показать образцы",
                           start_at=dt.datetime(2031, 1, 10, 12, tzinfo=UTC))
    open_order = f.make_order(session, cp, number="З-0001", amount="125000.50",
                              planned_shipment=dt.date(2020, 1, 1))
    f.make_order(session, cp, number="З-0002", state="completed")
    f.make_order(session, cp, number="ЗП-0003", direction="supplier")
    f.make_shipment(session, cp, order=open_order, revenue="50000")
    f.make_payment(session, cp, order=open_order, amount="60000")
    f.make_invoice(session, cp, order=open_order, number="СЧ-77", amount="125000.50")
    other = f.make_counterparty(session, "Чужой контрагент")
    f.make_event(session, other, author=people.other, subject="Событие чужого контрагента")
    session.commit()
    return CardData(counterparty=cp, planned=planned)


def page_of(client: FlaskClient, card: CardData) -> str:
    response = client.get(f"/counterparties/{card.counterparty.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_card_shows_details_channels_contacts_events_orders_and_documents(
    client: FlaskClient, people: People, card: CardData
) -> None:
    login_as(client, people.manager)
    page = page_of(client, card)
    for text in (
        "ООО «Ромашка»", factories.valid_inn(1), "770101001", "Иван Петров",
        'href="tel:+74951234567"', "info@romashka.ru", "Москва, ул. Ленина, 1", "romashka.ru",
        "Анна Смирнова", "Главный бухгалтер", "17.05.1980",
        "Обсудили макет", "Клиент просит\nдва варианта обложки", "с Анна Смирнова",
        "03.03.2025 10:30",  # Moscow time
        "Не дозвонились", "Отменено",
        "Встреча в офисе", "Показать образцы",
        "З-0001", "125\xa0000,50\xa0₽", "просрочено", "ЗП-0003", "Заказ поставщику",
        "Выполнен", "СЧ-77", "50\xa0000,00", "60\xa0000,00",  # no-break spaces
        "Неисполненные заказы", "Запланированные события", "История событий",
    ):
        assert text in page, text
    assert "Событие чужого контрагента" not in page
    open_orders = page.split('id="open-orders"')[1].split("</section>")[0]
    assert "З-0001" in open_orders and "ЗП-0003" in open_orders and "З-0002" not in open_orders
    planned = page.split('id="planned"')[1].split("</section>")[0]
    assert "Встреча в офисе" in planned and "Обсудили макет" not in planned


def test_personal_contacts_are_shown_to_their_owner_only(
    client: FlaskClient, people: People, card: CardData
) -> None:
    login_as(client, people.manager)
    page = page_of(client, card)
    assert "Мой личный контакт" in page and "Личный контакт Петра" not in page
    login_as(client, people.other)
    page = page_of(client, card)
    assert "Личный контакт Петра" in page and "Мой личный контакт" not in page


def test_registering_a_done_event(
    client: FlaskClient, people: People, card: CardData, session: Session
) -> None:
    login_as(client, people.other)
    cp = card.counterparty
    contact = session.execute(
        select(Event.contact_person_id).where(Event.subject == "Обсудили макет")
    ).scalar_one()
    response = client.post(f"/counterparties/{cp.id}/events", data={
        "event-csrf_token": csrf_token(client, f"/counterparties/{cp.id}"),
        "event-state": "done", "event-kind": "incoming_call",
        "event-start_at": "2025-04-02T15:45", "event-contact_person": str(contact),
        "event-subject": "Звонок о тираже", "event-content": "Тираж 5000 экз.",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/counterparties/{cp.id}#history")
    session.rollback()
    event = session.scalars(select(Event).where(Event.subject == "Звонок о тираже")).one()
    assert (event.kind, event.state, event.author_id, event.responsible_id) == (
        "incoming_call", "done", people.other.id, people.other.id)
    assert event.counterparty_id == cp.id and event.contact_person_id == contact
    assert event.start_at == dt.datetime(2025, 4, 2, 12, 45, tzinfo=UTC)  # 15:45 in Moscow
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Событие зарегистрировано." in page
    assert "Звонок о тираже" in page and "Тираж 5000 экз." in page


def test_planning_an_event(
    client: FlaskClient, people: People, card: CardData, session: Session
) -> None:
    login_as(client, people.manager)
    cp = card.counterparty
    response = client.post(f"/counterparties/{cp.id}/events", data={
        "event-csrf_token": csrf_token(client, f"/counterparties/{cp.id}"),
        "event-state": "planned", "event-kind": "meeting",
        "event-start_at": "2031-02-01T10:00", "event-end_at": "2031-02-01T11:30",
        "event-contact_person": "0", "event-subject": "Согласовать договор",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("#planned")
    page = client.get(f"/counterparties/{cp.id}").get_data(as_text=True)
    planned = page.split('id="planned"')[1].split("</section>")[0]
    assert "Согласовать договор" in planned
    session.rollback()
    event = session.scalars(select(Event).where(Event.subject == "Согласовать договор")).one()
    assert event.state == "planned" and event.contact_person_id is None
    assert event.end_at == dt.datetime(2031, 2, 1, 8, 30, tzinfo=UTC)


def test_a_bad_event_form_is_shown_again_with_messages(
    client: FlaskClient, people: People, card: CardData, session: Session
) -> None:
    login_as(client, people.manager)
    cp = card.counterparty
    response = client.post(f"/counterparties/{cp.id}/events", data={
        "event-csrf_token": csrf_token(client, f"/counterparties/{cp.id}"),
        "event-state": "done", "event-kind": "outgoing_call",
        "event-start_at": "2025-04-02T15:45", "event-end_at": "2025-04-02T14:00",
        "event-subject": "",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Укажите тему." in page and "Окончание раньше начала." in page
    assert 'aria-invalid="true"' in page


def test_someone_elses_personal_contact_cannot_be_chosen(
    client: FlaskClient, people: People, card: CardData, session: Session
) -> None:
    hidden = session.scalars(
        select(ContactPerson.id).where(ContactPerson.name == "Личный контакт Петра")
    ).one()
    login_as(client, people.manager)
    cp = card.counterparty
    response = client.post(f"/counterparties/{cp.id}/events", data={
        "event-csrf_token": csrf_token(client, f"/counterparties/{cp.id}"),
        "event-state": "done", "event-kind": "outgoing_call",
        "event-start_at": "2025-04-02T15:45", "event-contact_person": str(hidden),
        "event-subject": "Попытка",
    })
    assert response.status_code == 400
    session.rollback()
    assert session.scalars(select(Event).where(Event.subject == "Попытка")).first() is None


def test_closing_a_planned_event(
    client: FlaskClient, people: People, card: CardData, session: Session
) -> None:
    cp, planned = card.counterparty, card.planned
    path = f"/counterparties/{cp.id}/events/{planned.id}/state"
    # Another manager sees the event but may not close it, and gets no button for it.
    login_as(client, people.other)
    page = page_of(client, card)
    assert path not in page
    token = csrf_token(client, f"/counterparties/{cp.id}")
    refused = client.post(path, data={"csrf_token": token, "state": "done"})
    assert refused.status_code == 403
    # The responsible manager closes it with a result.
    login_as(client, people.manager)
    assert path in page_of(client, card)
    token = csrf_token(client, f"/counterparties/{cp.id}")
    response = client.post(path, data={"csrf_token": token, "state": "done",
                                       "result": "Договорились о тираже"})
    assert response.status_code == 302
    session.expire_all()
    event = session.get(Event, planned.id)
    assert event is not None and event.state == "done"
    assert event.content == "Показать образцы\n\nДоговорились о тираже"
    assert "Событие выполнено." in client.get(f"/counterparties/{cp.id}").get_data(as_text=True)
    # A second click (or a stale page) finds it closed already.
    token = csrf_token(client, f"/counterparties/{cp.id}")
    again = client.post(path, data={"csrf_token": token, "state": "cancelled"})
    assert again.status_code == 409
    session.expire_all()
    assert session.get(Event, planned.id).state == "done"  # type: ignore[union-attr]


def test_an_event_of_another_counterparty_is_not_found_here(
    client: FlaskClient, people: People, card: CardData
) -> None:
    login_as(client, people.admin)
    token = csrf_token(client, f"/counterparties/{card.counterparty.id}")
    other = card.counterparty.id + 1000
    response = client.post(f"/counterparties/{other}/events/{card.planned.id}/state",
                           data={"csrf_token": token, "state": "done"})
    assert response.status_code == 404


def test_long_histories_page_newest_first(
    client: FlaskClient, people: People, session: Session
) -> None:
    cp = factories.make_counterparty(session, "Постоянный клиент")
    calls = {day: factories.make_event(
        session, cp, author=people.manager, subject=f"Звонок {day}",
        start_at=dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(days=day))
        for day in range(1, 56)}
    session.commit()
    login_as(client, people.manager)

    def history(query: str = "") -> str:
        page = client.get(f"/counterparties/{cp.id}{query}").get_data(as_text=True)
        return page.split('id="history"')[1].split("</section>")[0]

    first = history()
    assert first.count('class="event ') == 20  # HISTORY_PAGE
    assert "Звонок 55<" in first and "Звонок 36<" in first and "Звонок 35<" not in first
    assert f'href="/counterparties/{cp.id}?history_page=3#history"' in first
    assert '<span class="count">55</span>' in first
    third = history("?history_page=3")
    assert "Звонок 15<" in third and "Звонок 1<" in third and "Звонок 16<" not in third
    # A link to one event (search hits use it) opens the page that holds it.
    assert "Звонок 5<" in history(f"?event={calls[5].id}")
    assert "Звонок 40<" in history(f"?event={calls[40].id}")
    assert "Звонок 55<" not in history(f"?event={calls[5].id}&history_page=1")
    # Out of range pages show the last one; every event on request.
    assert "Звонок 1<" in history("?history_page=99")
    full = history("?history=all")
    assert full.count('class="event ') == 55 and "Звонок 5<" in full


def test_values_in_translated_phrases_are_escaped(
    client: FlaskClient, people: People, session: Session
) -> None:
    """Order numbers and contact names fill formats translated once per page (see
    routes._card_phrases): they are escaped like everything else."""
    cp = factories.make_counterparty(session, "Клиент")
    person = factories.make_contact(session, cp, "<b>Анна</b>")
    order = factories.make_order(session, cp, number="<i>З-1</i>")
    factories.make_invoice(session, cp, order=order, number="<s>СЧ-1</s>")
    factories.make_event(session, cp, author=people.manager, contact=person, subject="Звонок")
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{cp.id}").get_data(as_text=True)
    assert "с &lt;b&gt;Анна&lt;/b&gt;" in page
    assert "&lt;i&gt;З-1&lt;/i&gt; от 01.02.2025" in page
    assert "заказ &lt;i&gt;З-1&lt;/i&gt;" in page and "&lt;s&gt;СЧ-1&lt;/s&gt;" in page
    assert "<b>Анна" not in page and "<i>З-1" not in page and "<s>СЧ" not in page


def test_the_card_asks_a_dozen_statements_whatever_its_size(
    client: FlaskClient, people: People, session: Session, card: CardData, engine: Engine
) -> None:
    """Statements do not grow with the counterparty's events, orders, documents, contact
    persons, stored classes or stage changes (the correspondence's threads are a panel of their
    own: /threads). 11 on SQLite, its BEGIN included: a manager's card asks one statement for
    the classes and stages and one for whom the viewer may set a task to; the counts come with
    the counterparty and the unfulfilled orders with the documents (issue 7)."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    login_as(client, people.manager)
    path = f"/counterparties/{card.counterparty.id}"
    client.get(path)  # sign-in and first-use work out of the way
    sqlalchemy_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
        small = len(statements)
        f, cp = factories, card.counterparty
        start = dt.datetime(2025, 1, 1, 9, tzinfo=UTC)
        for i in range(30):
            f.make_event(session, cp, author=people.other, subject=f"Звонок {i}",
                         start_at=start + dt.timedelta(days=i))
            f.make_event(session, cp, author=people.manager, state="planned",
                         subject=f"План {i}", start_at=start + dt.timedelta(days=3000 + i))
            contact = f.make_contact(session, cp, f"Контакт {i}", phones=[f"+7 900 000-00-{i:02d}"])
            order = f.make_order(session, cp, number=f"З-1{i:03d}")
            f.make_shipment(session, cp, order=order)
            f.make_payment(session, cp, order=order)
            f.make_invoice(session, cp, order=order, number=f"СЧ-1{i:03d}")
            month = dt.date(2020 + i // 12, i % 12 + 1, 1)
            label = f"{month.year - 1}-{month.month:02d}..{month:%Y-%m}"
            _stored(session, "abc", label, abc_measure="revenue")
            _abc(session, cp, label, "A", 100 * i, 1.0, 1)
            _stage(session, cp, month, "regular" if i % 2 else "lost",
                   "lost" if i % 2 else "regular", people.head if i % 2 else people.other)
            assert contact.id
        session.commit()
        statements.clear()
        page = client.get(path)
        assert page.status_code == 200
        shown = page.get_data(as_text=True)
        assert "План 0" in shown and "Звонок 29" in shown and "2021-06..2022-06" in shown
        assert len(statements) == small <= 11, statements
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", count)


# --- ABC, XYZ and stage; the actions beside the name -------------------------------------------

NOW, BEFORE, OLD = "2024-10..2025-09", "2024-07..2025-06", "2024-01..2024-12"


def _stored(session: Session, kind: str, label: str, **used: object) -> None:
    """A run that stored ``label`` (crm.analytics.history reads the stored periods from runs)."""
    period = parse_period(label)
    done = dt.datetime(2025, 10, 2, 3, tzinfo=UTC)
    session.add(AnalyticsRun(kind=kind, period_start=period.start, period_end=period.end,
                             settings=json.dumps(used), started_at=done, finished_at=done))


def _abc(session: Session, cp: Counterparty, label: str, klass: str, kopecks: int,
         cumulative: float, rank: int) -> None:
    period = parse_period(label)
    session.add(AbcResult(period_start=period.start, period_end=period.end, measure="revenue",
                          counterparty_id=cp.id, value=kopecks, share=0.1,
                          cumulative_share=cumulative, rank=rank, abc_class=klass))


def _stage(session: Session, cp: Counterparty, month: dt.date, before: str | None, after: str,
           manager: User | None) -> None:
    session.add(StageChange(counterparty_id=cp.id, month_no=month.year * 12 + month.month - 1,
                            month=month, from_stage=before, to_stage=after,
                            manager_id=manager.id if manager else None))


@pytest.fixture
def classed(session: Session, people: People, card: CardData) -> Counterparty:
    """ООО Ромашка: B now (1 234 567,89 ₽, 87.5 % cumulative) and Y (cv 62.5 %), A and not
    regular the period before, no sales in the oldest stored period; one-time from 2024-11 under
    Пётр Сидоров, regular from 2025-03 under Иван Петров. Returns the other counterparty, which
    the stored analytics do not know (it is ranked in the oldest period only)."""
    cp = card.counterparty
    big = factories.make_counterparty(session, "Крупный клиент")
    for label in (OLD, BEFORE, NOW):
        _stored(session, "abc", label, abc_measure="revenue")
    for label in (BEFORE, NOW):
        _stored(session, "xyz", label, xyz_measure="revenue", xyz_bucket="month")
    _stored(session, "totals", "2014-01..2025-10")
    _abc(session, cp, NOW, "B", 123_456_789, 0.875, 2)
    _abc(session, cp, BEFORE, "A", 200_000_000, 0.6, 1)
    _abc(session, big, OLD, "A", 100, 1.0, 1)
    now = parse_period(NOW)
    session.add(XyzResult(period_start=now.start, period_end=now.end, measure="revenue",
                          bucket="month", counterparty_id=cp.id, buckets=12, total=123_456_789,
                          cv=0.625, xyz_class="Y"))
    _stage(session, cp, dt.date(2024, 11, 1), None, "one_time", people.other)
    _stage(session, cp, dt.date(2025, 3, 1), "one_time", "regular", people.manager)
    session.commit()
    return big


def classes_of(page: str) -> str:
    return page.split('id="classes"')[1].split("</section>")[0]


def rows_of(html: str) -> list[str]:
    """The table rows' text, tags dropped and spaces squeezed."""
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL)]


def test_the_card_shows_the_classes_and_the_stage_now_and_their_history(
    client: FlaskClient, people: People, card: CardData, classed: Counterparty
) -> None:
    login_as(client, people.other)  # not the responsible manager: the card is everyone's
    section = classes_of(page_of(client, card))
    now = section.split("</dl>")[0]
    for text in ('class-mark--b">B<', "Выручка: 1\xa0234\xa0567,89\xa0₽",
                 "накопленная доля 87,5%", f"период {NOW}",
                 'class-mark--y">Y<', "коэффициент вариации 62,5%",
                 "Постоянный покупатель", "с 2025-03", "до этого: Разовый покупатель",
                 "на 02.10.2025"):
        assert text in now, text
    periods, stages = section.split("</table>")[:2]
    assert rows_of(periods)[1:] == [
        f"{NOW} B 1 234 567,89 ₽ Y 62,5%",
        f"{BEFORE} A 2 000 000,00 ₽ без класса",
        f"{OLD} нет продаж —",
    ]
    assert rows_of(stages)[1:] == [
        "2025-03 Разовый покупатель → Постоянный покупатель Иван Петров",
        "2024-11 Разовый покупатель Пётр Сидоров",
    ]


def test_a_counterparty_without_sales_is_shown_as_such(
    client: FlaskClient, people: People, classed: Counterparty
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{classed.id}").get_data(as_text=True)
    now = classes_of(page).split("</dl>")[0]
    for text in ("нет продаж", f"Нет продаж за период {NOW}", "без класса",
                 f"Не постоянный покупатель на конец периода {NOW}",
                 "нет в реестре покупателей"):
        assert text in now, text
    assert "class-mark--a" not in now
    assert "Стадия не менялась." in classes_of(page)
    assert f"{OLD} A" in " ".join(rows_of(classes_of(page)))  # its one class, in the history


def test_before_any_analytics_the_section_says_so(
    client: FlaskClient, people: People, card: CardData
) -> None:
    login_as(client, people.manager)
    section = classes_of(page_of(client, card))
    assert "Аналитика ещё не рассчитана" in section
    assert "<table" not in section and "class-mark" not in section


@pytest.mark.parametrize(("viewer", "allowed"), [
    ("manager", False), ("other", False), ("head", True), ("admin", True),
])
def test_the_task_link_is_there_for_those_who_may_set_tasks(
    client: FlaskClient, people: People, card: CardData, viewer: str, allowed: bool
) -> None:
    """As /tasks/new decides: a head sets tasks to the team, an administrator to anyone, a
    manager without subordinates to nobody."""
    login_as(client, getattr(people, viewer))
    cp = card.counterparty
    link = f'href="/tasks/new?counterparty={cp.id}">Поставить задание<'
    assert (link in page_of(client, card)) == allowed
    form = client.get(f"/tasks/new?counterparty={cp.id}")
    assert form.status_code == (200 if allowed else 403)
    if allowed:
        assert 'value="ООО Ромашка"' in form.get_data(as_text=True)


def test_the_letter_link_writes_to_the_first_e_mail(
    client: FlaskClient, people: People, session: Session
) -> None:
    with_mail = factories.make_counterparty(session, "С почтой",
                                            emails=["sales@example.ru", "buh@example.ru"])
    without = factories.make_counterparty(session, "Без почты")
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{with_mail.id}").get_data(as_text=True)
    assert 'href="mailto:sales@example.ru">Написать письмо<' in page
    assert "Написать письмо" not in client.get(f"/counterparties/{without.id}").get_data(
        as_text=True)


@pytest.mark.parametrize(("viewer", "status"), [
    ("manager", 200), ("other", 200), ("head", 200), ("admin", 200), ("inactive", 302),
    (None, 302),
])
def test_the_card_permission_matrix(
    client: FlaskClient, people: People, card: CardData, classed: Counterparty,
    viewer: str | None, status: int
) -> None:
    """Every active user sees every counterparty's card, its classes and stage included."""
    if viewer is not None:
        login_as(client, getattr(people, viewer))
    response = client.get(f"/counterparties/{card.counterparty.id}")
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
        return
    page = response.get_data(as_text=True)
    assert "ООО Ромашка" in page and 'class-mark--b">B<' in page
