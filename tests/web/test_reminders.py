"""The reminders panel: what it shows and to whom, snoozing, dismissing, the settings, and the
due count in every page's header."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from letterpress.config import CompanySettings, Settings
from letterpress.crm import reminders
from letterpress.crm.model import Reminder, ReminderSettings, User
from letterpress.crm.tasks import set_task
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.app import create_app
from tests.web.conftest import People

UTC = dt.UTC
MOSCOW = ZoneInfo("Europe/Moscow")
_serial = iter(range(1, 10_000))


def make_reminder(session: Session, user: User, title: str, *, kind: str = "event",
                  source: str | None = None, state: str = "due",
                  target_at: dt.datetime | None = None, **extra: Any) -> Reminder:
    now = dt.datetime.now(UTC)
    reminder = Reminder(
        user_id=user.id, kind=kind, source=source or f"test:{next(_serial)}",
        occurrence=str(next(_serial)), title=title, target_at=target_at or now,
        remind_at=now - dt.timedelta(minutes=15), fired_at=now, state=state, **extra)
    session.add(reminder)
    session.flush()
    return reminder


@dataclass
class World:
    romashka: int
    meeting: Reminder  # a planned meeting at Ромашка
    own_event: Reminder  # an event without a counterparty
    order: Reminder
    invoice: Reminder
    birthday: Reminder
    task: Reminder
    task_id: int
    back: Reminder  # snoozed, and its time has come
    later: Reminder  # snoozed until later today
    done: Reminder  # dismissed yesterday
    old: Reminder  # dismissed a month ago
    others: Reminder  # manager2's


@pytest.fixture
def world(session: Session, people: People) -> World:
    f = factories
    now = dt.datetime.now(UTC)
    manager = people.manager
    cp = f.make_counterparty(session, "ООО Ромашка", manager=manager)
    meeting = f.make_event(session, cp, author=manager, kind="meeting", state="planned",
                           subject="Показ образцов", start_at=now + dt.timedelta(minutes=10))
    lonely = f.make_event(session, None, author=manager, kind="other", state="planned",
                          subject="Планёрка", start_at=dt.datetime(2031, 3, 4, 7, tzinfo=UTC))
    order = f.make_order(session, cp, number="З-0042")
    invoice = f.make_invoice(session, cp, number="СЧ-7")
    anna = f.make_contact(session, cp, "Анна Смирнова", birthday=dt.date(1980, 5, 17))
    task = set_task(session, curator=people.head, assignee_id=manager.id,
                    subject="Позвонить в Ромашку", due_at=now - dt.timedelta(hours=1))
    r = make_reminder
    found = World(
        romashka=cp.id,
        meeting=r(session, manager, "Встреча: Показ образцов (ООО Ромашка)", kind="meeting",
                  source=f"event:{meeting.id}", event_id=meeting.id,
                  target_at=now + dt.timedelta(minutes=10)),
        own_event=r(session, manager, "Событие: Планёрка", source=f"event:{lonely.id}",
                    event_id=lonely.id, target_at=dt.datetime(2031, 3, 4, 7, tzinfo=UTC)),
        order=r(session, manager, "Заказ покупателя № З-0042 (ООО Ромашка): отгрузка",
                kind="order_shipment", source=f"order:{order.id}:shipment"),
        invoice=r(session, manager, "Ожидается оплата счёта № СЧ-7 (ООО Ромашка)",
                  kind="invoice_customer", source=f"invoice:{invoice.id}"),
        birthday=r(session, manager, "День рождения: Анна Смирнова (ООО Ромашка), 17.05",
                   kind="birthday", source=f"contact:{anna.id}:birthday"),
        task=r(session, manager, "Просрочена задача: Позвонить в Ромашку",
               kind="task_overdue", source=f"task:{task.id}:overdue", task_id=task.id),
        task_id=task.id,
        back=r(session, manager, "Отложенное и вернувшееся", state="snoozed",
               snoozed_until=now - dt.timedelta(minutes=5)),
        later=r(session, manager, "Отложенное на потом", state="snoozed",
                snoozed_until=now + dt.timedelta(hours=2)),
        done=r(session, manager, "Сделанное вчера", state="done",
               updated_at=now - dt.timedelta(days=1)),
        old=r(session, manager, "Сделанное месяц назад", state="done",
              updated_at=now - dt.timedelta(days=30)),
        others=r(session, people.other, "Напоминание Петра"),
    )
    session.commit()
    return found


DUE_TITLES = ("Встреча: Показ образцов (ООО Ромашка)", "Событие: Планёрка",
              "Заказ покупателя № З-0042 (ООО Ромашка): отгрузка",
              "Ожидается оплата счёта № СЧ-7 (ООО Ромашка)",
              "День рождения: Анна Смирнова (ООО Ромашка), 17.05",
              "Просрочена задача: Позвонить в Ромашку", "Отложенное и вернувшееся")


def reread(session: Session) -> None:
    """End the test's read transaction and forget the rows it loaded, to see what the app
    committed meanwhile."""
    session.rollback()
    session.expire_all()


def get(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


_COUNT_RE = re.compile(r'id="due-reminders">[^<]*(?:<span class="count"[^>]*>(\d+)</span>)?</a>')


def header_count(page: str) -> int:
    found = _COUNT_RE.search(page)
    assert found, "no reminders link in the header"
    return int(found.group(1) or 0)


# --- the panel ---------------------------------------------------------------------------------


def test_the_panel_shows_own_reminders_by_state(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.manager)
    page = get(client, "/reminders/")
    due, snoozed, done = section(page, "due"), section(page, "snoozed"), section(page, "done")
    for title in DUE_TITLES:
        assert title in due, title
    assert "Отложенное на потом" in snoozed and "Отложенное на потом" not in due
    assert world.later.snoozed_until is not None
    until = world.later.snoozed_until.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    assert "Отложено до" in snoozed and until in snoozed
    assert "Сделанное вчера" in done and "Сделанное месяц назад" not in page
    assert "Напоминание Петра" not in page
    for label in ("Встреча", "Заказ: отгрузка", "Счёт покупателю", "День рождения",
                  "Просроченное задание"):
        assert label in due, label
    assert header_count(page) == len(DUE_TITLES)
    # Every due reminder has the three snooze choices and "done", each a form with a token.
    assert due.count('value="short"') == len(DUE_TITLES)
    assert due.count('name="csrf_token"') == 2 * len(DUE_TITLES)
    assert "15 мин" in due and "1 час" in due and "Завтра в 9:00" in due
    assert 'href="/tasks/"' in page and 'href="/calendar/"' in page


def test_each_reminder_links_to_what_it_is_about(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.manager)
    page = get(client, "/reminders/")

    def link(reminder: Reminder) -> str:
        item = page.split(f'id="reminder-{reminder.id}"')[1].split("</li>")[0]
        found = re.search(r'<a href="([^"]+)">', item)
        assert found, item
        return found.group(1)

    card = f"/counterparties/{world.romashka}"
    assert link(world.meeting) == f"{card}#event-{world.meeting.event_id}"
    assert link(world.order) == f"{card}#open-orders"
    assert link(world.invoice) == f"{card}#documents"
    assert link(world.birthday) == f"{card}#contacts"
    assert link(world.task) == f"/tasks/{world.task_id}"
    assert link(world.own_event) == "/calendar/?date=2031-03-04"  # the day in Moscow
    item = page.split(f'id="reminder-{world.back.id}"')[1].split("</li>")[0]
    assert "<a href" not in item  # about nothing one can open


@pytest.mark.parametrize("viewer", ["manager", "other", "head", "admin", None])
def test_panel_permission_matrix(
    client: FlaskClient, people: People, world: World, viewer: str | None
) -> None:
    """Reminders are personal: nobody, a head or an administrator included, sees another's."""
    if viewer is None:
        response = client.get("/reminders/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    login_as(client, getattr(people, viewer))
    page = get(client, "/reminders/")
    assert ("Встреча: Показ образцов" in page) == (viewer == "manager")
    assert ("Напоминание Петра" in page) == (viewer == "other")
    assert header_count(page) == {"manager": len(DUE_TITLES), "other": 1}.get(viewer, 0)


# --- snoozing ----------------------------------------------------------------------------------


def snooze(client: FlaskClient, reminder: Reminder, choice: str,
           token: str | None = "") -> int:
    data = {"snooze": choice}
    if token == "":
        token = csrf_token(client, "/reminders/")
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/reminders/{reminder.id}/snooze", data=data).status_code


@pytest.mark.parametrize(("choice", "delay"), [
    ("short", dt.timedelta(minutes=15)), ("hour", dt.timedelta(hours=1)),
])
def test_snoozing_for_a_while(
    client: FlaskClient, people: People, world: World, session: Session, choice: str,
    delay: dt.timedelta,
) -> None:
    login_as(client, people.manager)
    before = dt.datetime.now(UTC)
    assert snooze(client, world.order, choice) == 302
    after = dt.datetime.now(UTC)
    reread(session)
    reminder = session.get(Reminder, world.order.id)
    assert reminder is not None and reminder.state == "snoozed"
    assert reminder.snoozed_until is not None
    assert before + delay <= reminder.snoozed_until <= after + delay
    page = get(client, "/reminders/")
    assert "Заказ покупателя № З-0042" in section(page, "snoozed")
    assert "Заказ покупателя № З-0042" not in section(page, "due")
    assert header_count(page) == len(DUE_TITLES) - 1


def _tomorrow_morning(tz: ZoneInfo) -> set[dt.datetime]:
    """9:00 tomorrow in ``tz`` as UTC (two candidates if the test runs across midnight)."""
    today = dt.datetime.now(tz).date()
    return {dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9), tz).astimezone(UTC)
            for day in (today, today - dt.timedelta(days=1))}


def test_snoozing_until_tomorrow_morning_in_the_company_time_zone(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    login_as(client, people.manager)
    expected = _tomorrow_morning(MOSCOW)
    response = client.post(f"/reminders/{world.task.id}/snooze", data={
        "snooze": "tomorrow", "csrf_token": csrf_token(client, "/reminders/")})
    assert response.status_code == 302
    reread(session)
    until = session.get(Reminder, world.task.id).snoozed_until  # type: ignore[union-attr]
    assert until in expected
    assert until is not None and until.astimezone(UTC).hour == 6  # 9:00 in Moscow is 6:00 UTC
    page = get(client, "/reminders/")
    assert "Напоминание отложено до " + until.astimezone(MOSCOW).strftime("%d.%m.%Y 09:00") in page


def test_tomorrow_morning_follows_the_configured_time_zone(
    web_settings: Settings, engine: Engine, people: People, world: World, session: Session
) -> None:
    tz = "Asia/Vladivostok"
    settings = dataclasses.replace(web_settings, company=CompanySettings(timezone=tz))
    app = create_app(settings, engine=engine)
    client = app.test_client()
    login_as(client, people.manager)
    expected = _tomorrow_morning(ZoneInfo(tz))
    assert snooze(client, world.task, "tomorrow") == 302
    reread(session)
    until = session.get(Reminder, world.task.id).snoozed_until  # type: ignore[union-attr]
    assert until in expected
    assert until is not None and until.astimezone(UTC).hour == 23  # 9:00 at UTC+10


@pytest.mark.parametrize("token", [None, "forged"])
def test_snoozing_needs_the_csrf_token(
    client: FlaskClient, people: People, world: World, session: Session, token: str | None
) -> None:
    login_as(client, people.manager)
    assert snooze(client, world.order, "hour", token=token) == 400
    reread(session)
    assert session.get(Reminder, world.order.id).state == "due"  # type: ignore[union-attr]


@pytest.mark.parametrize(("actor", "status"), [
    ("manager", 302), ("other", 403), ("head", 403), ("admin", 403),
])
def test_nobody_snoozes_or_dismisses_anothers_reminder(
    client: FlaskClient, people: People, world: World, session: Session, actor: str,
    status: int,
) -> None:
    login_as(client, getattr(people, actor))
    assert snooze(client, world.order, "hour") == status
    token = csrf_token(client, "/reminders/")
    response = client.post(f"/reminders/{world.invoice.id}/dismiss", data={"csrf_token": token})
    assert response.status_code == status
    reread(session)
    order = session.get(Reminder, world.order.id)
    invoice = session.get(Reminder, world.invoice.id)
    assert order is not None and invoice is not None
    assert (order.state, invoice.state) == (
        ("snoozed", "done") if status == 302 else ("due", "due"))


def test_signed_out_snoozing_and_dismissing_change_nothing(
    client: FlaskClient, world: World, session: Session
) -> None:
    token = csrf_token(client)  # the login page's token
    for action, data in (("snooze", {"snooze": "hour"}), ("dismiss", {})):
        response = client.post(f"/reminders/{world.order.id}/{action}",
                               data={**data, "csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    reread(session)
    assert session.get(Reminder, world.order.id).state == "due"  # type: ignore[union-attr]


def test_an_unknown_reminder_or_choice(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.manager)
    token = csrf_token(client, "/reminders/")
    assert client.post("/reminders/999999/snooze",
                       data={"snooze": "hour", "csrf_token": token}).status_code == 404
    assert client.post("/reminders/999999/dismiss",
                       data={"csrf_token": token}).status_code == 404
    assert snooze(client, world.order, "forever") == 400
    assert client.get(f"/reminders/{world.order.id}/snooze").status_code == 405


# --- dismissing and the header count -----------------------------------------------------------


def test_dismissing_moves_a_reminder_to_done_and_lowers_the_header_count(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    login_as(client, people.manager)
    before = header_count(get(client, "/counterparties/"))
    assert before == len(DUE_TITLES)
    response = client.post(f"/reminders/{world.meeting.id}/dismiss",
                           data={"csrf_token": csrf_token(client, "/reminders/")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reminders/")
    page = get(client, "/reminders/")
    assert "Напоминание выполнено." in page
    assert "Показ образцов" in section(page, "done")
    assert "Показ образцов" not in section(page, "due")
    assert header_count(page) == before - 1
    assert header_count(get(client, "/counterparties/")) == before - 1
    reread(session)
    assert session.get(Reminder, world.meeting.id).state == "done"  # type: ignore[union-attr]


@pytest.mark.parametrize("token", [None, "forged"])
def test_dismissing_needs_the_csrf_token(
    client: FlaskClient, people: People, world: World, session: Session, token: str | None
) -> None:
    login_as(client, people.manager)
    data = {} if token is None else {"csrf_token": token}
    assert client.post(f"/reminders/{world.meeting.id}/dismiss", data=data).status_code == 400
    reread(session)
    assert session.get(Reminder, world.meeting.id).state == "due"  # type: ignore[union-attr]


def test_the_header_count_matches_what_the_engine_calls_pending(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    now = dt.datetime.now(UTC)
    for user in (people.manager, people.other, people.head):
        assert reminders.count_pending(session, user.id, now) == len(
            reminders.pending(session, user.id, now))


def test_the_header_counts_with_count_pendings_query(
    people: People, world: World, session: Session
) -> None:
    """The header runs count_pending's COUNT built once with parameters: the same answers,
    the snoozed reminders' time included."""
    from letterpress.web.reminders.header import pending_count

    now = dt.datetime.now(UTC)
    for user in (people.manager, people.other, people.head):
        for moment in (now, now + dt.timedelta(hours=3), now - dt.timedelta(days=1)):
            assert session.scalar(pending_count(), {"user_id": user.id, "now": moment}) == (
                reminders.count_pending(session, user.id, moment)), (user.login, moment)
    assert session.scalar(pending_count(), {"user_id": people.manager.id, "now": now}) != (
        session.scalar(pending_count(), {"user_id": people.manager.id,
                                         "now": now + dt.timedelta(hours=3)}))


def test_no_count_without_due_reminders_and_nothing_for_signed_out_pages(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.head)  # the reminders table is empty
    page = get(client, "/counterparties/")
    assert header_count(page) == 0
    assert 'class="count"' not in page.split('id="due-reminders"')[1].split("</a>")[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/counterparties/")})
    assert 'id="due-reminders"' not in get(client, "/login")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_header_costs_one_count_a_page_and_nothing_when_signed_out(
    app: Flask, engine: Engine, people: People, world: World
) -> None:
    client = app.test_client()
    with statements(engine) as seen:
        client.get("/login")
    assert not [s for s in seen if "reminders" in s]
    login_as(client, people.manager)
    with statements(engine) as seen:
        get(client, "/counterparties/")
    about_reminders = [s for s in seen if "reminders" in s]
    assert len(about_reminders) == 1 and "count(" in about_reminders[0].lower()
    with statements(engine) as seen:
        get(client, "/no-such-page", 404)  # error pages carry the header too
    assert len([s for s in seen if "reminders" in s]) == 1


# --- settings ----------------------------------------------------------------------------------


def test_the_settings_form_shows_what_applies_and_saves_only_changes(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    login_as(client, people.manager)
    form = section(get(client, "/reminders/"), "settings")
    assert 'name="event_lead_minutes"' in form and 'value="15"' in form
    assert 'name="task_lead_hours"' in form and 'value="24"' in form
    assert 'name="digest"' in form and "checked" in form
    response = client.post("/reminders/settings", data={
        "csrf_token": csrf_token(client, "/reminders/"), "event_lead_minutes": "30",
        "task_lead_hours": "24", "digest": "y"})
    assert response.status_code == 302
    reread(session)
    row = session.get(ReminderSettings, people.manager.id)
    assert row is not None
    # Only the changed value is the user's own; the others keep following the company default.
    assert (row.event_lead_minutes, row.task_lead_hours, row.digest) == (30, None, None)
    page = get(client, "/reminders/")
    assert "Настройки напоминаний сохранены." in page
    assert 'value="30"' in section(page, "settings")
    client.post("/reminders/settings", data={
        "csrf_token": csrf_token(client, "/reminders/"), "event_lead_minutes": "30",
        "task_lead_hours": "2"})  # digest unticked
    reread(session)
    row = session.get(ReminderSettings, people.manager.id)
    assert row is not None
    assert (row.event_lead_minutes, row.task_lead_hours, row.digest) == (30, 2, False)
    assert session.get(ReminderSettings, people.other.id) is None


@pytest.mark.parametrize(("minutes", "message"), [
    ("-5", "От 0 до 10080."), ("", "Введите число минут."), ("abc", "Неверное целое число."),
])
def test_bad_settings_are_refused(
    client: FlaskClient, people: People, session: Session, minutes: str, message: str
) -> None:
    login_as(client, people.manager)
    response = client.post("/reminders/settings", data={
        "csrf_token": csrf_token(client, "/reminders/"), "event_lead_minutes": minutes,
        "task_lead_hours": "24", "digest": "y"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.get(ReminderSettings, people.manager.id) is None


def test_settings_need_the_csrf_token(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    response = client.post("/reminders/settings", data={
        "event_lead_minutes": "30", "task_lead_hours": "24", "digest": "y"})
    assert response.status_code == 400
    assert session.get(ReminderSettings, people.manager.id) is None


# --- with the real engine ----------------------------------------------------------------------


def test_a_reminder_fired_by_the_engine_appears_on_the_panel(
    client: FlaskClient, people: People, session: Session, web_settings: Settings
) -> None:
    now = dt.datetime.now(UTC)
    cp = factories.make_counterparty(session, "ООО Василёк", manager=people.manager)
    meeting = factories.make_event(session, cp, author=people.manager, kind="meeting",
                                   state="planned", subject="Подписание договора",
                                   start_at=now + dt.timedelta(minutes=10))
    result = reminders.run_due(session, web_settings, now)
    session.commit()
    assert [f.user_id for f in result.fired] == [people.manager.id]
    login_as(client, people.manager)
    page = get(client, "/reminders/")
    due = section(page, "due")
    assert "Подписание договора" in due and "ООО Василёк" in due
    assert f'href="/counterparties/{cp.id}#event-{meeting.id}"' in due
    assert header_count(page) == 1
