"""The counterparty list's ABC class, stage and topic filters and columns, and each row's actions.

Classes and stage changes are written by hand here, as ``letterpress analytics run`` would have
stored them; the list reads the newest stored period of the configured measure and each
counterparty's latest stage change, and shows both only to those who may see the manager's
analytics (``report_manager_ids``). Page size 5.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.model import AbcResult, Counterparty, Event, LetterTopic, StageChange, User
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.app import create_app
from letterpress.web.counterparties import queries
from tests.web.conftest import MailWorld, People

_NAME_RE = re.compile(r'class="counterparty-link" href="/counterparties/\d+">([^<]+)</a>')
_ROW_RE = re.compile(r"<tr>\s*<td data-label=[^>]*class=\"cell-main\">(.*?)</tr>", re.DOTALL)

NEWEST = (dt.date(2024, 6, 1), dt.date(2025, 5, 1))  # twelve months to May 2025
OLDER = (dt.date(2024, 1, 1), dt.date(2024, 12, 1))
SHORTER = (dt.date(2025, 3, 1), dt.date(2025, 5, 1))  # ends with NEWEST: the longer one counts
LATER_ORDERS = (dt.date(2024, 7, 1), dt.date(2025, 6, 1))  # another measure


def names(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/counterparties/{query}")
    assert response.status_code == 200
    return _NAME_RE.findall(response.get_data(as_text=True))


def rows(client: FlaskClient, query: str = "") -> dict[str, str]:
    """Each listed counterparty's row (its HTML from the name cell on), by name."""
    page = client.get(f"/counterparties/{query}").get_data(as_text=True)
    found = {}
    for row in _ROW_RE.findall(page):
        name = _NAME_RE.search(row)
        assert name is not None
        found[name.group(1)] = row
    return found


def _abc(session: Session, cp: Counterparty, period: tuple[dt.date, dt.date], cls: str,
         measure: str = "revenue") -> None:
    session.add(AbcResult(period_start=period[0], period_end=period[1], measure=measure,
                          counterparty_id=cp.id, value=100, share=.1, cumulative_share=.5,
                          rank=1, abc_class=cls))


def _stages(session: Session, cp: Counterparty, *changes: tuple[int, str]) -> None:
    """Stage changes in month numbers of 2024 (1 = January), oldest first."""
    before: str | None = None
    for month, stage in changes:
        first = dt.date(2024, month, 1)
        session.add(StageChange(counterparty_id=cp.id, month_no=2024 * 12 + month - 1,
                                month=first, from_stage=before, to_stage=stage,
                                manager_id=cp.manager_id))
        before = stage


@dataclass
class World:
    alfa: Counterparty
    beta: Counterparty
    gamma: Counterparty
    delta: Counterparty
    epsilon: Counterparty
    supplier: Counterparty


@pytest.fixture
def world(session: Session, people: People) -> World:
    f = factories
    m, o = people.manager, people.other
    w = World(
        alfa=f.make_counterparty(session, "Альфа", city="Москва", manager=m,
                                 emails=["info@alfa.example", "second@alfa.example"]),
        beta=f.make_counterparty(session, "Бета", city="Тверь", manager=m,
                                 emails=["beta@beta.example"]),
        gamma=f.make_counterparty(session, "Гамма", city="Москва", manager=o),
        delta=f.make_counterparty(session, "Дельта", city="Казань", manager=o),
        epsilon=f.make_counterparty(session, "Эпсилон", city="Москва", manager=m),
        supplier=f.make_counterparty(session, "Поставщик", kind="supplier", city="Тверь"),
    )
    _abc(session, w.alfa, NEWEST, "A")
    _abc(session, w.beta, NEWEST, "B")
    _abc(session, w.beta, OLDER, "A")
    _abc(session, w.gamma, NEWEST, "A")
    _abc(session, w.delta, NEWEST, "C")
    _abc(session, w.epsilon, OLDER, "C")  # not in the newest period: not classed now
    _abc(session, w.epsilon, SHORTER, "A")
    _abc(session, w.alfa, SHORTER, "C")
    _abc(session, w.epsilon, LATER_ORDERS, "A", measure="orders")
    _abc(session, w.delta, LATER_ORDERS, "B", measure="orders")
    _stages(session, w.alfa, (2, "potential"), (3, "one_time"), (6, "regular"))
    _stages(session, w.beta, (1, "potential"), (3, "one_time"), (10, "lost"))
    _stages(session, w.gamma, (1, "regular"))
    _stages(session, w.delta, (4, "potential"), (11, "one_time"))
    _stages(session, w.epsilon, (12, "potential"))
    session.commit()
    return w


def test_abc_filter_reads_the_newest_period_of_the_measure(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.admin)
    assert names(client, "?abc=A") == ["Альфа", "Гамма"]
    assert names(client, "?abc=B") == ["Бета"]  # A in an older period
    assert names(client, "?abc=C") == ["Дельта"]  # Альфа's C is of a shorter period
    assert names(client, "?abc=none") == ["Поставщик", "Эпсилон"]
    assert len(names(client, "?abc=D")) == 5  # a value the form does not offer: ignored
    assert '<td data-label="Класс ABC" class="abc">A</td>' in rows(client)["Альфа"]
    assert '<td data-label="Класс ABC" class="abc"></td>' in rows(client, "?abc=none")["Эпсилон"]


def test_the_configured_measure_decides_the_class(
    web_settings: Settings, engine: Engine, people: People, world: World
) -> None:
    settings = dataclasses.replace(web_settings,
                                   analytics=AnalyticsSettings(abc_measure="orders"))
    app = create_app(settings, engine=engine)
    client = app.test_client()
    login_as(client, people.admin)
    assert names(client, "?abc=A") == ["Эпсилон"]
    assert names(client, "?abc=B") == ["Дельта"]
    assert names(client, "?abc=none") == ["Альфа", "Бета", "Гамма", "Поставщик"]


def test_without_stored_classes_everyone_is_not_classed(
    client: FlaskClient, people: People, session: Session
) -> None:
    factories.make_counterparty(session, "Один", manager=people.manager)
    session.commit()
    login_as(client, people.admin)
    assert names(client, "?abc=A") == []
    assert names(client, "?abc=none") == ["Один"]
    assert names(client, "?sort=abc") == ["Один"]


def test_stage_filter_reads_the_latest_change(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.admin)
    assert names(client, "?stage=lost") == ["Бета"]
    assert names(client, "?stage=regular") == ["Альфа", "Гамма"]
    assert names(client, "?stage=one_time") == ["Дельта"]  # not Альфа's or Бета's old one
    assert names(client, "?stage=potential") == ["Эпсилон"]
    assert len(names(client, "?stage=vip")) == 5
    page = rows(client, "?stage=lost")
    assert '<td data-label="Стадия">Потерянный</td>' in page["Бета"]
    html = client.get("/counterparties/").get_data(as_text=True)
    for option in ("Потенциальный", "Разовый", "Постоянный", "Потерянный", "Без класса",
                   "Все классы", "Все стадии", "Предмет письма"):
        assert f">{option}<" in html or f">{option}</label>" in html, option


def test_filters_combine_with_each_other_and_with_sorting_and_pages(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    for n in range(5):
        factories.make_counterparty(session, f"Юнона {n}", city="Москва", manager=people.manager)
    session.commit()
    login_as(client, people.admin)
    assert names(client, "?abc=A&stage=regular&city=Москва") == ["Альфа", "Гамма"]
    assert names(client, f"?abc=A&manager={people.other.id}") == ["Гамма"]
    assert names(client, "?abc=A&stage=lost") == []
    assert names(client, "?stage=regular&q=гам") == ["Гамма"]
    assert names(client, "?abc=none&kind=supplier") == ["Поставщик"]
    # Seven without a class: two pages, and every link keeps the filters.
    first = client.get("/counterparties/?abc=none&city=Москва").get_data(as_text=True)
    assert "Найдено 6 контрагентов" in first
    assert 'href="/counterparties/?abc=none&amp;city=Москва&amp;page=2"' in first.replace(
        "%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0", "Москва")
    for key in ("name", "abc", "stage", "manager"):
        assert re.search(rf'href="/counterparties/\?abc=none&amp;city=[^"]*sort={key}(&amp;dir=desc)?"', first)
    assert names(client, "?abc=none&city=Москва&page=2") == ["Юнона 4"]
    assert names(client, "?abc=none&city=Москва&sort=name&dir=desc&page=2") == ["Эпсилон"]
    selected = client.get("/counterparties/?abc=C&stage=one_time").get_data(as_text=True)
    assert '<option selected value="C">C</option>' in selected
    assert '<option selected value="one_time">Разовый</option>' in selected


def test_sorting_by_class_and_stage(client: FlaskClient, people: People, world: World) -> None:
    login_as(client, people.admin)
    assert names(client, "?sort=abc") == ["Альфа", "Гамма", "Бета", "Дельта", "Поставщик"]
    assert names(client, "?sort=abc&dir=desc")[:4] == ["Дельта", "Бета", "Альфа", "Гамма"]
    # In the order of the funnel: potential, one-time, regular, lost; none last.
    assert names(client, "?sort=stage") == ["Эпсилон", "Дельта", "Альфа", "Гамма", "Бета"]
    assert names(client, "?sort=stage&dir=desc")[:2] == ["Бета", "Альфа"]
    page = client.get("/counterparties/?sort=stage").get_data(as_text=True)
    assert 'aria-sort="ascending"' in page


@pytest.mark.parametrize(("who", "a", "not_classed", "regular", "shown"), [
    # A manager sees the classes and stages of their own customers, a head their team's, an
    # administrator everyone's (as on the analytics dashboards); the rows themselves are shared.
    ("manager", ["Альфа"], ["Эпсилон"], ["Альфа"], {"Альфа", "Бета", "Эпсилон"}),
    ("other", ["Гамма"], [], ["Гамма"], {"Гамма", "Дельта"}),
    ("head", ["Альфа", "Гамма"], ["Эпсилон"], ["Альфа", "Гамма"],
     {"Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"}),
    ("admin", ["Альфа", "Гамма"], ["Поставщик", "Эпсилон"], ["Альфа", "Гамма"],
     {"Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"}),
])
def test_classes_and_stages_follow_the_analytics_permission(
    client: FlaskClient, people: People, world: World, who: str, a: list[str],
    not_classed: list[str], regular: list[str], shown: set[str],
) -> None:
    login_as(client, getattr(people, who))
    everyone = ["Альфа", "Бета", "Гамма", "Дельта", "Поставщик", "Эпсилон"]
    assert names(client, "?page=1") + names(client, "?page=2") == everyone
    assert names(client, "?abc=A") == a
    assert names(client, "?abc=none") == not_classed
    assert names(client, "?stage=regular") == regular
    with_figures = {
        name for page in ("?page=1", "?page=2") for name, row in rows(client, page).items()
        if re.search(r'class="abc">[ABC]</td>', row)
    }
    assert with_figures == shown - {"Эпсилон"}  # Эпсилон has a stage but no class
    with_stage = {
        name for page in ("?page=1", "?page=2") for name, row in rows(client, page).items()
        if re.search(r'data-label="Стадия">[^<]+</td>', row)
    }
    assert with_stage == shown


def test_nobody_signed_out_or_inactive_sees_the_list(
    client: FlaskClient, people: People, world: World
) -> None:
    for query in ("", "?abc=A", "?stage=regular&topic=x"):
        response = client.get(f"/counterparties/{query}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    login_as(client, people.inactive)
    response = client.get("/counterparties/?abc=A")
    assert response.status_code == 302 and "Альфа" not in response.get_data(as_text=True)


# --- topics ---------------------------------------------------------------------------------


def _tag(session: Session, letter_id: int, topic: str, source: str = "rule") -> None:
    session.add(LetterTopic(letter_id=letter_id, topic=topic, source=source))
    session.commit()


@pytest.mark.parametrize(("who", "tirazh", "kalendari", "shared"), [
    # manager1 reads their own box and the shared one; manager2 their own; the head reads no
    # one's personal box (head_sees_team_mail is off); the administrator reads every box.
    ("manager", True, False, True),
    ("other", False, True, False),
    ("head", False, False, False),
    ("admin", True, True, True),
])
def test_topic_filter_counts_only_letters_the_viewer_may_read(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session, who: str,
    tirazh: bool, kalendari: bool, shared: bool,
) -> None:
    _tag(session, mail_world.hostile, "Тиражи")  # in manager1's box
    _tag(session, mail_world.secret, "Календари", "manual")  # in manager2's box
    _tag(session, mail_world.shared, "Заявки")  # in the shared box granted to manager1
    login_as(client, getattr(people, who))
    assert (names(client, "?topic=тиражи") == ["ООО Ромашка"]) is tirazh
    assert (names(client, "?topic=КАЛЕНДАРИ") == ["ООО Ромашка"]) is kalendari
    assert (names(client, "?topic=%20заявки%20") == ["ООО Ромашка"]) is shared
    assert names(client, "?topic=печать") == []


def test_topic_filter_combines_and_offers_the_configured_topics(
    web_settings: Settings, engine: Engine, people: People, mail_world: MailWorld,
    session: Session,
) -> None:
    from letterpress.config import MailSettings, TopicSettings

    _tag(session, mail_world.hostile, "Календари")
    settings = dataclasses.replace(web_settings, mail=MailSettings(topics=(
        TopicSettings(name="Календари", keywords=("календар",)),
        TopicSettings(name="Визитки", keywords=("визитк",)),
    )))
    client = create_app(settings, engine=engine).test_client()
    login_as(client, people.manager)
    assert names(client, "?topic=календари&city=Москва") == ["ООО Ромашка"]
    assert names(client, "?topic=календари&city=Москва&abc=A") == []
    assert names(client, "?topic=Визитки") == []
    page = client.get("/counterparties/?topic=календари").get_data(as_text=True)
    assert 'list="topic-options"' in page and 'value="календари"' in page
    assert re.search(r'<datalist id="topic-options">\s*<option value="Визитки">'
                     r'<option value="Календари">\s*</datalist>', page)


# --- row actions ----------------------------------------------------------------------------


def test_each_row_offers_the_card_events_and_a_letter(
    client: FlaskClient, people: People, world: World
) -> None:
    login_as(client, people.manager)
    found = rows(client)
    alfa, gamma = found["Альфа"], found["Гамма"]
    card = f"/counterparties/{world.alfa.id}"
    assert ('<summary class="row-menu__toggle"><span class="row-menu__label">Действия'
            '<span class="visually-hidden">: Альфа</span></span></summary>') in alfa
    assert f'<a href="{card}">Открыть карточку</a>' in alfa
    assert f'<a href="{card}?new_event=done#new-event">Зарегистрировать выполненное событие</a>' in alfa
    assert f'<a href="{card}?new_event=planned#new-event">Запланировать событие</a>' in alfa
    # The first e-mail by position; none without an e-mail.
    assert '<a href="mailto:info@alfa.example">Написать письмо</a>' in alfa
    assert "second@alfa.example" not in alfa
    assert "Написать письмо" not in gamma and "mailto:" not in gamma
    # Another manager's counterparty: shared history, so events may be added to it too.
    assert f'/counterparties/{world.gamma.id}?new_event=planned#new-event' in gamma


def test_rows_offer_no_event_the_permission_function_would_refuse(
    client: FlaskClient, people: People, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int, int | None]] = []

    def own_only(user: User, counterparty: Counterparty) -> bool:
        asked.append((counterparty.id, counterparty.manager_id))
        return counterparty.manager_id == user.id

    monkeypatch.setattr(queries, "can_add_event", own_only)
    login_as(client, people.manager)
    found = rows(client)
    assert sorted(asked) == sorted((cp.id, cp.manager_id) for cp in (
        world.alfa, world.beta, world.gamma, world.delta, world.supplier))
    for name, row in found.items():
        offered = "new_event=" in row
        assert offered is (name in ("Альфа", "Бета")), name
        assert "Открыть карточку" in row


def test_the_row_links_open_the_cards_event_form_preselected(
    client: FlaskClient, people: People, world: World, session: Session
) -> None:
    login_as(client, people.manager)
    card = f"/counterparties/{world.gamma.id}"
    planned = client.get(f"{card}?new_event=planned").get_data(as_text=True)
    done = client.get(f"{card}?new_event=done").get_data(as_text=True)

    def chosen(page: str) -> list[str]:
        radios = re.findall(r'<input[^>]*name="event-state"[^>]*>', page)
        assert len(radios) == 2
        return [re.search(r'value="(\w+)"', r).group(1) for r in radios  # type: ignore[union-attr]
                if re.search(r"\schecked[\s>]", r)]

    assert 'id="new-event"' in planned
    assert chosen(planned) == ["planned"]
    assert chosen(done) == ["done"]
    assert chosen(client.get(card).get_data(as_text=True)) == ["done"]
    form = {"event-state": "planned", "event-kind": "outgoing_call",
            "event-start_at": "2025-06-02T10:00", "event-subject": "Позвонить про тираж",
            "event-contact_person": "0"}
    refused = client.post(f"{card}/events", data=form)
    assert refused.status_code == 400  # no CSRF token
    token = csrf_token(client, f"{card}?new_event=planned")
    saved = client.post(f"{card}/events", data={**form, "event-csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#planned")
    event = session.scalar(select(Event).where(Event.subject == "Позвонить про тираж"))
    assert event is not None and event.state == "planned"
    assert event.counterparty_id == world.gamma.id and event.author_id == people.manager.id


def test_the_list_asks_the_same_few_statements_whatever_the_filters(
    app: Flask, client: FlaskClient, people: People, world: World, engine: Engine
) -> None:
    from sqlalchemy import event as sa_event

    login_as(client, people.head)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def run(query: str) -> int:
        statements.clear()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/counterparties/{query}").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    plain = run("")
    assert run("?abc=A&stage=regular&topic=x&sort=stage") <= plain + 2  # the readable mailboxes
    assert run("?page=2&sort=abc&dir=desc") == plain


def test_the_city_filter_offers_each_city_once(session: Session, people: People) -> None:
    """The cities come from a walk of the city index (one probe a city), not from reading every
    counterparty: each once, in the reader's order, without the counterparties that have none."""
    for city in ("Тверь", "Москва", "Тверь", None, "Ёлкино", "Москва", "Елец", "Казань"):
        factories.make_counterparty(session, city=city)
    session.commit()
    options = queries.filter_options(session)
    assert options.cities == ["Елец", "Ёлкино", "Казань", "Москва", "Тверь"]
    session.query(Counterparty).update({Counterparty.city: None})
    assert queries.filter_options(session).cities == []
