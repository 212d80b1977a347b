"""Every message the search seam gives a reader is recognised and said in Russian: the seam's
real messages go through the page's table, so a reworded one fails here, not in front of a
manager."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress import search
from letterpress.config import Settings
from letterpress.crm.model import User
from letterpress.testing.web import login_as
from letterpress.web.search.messages import translate
from tests.web.conftest import People
from tests.web.search_world import search_index_fixture  # noqa: F401

MALFORMED = [
    '"договор', "«договор", "договор OR", "OR договор", "договор OR kind:letter",
    "после:завтра", "before:31.02.2025", "тип:счёт", "has:friends", "-kind:letter",
    "kind: договор", "-договор", "после:2025-03-02 до:2025-03-01", "a OR -b", "д*",
    "от:!!!", "!!!", "kind:counterparty from:ivanov", "ящик:nowhere договор",
    "а" * 501, "x\x00y", " ".join(["слово"] * 25),
]


def _seam_message(session: Session, user: User, text: str, settings: Settings) -> str:
    with pytest.raises(search.QueryError) as caught:
        search.query(session, user, text, settings=settings)
    return str(caught.value)


def test_every_malformed_search_gets_a_russian_message(
    app: Flask, session: Session, people: People, search_index: None, web_settings: Settings
) -> None:
    seen = set()
    for text in MALFORMED:
        english = _seam_message(session, people.manager, text, web_settings)
        with app.test_request_context():
            russian = translate(english)
        assert russian != english, (text, english)
        seen.add(russian)
    assert len(seen) >= 15  # distinct sentences, not one catch-all


def test_notices_and_index_troubles_are_said_in_russian(app: Flask) -> None:
    with app.test_request_context():
        assert translate("ranked by relevance among the 20,000 most recent matches") == \
            "По релевантности упорядочены 20,000 самых свежих совпадений."
        assert translate("the search index is not complete: run `letterpress reindex` to index "
                         "older data").startswith("Поисковый индекс ещё не полон")
        assert translate("there is no search index yet: run `letterpress reindex`").startswith(
            "Поискового индекса ещё нет")
        assert translate("the search index was built with the snowball analyzer, but the "
                         "settings ask for pymorphy: run `letterpress reindex` to rebuild it"
                         ).startswith("Поисковый индекс построен с другими настройками")
        # a sentence the table does not know is shown as it is rather than hidden
        assert translate("something new") == "something new"


def test_the_page_shows_the_english_message_to_an_english_reader(
    client: FlaskClient, people: People, session: Session, search_index: None
) -> None:
    people.manager.language = "en"
    session.commit()
    login_as(client, people.manager)
    html = client.get("/search/", query_string={"q": "после:завтра"}).get_data(as_text=True)
    assert "после: expects a date such as 2025-03-31, 31.03.2025, 2025-03 or 2025, " \
        "not «завтра»." in html
