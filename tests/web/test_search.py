"""The search page: the form and its hint, word forms found and marked safely, a link per kind,
the form's filters, order, pages, and messages instead of errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.config import SearchSettings, Settings
from letterpress.testing.web import login_as
from letterpress.web.app import create_app
from letterpress.web.search.forms import SearchRequest
from letterpress.web.search.querytext import compose, quoted
from tests.web.conftest import People
from tests.web.search_world import (  # noqa: F401
    MARKUP_BODY,
    SearchWorld,
    search_index_fixture,
    search_world_fixture,
)


def _page(client: FlaskClient, status: int = 200, **args: str) -> str:
    response = client.get("/search/", query_string=args)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def _main(html: str) -> str:
    return html[html.index('<main'):]


def _hits(html: str) -> list[str]:
    """The links of the hits, in order ("" for a hit without one)."""
    return re.findall(r'<h2 class="search-hit__title">(?:<a href="([^"]+)">)?', html)


def test_an_empty_search_shows_the_form_with_a_hint(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.manager)
    html = _page(client)
    assert "Введите, что ищете" in html and "Как искать" in html
    assert "search-hit" not in html
    assert 'name="q"' in html and "autofocus" in html
    assert re.search(r'<a href="/search/" aria-current="page">Поиск</a>', html)
    assert 'id="topbar-search"' not in html  # one box on this page
    assert _page(client, q="   ").count("search-hit") == 0


def test_every_other_page_has_the_search_box_in_the_header(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.manager)
    html = client.get("/counterparties/").get_data(as_text=True)
    form = re.search(r'<form class="topbar-search" method="get" action="/search/" '
                     r'role="search" aria-label="Поиск везде">.*?</form>', html, re.DOTALL)
    assert form and 'name="q"' in form.group(0)


def test_word_forms_are_found_and_marked(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.manager)
    html = _main(_page(client, q="договоры"))  # the documents say договор, договора, договору
    assert f"/mail/letters/{search_world.markup}" in html
    assert "<mark>Договор</mark> &lt;b&gt;поставки&lt;/b&gt;" in html
    assert "Проект <mark>договора</mark>:" in html
    assert "Звонок по <mark>договору</mark>" in html
    assert "Результаты 1–4, сначала новые" in html


def test_snippets_are_escaped_and_only_the_marks_are_html(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    assert "<script>" in MARKUP_BODY and "<b>" in MARKUP_BODY
    login_as(client, people.manager)
    html = _main(_page(client, q="важно"))
    assert "&lt;script&gt;alert(&#x27;XSS&#x27;)&lt;/script&gt; и &lt;b&gt;<mark>важно</mark>" \
        "&lt;/b&gt; подписать." in html
    assert "<script" not in html and "<b>" not in html
    title = _main(_page(client, q="поставки"))
    assert "Договор &lt;b&gt;<mark>поставки</mark>&lt;/b&gt;" in title
    assert "<b>" not in title


def test_each_hit_links_to_its_object(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    w = search_world
    login_as(client, people.manager)
    assert _hits(_page(client, q="Ромашка", kind="counterparty")) == [
        f"/counterparties/{w.romashka}"]
    assert _hits(_page(client, q="Анна", kind="contact")) == [
        f"/counterparties/{w.romashka}#contacts"]
    assert _hits(_page(client, q="звонок", kind="event")) == [
        f"/counterparties/{w.romashka}?event={w.call}#event-{w.call}"]
    assert _hits(_page(client, q="поставки", kind="letter")) == [f"/mail/letters/{w.markup}"]
    task = _hits(_page(client, q="подготовить", kind="task"))
    assert task in ([f"/tasks/{w.task}"], [f"/counterparties/{w.romashka}"])
    # Hits that belong to a counterparty name it, with a link to its card.
    html = _page(client, q="звонок", kind="event")
    assert f'<a class="search-hit__counterparty" href="/counterparties/{w.romashka}">' \
        "ООО Ромашка</a>" in html
    # The pages behind the links open.
    for path in (f"/counterparties/{w.romashka}", f"/mail/letters/{w.markup}"):
        assert client.get(path).status_code == 200
    card = client.get(f"/counterparties/{w.romashka}?event={w.call}").get_data(as_text=True)
    assert f'id="event-{w.call}"' in card
    # A personal contact person with no counterparty has nothing to open.
    login_as(client, people.other)
    assert _hits(_page(client, q="Борис", kind="contact")) == [""]


def test_the_forms_filters_narrow_the_search(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    w, mail = search_world, search_world.mail
    login_as(client, people.manager)
    letter = f"/mail/letters/{w.markup}"
    # договор: the letter, the event, the task and the other manager's counterparty
    assert letter in _page(client, q="договор")
    only_letters = _page(client, q="договор", kind="letter")
    assert _hits(only_letters) == [letter]
    assert _hits(_page(client, q="тираж", mailbox="sales")) == [f"/mail/letters/{mail.shared}"]
    assert _hits(_page(client, q="макет", sender="anna@romashka.ru")) == [
        f"/mail/letters/{mail.hostile}"]
    assert _hits(_page(client, q="макет", recipient="Анна Смирнова")) == [
        f"/mail/letters/{mail.reply}"]
    # the reply is of 4 March (MSK), the first letter of 3 March; the end date is inclusive
    assert _hits(_page(client, q="макет", since="2025-03-04", until="2025-03-04")) == [
        f"/mail/letters/{mail.reply}"]
    assert _hits(_page(client, q="макет", until="2025-03-03")) == [
        f"/mail/letters/{mail.hostile}"]
    assert _hits(_page(client, q="макет", attachment="y")) == [f"/mail/letters/{mail.hostile}"]
    # filters alone list what matches them, newest first
    assert _hits(_page(client, counterparty="Вектор")) == [f"/counterparties/{w.vector}"]
    assert _hits(_page(client, counterparty='Типография "Вектор"')) == []
    # an open filter panel shows what is set
    html = _page(client, q="макет", attachment="y")
    assert '<details class="search-form__filters" open>' in html
    assert re.search(r'<input checked id="attachment"', html)


def test_a_mailbox_not_on_offer_is_dropped_quietly(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.manager)
    html = _page(client, q="секретное", mailbox="m2-box")
    assert '<option value="m2-box"' not in html  # manager2's mailbox is not offered
    assert f"/mail/letters/{search_world.mail.secret}" not in html
    assert "Ничего не найдено." in html


def test_newest_first_or_by_relevance(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.manager)
    newest = _page(client, q="договор", kind="letter")
    assert "сначала новые" in newest
    relevance = _page(client, q="договор", order="relevance")
    assert "по релевантности" in relevance
    assert '<option selected value="relevance">' in relevance
    assert _page(client, q="договор", order="nonsense").count("сначала новые") == 1


def test_results_come_in_pages(
    web_settings: Settings, engine: Engine, people: People, search_world: SearchWorld
) -> None:
    settings = dataclasses.replace(web_settings, search=SearchSettings(page_size=2))
    client = create_app(settings, engine=engine).test_client()
    login_as(client, people.manager)
    first = _page(client, kind="letter")  # manager1 reads eight letters: two per page
    assert len(_hits(first)) == 2 and "Результаты 1–2" in first
    assert 'rel="next" href="/search/?kind=letter&amp;page=2"' in first
    assert 'rel="prev"' not in first
    second = _page(client, kind="letter", page="2")
    assert len(_hits(second)) == 2 and "Результаты 3–4" in second
    assert 'rel="prev" href="/search/?kind=letter"' in second
    assert not set(_hits(first)) & set(_hits(second))
    last = _page(client, kind="letter", page="4")
    assert len(_hits(last)) == 2 and 'rel="next"' not in last
    assert "Ничего не найдено." in _page(client, kind="letter", page="99999999")
    assert _hits(_page(client, kind="letter", page="zero")) == _hits(first)


@pytest.mark.parametrize(("args", "message"), [
    ({"q": '"договор'}, "Кавычка в позиции 1 не закрыта: закройте её знаком &#34;"),
    ({"q": "договор OR"}, "OR должен стоять между двумя словами или фразами"),
    ({"q": "после:завтра"}, "после: нужна дата вида 2025-03-31"),
    ({"q": "тип:счёт"}, "тип:счёт — неизвестный тип"),
    ({"q": "-реклама"}, "Добавьте слово для поиска"),
    ({"q": "а" * 10_000}, "Запрос слишком длинный: 10,000 символов"),
    ({"q": "д*"}, "Перед * нужно не меньше 2 букв"),
    ({"q": "макет", "kind": "counterparty", "attachment": "y"},
     "относятся только к письмам"),
])
def test_a_malformed_search_gets_a_message_not_an_error(
    client: FlaskClient, people: People, search_world: SearchWorld, args: dict[str, str],
    message: str,
) -> None:
    login_as(client, people.manager)
    html = _page(client, 400, **args)
    assert "Поиск не выполнен." in html and message in html, _main(html)[-1500:]
    assert "Как искать" in html  # and how to write it instead
    assert "search-hit" not in html


@pytest.mark.parametrize("q", [
    "'; DROP TABLE letters; --", "договор\" OR 1=1 --", "NEAR(a b) * ^ {} []", "％ _ \\",
    "<script>alert(1)</script>", "kind:letter kind:task",
])
def test_hostile_searches_are_just_searches(
    client: FlaskClient, people: People, search_world: SearchWorld, q: str
) -> None:
    login_as(client, people.manager)
    response = client.get("/search/", query_string={"q": q})
    assert response.status_code in (200, 400)
    html = _main(response.get_data(as_text=True))
    assert "<script>alert" not in html
    assert client.get("/search/", query_string={"q": "макет"}).status_code == 200


def test_dates_the_form_cannot_read_are_marked(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.manager)
    html = _page(client, 400, q="макет", since="2025-03-05", until="2025-03-01")
    assert "Конечная дата раньше начальной." in html and "search-hit" not in html
    assert '<details class="search-form__filters" open>' in html
    html = _page(client, 400, q="макет", since="2025-13-45")
    assert 'aria-invalid="true"' in html and "Исправьте отмеченные выше фильтры." in html


def test_without_an_index_the_page_says_so(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    html = _page(client, 503, q="договор")
    assert "Поискового индекса ещё нет" in html and "letterpress reindex" in html


def test_the_page_speaks_english_too(
    client: FlaskClient, people: People, search_world: SearchWorld, session: Session
) -> None:
    people.manager.language = "en"
    session.commit()
    login_as(client, people.manager)
    html = _page(client, q="договоры")
    assert "Results 1–4, newest first" in html and "<mark>Договор</mark>" in html
    html = _page(client, 400, q='"договор')
    assert "The quote at character 1 is not closed" in html
    assert "from:ivanov" in _page(client)


# --- the form in the search language --------------------------------------------------------


def test_filters_become_the_search_language() -> None:
    wanted = SearchRequest(
        q="договор -реклама", kind="letter", counterparty="ООО «Ромашка»", sender="ivanov",
        recipient='Мария "М"', mailbox="sales", topic="календари",
        since=dt.date(2025, 3, 1), until=dt.date(2025, 3, 31), attachment=True)
    assert compose(wanted) == (
        'договор -реклама kind:letter counterparty:"ООО «Ромашка»" from:"ivanov" '
        'to:«Мария "М"» mailbox:"sales" topic:"календари" has:attachment after:2025-03-01 '
        "before:2025-04-01")
    assert compose(SearchRequest()) == ""
    assert compose(SearchRequest(until=dt.date.max)) == ""


def test_a_quoted_value_cannot_end_early() -> None:
    from letterpress.search.querylang import parse

    for value in ('a"b', 'a"b»c', 'a"b»c”d', "x:y kind:task", "-z OR w"):
        parsed = parse(f"counterparty:{quoted(value)}")
        assert len(parsed.filters.counterparties) == 1, value
        assert parsed.clauses == () and parsed.filters.kinds is None, value
    assert quoted('a"b»c”d') == '"a b c d"'
