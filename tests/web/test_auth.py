"""Signing in and out: passwords, inactive users, sessions, redirects."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress.crm.users import set_password
from letterpress.testing.web import csrf_token, login_as, sign_in
from tests.web.conftest import People


def test_sign_in_with_the_right_password_opens_the_page_asked_for(
    client: FlaskClient, people: People
) -> None:
    first = client.get("/counterparties/?city=x")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/login?next=")

    response = sign_in(client, "Manager1 ", next="/counterparties/?city=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/counterparties/?city=x"
    page = client.get("/counterparties/")
    assert page.status_code == 200
    assert "Иван Петров" in page.get_data(as_text=True)
    # Signed in already: the login page sends the user on.
    assert client.get("/login").status_code == 302


def test_wrong_password_and_unknown_login_are_refused_alike(
    client: FlaskClient, people: People
) -> None:
    for login, password in (("manager1", "wrong"), ("nobody", "whatever")):
        response = sign_in(client, login, password)
        assert response.status_code == 200
        assert "Неверный логин или пароль." in response.get_data(as_text=True)
        assert client.get("/counterparties/").status_code == 302


def test_empty_form_is_a_bad_request_with_field_messages(
    client: FlaskClient, people: People
) -> None:
    response = sign_in(client, "", "")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Введите логин." in text and "Введите пароль." in text


def test_inactive_user_cannot_sign_in(client: FlaskClient, people: People) -> None:
    response = sign_in(client, "gone")
    assert "Неверный логин или пароль." in response.get_data(as_text=True)
    assert client.get("/counterparties/").status_code == 302


def test_deactivated_user_is_signed_out_on_the_next_request(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    assert client.get("/counterparties/").status_code == 200
    people.manager.active = False
    session.commit()
    assert client.get("/counterparties/").status_code == 302


def test_a_new_password_ends_other_sessions(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    assert client.get("/counterparties/").status_code == 200
    set_password(people.manager, "another-password")
    session.commit()
    assert client.get("/counterparties/").status_code == 302


def test_sign_out_needs_post_and_ends_the_session(client: FlaskClient, people: People) -> None:
    login_as(client, people.manager)
    assert client.get("/logout").status_code == 405
    token = csrf_token(client, "/counterparties/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Вы вышли из системы." in client.get("/login").get_data(as_text=True)
    assert client.get("/counterparties/").status_code == 302


def test_next_must_stay_on_this_site(client: FlaskClient, people: People) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = sign_in(client, "manager1", next=target)
        assert response.headers["Location"] == "/", target
        token = csrf_token(client, "/counterparties/")
        client.post("/logout", data={"csrf_token": token})


def test_session_cookie_is_httponly_and_lax(client: FlaskClient, people: People) -> None:
    response = sign_in(client, "manager1")
    cookie = next(v for v in response.headers.getlist("Set-Cookie")
                  if v.startswith("letterpress_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie

