"""The web app keeps the search index fresh by itself: ``create_app`` installs the ORM hooks
that the command line installs, so a bare ``gunicorn letterpress.web.wsgi:app`` indexes what its
forms write (before, a counterparty created in the web UI was not found until a reindex)."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.search import uninstall_hooks
from letterpress.search.hooks import _after_flush
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.app import create_app
from tests.web.conftest import People
from tests.web.search_world import SearchWorld, search_index_fixture, search_world_fixture  # noqa: F401


def test_a_counterparty_created_through_the_web_form_is_found(
    web_settings: Settings, engine: Engine, people: People, search_world: SearchWorld
) -> None:
    uninstall_hooks()  # as in a fresh gunicorn worker, where no command ran
    assert not event.contains(Session, "after_flush", _after_flush)
    client = create_app(web_settings, engine=engine).test_client()
    assert event.contains(Session, "after_flush", _after_flush)

    login_as(client, people.manager)
    letter = search_world.mail.unfiled
    page = f"/mail/unfiled/{letter}"
    response = client.post(f"{page}/counterparty", data={
        "new-name": "НьюПринт Технолоджи", "new-kind": "customer",
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    card = response.headers["Location"]
    assert card.startswith("/counterparties/")

    html = client.get("/search/", query_string={"q": "технолоджи"}).get_data(as_text=True)
    assert f'<a href="{card}">НьюПринт <mark>Технолоджи</mark></a>' in html
    # the letters filed with it are found under it too
    html = client.get("/search/", query_string={"counterparty": "НьюПринт",
                                                 "kind": "letter"}).get_data(as_text=True)
    assert f"/mail/letters/{letter}" in html
