"""The reminder engine with a controlled clock: each kind fires once, at the right moment in
the company's time zone, across restarts; birthday calls are made once a year."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from letterpress.config import CompanySettings, Settings
from letterpress.crm.events import register_event
from letterpress.crm.model import Anniversary, BirthdayCall, Event, Invoice, Order, Reminder, User
from letterpress.crm.reminders import (
    RunResult,
    dismiss,
    pending,
    run_due,
    set_user_settings,
    snooze,
)
from letterpress.crm.tasks import set_task
from letterpress.db.session import session_factory
from letterpress.testing.factories import make_contact, make_counterparty, make_user

MSK = ZoneInfo("Europe/Moscow")
SETTINGS = Settings()


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2025,
       tz: ZoneInfo = MSK) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def run(engine: Engine, now: dt.datetime, settings: Settings = SETTINGS) -> RunResult:
    """One pass in a fresh session, as a restarted scheduler would do it."""
    with session_factory(engine)() as session:
        result = run_due(session, settings, now)
        session.commit()
        return result


def kinds(result: RunResult) -> list[str]:
    return sorted(f.kind for f in result.fired)


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as session:
        head = make_user(session, "boss", role="head", email="boss@print.example")
        ivan = make_user(session, "ivan", email="ivan@print.example", supervisor=head)
        session.commit()
        return {"head": head.id, "ivan": ivan.id}


def test_planned_event_fires_once_at_lead_time(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        assert ivan is not None
        register_event(session, author=ivan, kind="meeting", state="planned",
                       start_at=at(10, 12), subject="Встреча")
        register_event(session, author=ivan, kind="outgoing_call", state="done",
                       start_at=at(10, 12), subject="Уже было")
        session.commit()
    assert run(engine, at(10, 11, 44)).fired == []
    assert kinds(run(engine, at(10, 11, 45))) == ["meeting"]
    assert run(engine, at(10, 11, 50)).fired == []
    assert run(engine, at(10, 12, 5)).fired == []
    with session_factory(engine)() as session:
        (reminder,) = pending(session, people["ivan"], at(10, 12))
        assert "Встреча" in reminder.title and reminder.state == "due"


def test_per_user_lead_time_and_moved_event(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        set_user_settings(session, people["ivan"], event_lead_minutes=60)
        ivan = session.get(User, people["ivan"])
        assert ivan is not None
        event = register_event(session, author=ivan, kind="outgoing_call", state="planned",
                               start_at=at(10, 12), subject="Звонок")
        session.commit()
        event_id = event.id
    assert run(engine, at(10, 10, 59)).fired == []
    assert kinds(run(engine, at(10, 11, 0))) == ["outgoing_call"]
    with session_factory(engine)() as session:
        event = session.get(Event, event_id)
        assert event is not None
        event.start_at = at(10, 16)
        session.commit()
    assert run(engine, at(10, 14, 59)).fired == []
    assert kinds(run(engine, at(10, 15, 0))) == ["outgoing_call"]  # the new time fires again


def test_orders_and_invoices_fire_in_the_morning(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        customer = make_counterparty(session, "ООО Заказчик", manager=ivan)
        supplier = make_counterparty(session, "ООО Бумага", kind="supplier", manager=ivan)
        session.add_all([
            Order(external_id="o1", direction="customer", number="ORD-1", date=dt.date(2025, 3, 1),
                  counterparty_id=customer.id, manager_id=ivan.id if ivan else None,
                  amount=Decimal(100), currency="RUB", planned_execution=dt.date(2025, 3, 12),
                  planned_shipment=dt.date(2025, 3, 12), planned_payment=dt.date(2025, 3, 20)),
            Order(external_id="o2", direction="supplier", number="SUP-1", date=dt.date(2025, 3, 1),
                  counterparty_id=supplier.id, amount=Decimal(50), currency="RUB",
                  planned_shipment=dt.date(2025, 3, 12)),
            Order(external_id="o3", direction="customer", number="ORD-3", date=dt.date(2025, 3, 1),
                  counterparty_id=customer.id, amount=Decimal(1), currency="RUB",
                  planned_shipment=dt.date(2025, 3, 12), state="completed"),
            Invoice(external_id="i1", direction="customer", number="СЧ-1", date=dt.date(2025, 3, 1),
                    counterparty_id=customer.id, amount=Decimal(100), currency="RUB",
                    due=dt.date(2025, 3, 14), paid=Decimal(40)),
            Invoice(external_id="i2", direction="supplier", number="П-7", date=dt.date(2025, 3, 1),
                    counterparty_id=supplier.id, amount=Decimal(70), currency="RUB",
                    due=dt.date(2025, 3, 14)),
            Invoice(external_id="i3", direction="customer", number="СЧ-2", date=dt.date(2025, 3, 1),
                    counterparty_id=customer.id, amount=Decimal(10), currency="RUB",
                    due=dt.date(2025, 3, 14), paid=Decimal(10)),
        ])
        session.commit()
    assert run(engine, at(11, 8, 59)).fired == []
    fired = run(engine, at(11, 9, 0))
    assert kinds(fired) == ["invoice_customer", "invoice_supplier", "order_execution",
                            "order_shipment", "order_shipment"]
    titles = " | ".join(f.title for f in fired.fired)
    assert "Заказ поставщику № SUP-1" in titles and "60.00 RUB" in titles
    assert run(engine, at(11, 18, 0)).fired == []
    assert kinds(run(engine, at(19, 9, 0))) == ["order_payment"]


def test_birthday_call_is_made_once_per_year(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        company = make_counterparty(session, "ООО Юбиляр", manager=ivan)
        person = make_contact(session, company, "Ольга Юбилярова", birthday=dt.date(1980, 3, 12))
        person.anniversaries.append(Anniversary(label="День свадьбы", date=dt.date(2005, 6, 1)))
        session.commit()
        person_id = person.id
    assert run(engine, at(11, 8, 0)).fired == []
    first = run(engine, at(11, 9, 0))
    assert kinds(first) == ["birthday"] and len(first.birthday_calls) == 1
    for hour in range(9, 24):  # a scheduler running all day
        for minute in (0, 30):
            again = run(engine, at(11, hour, minute))
            assert again.fired == [] and again.birthday_calls == []
    assert run(engine, at(12, 9, 0)).birthday_calls == []
    with session_factory(engine)() as session:
        (call,) = session.scalars(select(Event).where(Event.contact_person_id == person_id))
        assert (call.kind, call.state, call.responsible_id) == ("outgoing_call", "planned",
                                                                 people["ivan"])
        assert call.start_at == at(12, 10)
        assert "Ольга Юбилярова" in call.subject
    next_year = run(engine, at(11, 9, 0, year=2026))
    assert kinds(next_year) == ["birthday"] and len(next_year.birthday_calls) == 1
    assert kinds(run(engine, at(31, 9, 0, month=5))) == ["anniversary"]
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(BirthdayCall)) == 3


def test_company_time_zone_decides_the_moment(engine: Engine, people: dict[str, int]) -> None:
    vladivostok = dataclasses.replace(SETTINGS, company=CompanySettings(timezone="Asia/Vladivostok"))
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        make_contact(session, make_counterparty(session, manager=ivan), "Дальний Восток",
                     birthday=dt.date(1970, 3, 12))
        session.commit()
    utc = dt.UTC
    assert run(engine, dt.datetime(2025, 3, 10, 22, 59, tzinfo=utc), vladivostok).fired == []
    fired = run(engine, dt.datetime(2025, 3, 10, 23, 0, tzinfo=utc), vladivostok)  # 09:00 +10
    assert kinds(fired) == ["birthday"]
    with session_factory(engine)() as session:
        call = session.get(Event, fired.birthday_calls[0])
        assert call is not None
        assert call.start_at == dt.datetime(2025, 3, 12, 10, tzinfo=ZoneInfo("Asia/Vladivostok"))


def test_tasks_near_and_past_due(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        head = session.get(User, people["head"])
        assert head is not None
        set_task(session, curator=head, assignee_id=people["ivan"], subject="Отчёт",
                 due_at=at(11, 18))
        session.commit()
    assert run(engine, at(10, 17, 59)).fired == []
    assert kinds(run(engine, at(10, 18, 0))) == ["task_due"]
    assert run(engine, at(11, 17, 0)).fired == []
    assert kinds(run(engine, at(11, 18, 0))) == ["task_overdue"]
    assert run(engine, at(12, 18, 0)).fired == []


def test_snooze_and_dismiss_are_remembered(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        assert ivan is not None
        register_event(session, author=ivan, kind="meeting", state="planned",
                       start_at=at(10, 12), subject="A")
        register_event(session, author=ivan, kind="meeting", state="planned",
                       start_at=at(10, 12, 5), subject="B")
        session.commit()
    fired = run(engine, at(10, 11, 55))
    first, second = sorted(fired.fired, key=lambda f: f.title)
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        assert ivan is not None
        snooze(session, SETTINGS, ivan, first.reminder_id, at(10, 11, 55))
        dismiss(session, ivan, second.reminder_id)
        session.commit()
        assert pending(session, ivan.id, at(10, 11, 56)) == []
    later = run(engine, at(10, 12, 10))
    assert later.fired == [] and later.resurfaced == [first.reminder_id]
    with session_factory(engine)() as session:
        states = dict(session.execute(select(Reminder.id, Reminder.state)).all())
        assert states == {first.reminder_id: "due", second.reminder_id: "done"}


def test_morning_digest_once_a_day(engine: Engine, people: dict[str, int]) -> None:
    with session_factory(engine)() as session:
        ivan = session.get(User, people["ivan"])
        assert ivan is not None
        register_event(session, author=ivan, kind="outgoing_call", state="planned",
                       start_at=at(10, 15), subject="Позвонить в Ромашку")
        session.commit()
    assert run(engine, at(10, 8, 0)).digests == []
    digests = run(engine, at(10, 9, 0)).digests
    (mine,) = [d for d in digests if d[0] == "ivan@print.example"]
    assert "15:00" in mine[2] and "Позвонить в Ромашку" in mine[2]
    assert run(engine, at(10, 9, 30)).digests == []
    with session_factory(engine)() as session:
        set_user_settings(session, people["ivan"], digest=False)
        session.commit()
    assert [d for d in run(engine, at(11, 9, 0)).digests if d[0] == "ivan@print.example"] == []
