"""The page frame's links and words, made once per language and script root (web/frame.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from letterpress.testing.web import login_as
from tests.web.conftest import People


def _frame(page: str) -> str:
    return page[:page.index('<main id="main"')]


def test_each_language_keeps_its_own_frame(app: Flask, people: People) -> None:
    russian, english = app.test_client(), app.test_client()
    login_as(russian, people.manager)
    login_as(english, people.other)
    with english.session_transaction() as sess:
        sess["language"] = "en"
    people.other.language = "en"
    for _round in range(2):  # the second round is served from the kept frames
        ru = _frame(russian.get("/calendar/week").get_data(as_text=True))
        en = _frame(english.get("/calendar/week").get_data(as_text=True))
        assert "Контрагенты" in ru and "Напоминания" in ru and "Выйти" in ru
        assert "Counterparties" in en and "Reminders" in en and "Sign out" in en
        assert "Counterparties" not in ru and "Контрагенты" not in en
        assert 'href="/calendar/week" aria-current="page"' in ru


def test_the_administration_section_is_the_administrators(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.admin)
    assert 'href="/admin/"' in _frame(client.get("/counterparties/").get_data(as_text=True))
    login_as(client, people.manager)
    assert 'href="/admin/"' not in _frame(client.get("/counterparties/").get_data(as_text=True))


def test_links_follow_the_mount_point(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    page = _frame(client.get("/counterparties/", base_url="http://localhost/crm/")
                  .get_data(as_text=True))
    assert 'href="/crm/static/css/app.css"' in page and 'action="/crm/logout"' in page
    assert 'href="/crm/counterparties/" aria-current="page"' in page
    plain = _frame(client.get("/counterparties/").get_data(as_text=True))
    assert 'href="/static/css/app.css"' in plain and "/crm/" not in plain
