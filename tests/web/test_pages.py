"""Every page renders for a signed-in user and sends others to the sign-in page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress.testing import factories
from letterpress.testing.web import login_as
from tests.web.conftest import People

PLACEHOLDERS: tuple[str, ...] = ()


@pytest.fixture
def counterparty_id(session: Session, people: People) -> int:
    counterparty = factories.make_counterparty(session, "ООО Ромашка", manager=people.manager)
    session.commit()
    return counterparty.id


def test_every_page_renders_for_a_signed_in_user(
    client: FlaskClient, people: People, counterparty_id: int
) -> None:
    login_as(client, people.manager)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/counterparties/"
    for path in ("/counterparties/", f"/counterparties/{counterparty_id}",
                 f"/counterparties/{counterparty_id}/letters", "/mail/", "/mail/unfiled",
                 "/mail/ambiguous", "/search/", *PLACEHOLDERS):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert 'aria-current="page"' in text, path  # the nav marks where the user is
        assert "Иван Петров" in text, path


@pytest.mark.parametrize("path", [
    "/", "/counterparties/", "/counterparties/1", "/counterparties/1/letters", "/admin/",
    "/admin/users", "/mail/", "/mail/boxes/1", "/mail/letters/1", "/mail/letters/1/body",
    "/mail/letters/1/original.eml", "/mail/unfiled", "/mail/ambiguous", "/mail/errors",
    "/search/", "/search/?q=договор", *PLACEHOLDERS,
])
def test_signed_out_visitors_are_sent_to_sign_in(
    client: FlaskClient, people: People, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Войдите, чтобы открыть эту страницу." in page


def test_administration_is_for_administrators(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    assert client.get("/admin/").status_code == 403
    login_as(client, people.admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Администрирование" in response.get_data(as_text=True)


def test_missing_things_give_a_page_not_a_traceback(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.manager)
    response = client.get("/counterparties/999999")
    assert response.status_code == 404
    assert "Не найдено" in response.get_data(as_text=True)
    assert client.get("/no/such/page").status_code == 404


def test_health_check_and_static_files_need_no_sign_in(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()
