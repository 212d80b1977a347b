"""The counterparty list: filters, text search, sorting and pages (page size 5 in these tests)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress.testing import factories
from letterpress.testing.web import login_as
from tests.web.conftest import People

UTC = dt.UTC
_NAME_RE = re.compile(r'class="counterparty-link" href="/counterparties/\d+">([^<]+)</a>')


def names(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/counterparties/{query}")
    assert response.status_code == 200
    return _NAME_RE.findall(response.get_data(as_text=True))


@pytest.fixture
def listed(client: FlaskClient, people: People, session: Session) -> FlaskClient:
    f = factories
    m, o = people.manager, people.other
    f.make_counterparty(session, "ООО Ромашка", legal_name="Общество «Ромашка»", city="Москва",
                        manager=m, inn=f.valid_inn(1), emails=["info@romashka.ru"])
    f.make_counterparty(session, "Бумажная фабрика", kind="supplier", city="Тверь", manager=o,
                        inn=f.valid_inn(2), emails=["sales@paper.example"])
    f.make_counterparty(session, "АО Ёлка", kind="both", city="Москва", manager=m)
    f.make_counterparty(session, "Иванов И. И.", kind="person", city="Казань")
    f.make_counterparty(session, "Типография Вектор", city="Тверь", manager=o)
    f.make_counterparty(session, "ЗАО Звезда", legal_name="Закрытое общество Звезда",
                        city="Москва", manager=m)
    cp = f.make_counterparty(session, "ООО Астра", city="Казань", manager=m)
    f.make_event(session, cp, author=m, start_at=dt.datetime(2025, 5, 1, 9, tzinfo=UTC))
    session.commit()
    login_as(client, people.manager)
    return client


def test_pages_of_five_in_name_order(listed: FlaskClient) -> None:
    first = listed.get("/counterparties/").get_data(as_text=True)
    assert "Найдено 7 контрагентов" in first and "показаны 1–5" in first
    assert _NAME_RE.findall(first) == [
        "АО Ёлка", "Бумажная фабрика", "ЗАО Звезда", "Иванов И. И.", "ООО Астра",
    ]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert names(listed, "?page=2") == ["ООО Ромашка", "Типография Вектор"]
    assert names(listed, "?page=99") == ["ООО Ромашка", "Типография Вектор"]  # clamped
    assert names(listed, "?page=x")[0] == "АО Ёлка"


def test_sorting_by_columns_both_ways(listed: FlaskClient) -> None:
    assert names(listed, "?sort=name&dir=desc")[:2] == ["Типография Вектор", "ООО Ромашка"]
    by_city = names(listed, "?sort=city")
    assert by_city[:2] == ["Иванов И. И.", "ООО Астра"]  # Казань first
    assert names(listed, "?sort=last_event&dir=desc")[0] == "ООО Астра"
    by_manager = names(listed, "?sort=manager&dir=desc")
    assert by_manager[:2] == ["Бумажная фабрика", "Типография Вектор"]  # Пётр Сидоров
    assert names(listed, "?sort=bogus")[0] == "АО Ёлка"  # unknown keys fall back to the name
    page = listed.get("/counterparties/?sort=city&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page
    # The sort survives paging and the filter form.
    assert "sort=city&amp;dir=desc&amp;page=2" in page or "page=2&amp;sort=city" in page


def test_filters_by_kind_manager_and_city(listed: FlaskClient, people: People) -> None:
    assert names(listed, "?kind=supplier") == ["АО Ёлка", "Бумажная фабрика"]  # "both" too
    assert names(listed, "?kind=person") == ["Иванов И. И."]
    assert names(listed, f"?manager={people.other.id}") == [
        "Бумажная фабрика", "Типография Вектор",
    ]
    assert names(listed, "?manager=none") == ["Иванов И. И."]
    assert names(listed, "?city=Тверь") == ["Бумажная фабрика", "Типография Вектор"]
    assert names(listed, f"?city=Москва&manager={people.manager.id}&kind=customer") == [
        "АО Ёлка", "ЗАО Звезда", "ООО Ромашка",
    ]
    # A value the form does not offer is ignored, not an error.
    assert len(names(listed, "?city=Атлантида&kind=dragon")) == 5


@pytest.mark.parametrize(("q", "expected"), [
    ("ромашка", ["ООО Ромашка"]),           # Cyrillic, any case
    ("ЕЛКА", ["АО Ёлка"]),                   # ё and е are one letter to a searcher
    ("общество", ["ЗАО Звезда", "ООО Ромашка"]),  # the legal name
    (factories.valid_inn(2)[4:], ["Бумажная фабрика"]),  # part of the INN
    ("SALES@paper", ["Бумажная фабрика"]),   # the e-mail
    ("100%_", []),                           # LIKE wildcards are literal
])
def test_free_text_search(listed: FlaskClient, q: str, expected: list[str]) -> None:
    assert names(listed, f"?q={q.replace('%', '%25')}") == expected


def test_rows_show_the_columns(listed: FlaskClient) -> None:
    page = listed.get("/counterparties/?q=Ромашка").get_data(as_text=True)
    for cell in ("Общество «Ромашка»", "Покупатель", factories.valid_inn(1), "Москва",
                 "Иван Петров", 'href="mailto:info@romashka.ru"'):
        assert cell in page
    assert "Ничего не найдено." in listed.get("/counterparties/?q=zzz").get_data(as_text=True)
