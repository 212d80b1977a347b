"""The account page: one's own app passwords for DAV clients, and the addresses to give them.

A password made here is tried against the real DAV server mounted in the same app (a PROPFIND
through the test client with HTTP Basic), revoked, and tried again.
"""

from __future__ import annotations

import base64
import dataclasses
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from letterpress.config import DavSettings, Settings
from letterpress.crm.apppasswords import create_app_password, list_app_passwords
from letterpress.crm.calendars import create_collection
from letterpress.crm.model import AppPassword, DavCollection, User
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.account.reveal import SESSION_KEY
from letterpress.web.app import create_app
from letterpress.web.auth.identity import session_token
from tests.web.conftest import People

ACCOUNT = "/account/"
CREATE = "/account/app-passwords"
_SECRET_RE = re.compile(r'id="new-app-password-value">([^<]+)<')


def propfind(client: FlaskClient, login: str, password: str) -> int:
    """The status of a PROPFIND on the DAV root with these credentials (the real DAV server)."""
    auth = base64.b64encode(f"{login}:{password}".encode()).decode()
    response = client.open("/dav/", method="PROPFIND",
                           headers={"Authorization": f"Basic {auth}", "Depth": "0"})
    return response.status_code


def make_through_the_page(client: FlaskClient, label: str) -> tuple[str, TestResponse]:
    """Post the form, follow the redirect; the password shown and the page that showed it."""
    token = csrf_token(client, ACCOUNT)
    response = client.post(CREATE, data={"ap-csrf_token": token, "ap-label": label})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/#new-app-password"
    page = client.get("/account/")
    found = _SECRET_RE.search(page.get_data(as_text=True))
    assert found, "the new password is not shown"
    return found.group(1), page


def active_ids(session: Session, login: str) -> list[int]:
    session.rollback()  # a fresh transaction sees what the app committed
    session.expire_all()
    return [r.id for r in list_app_passwords(session, login) if not r.revoked]


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, people: People) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    token = csrf_token(client)
    for path in (CREATE, "/account/app-passwords/1/revoke"):
        response = client.post(path, data={"csrf_token": token, "ap-csrf_token": token,
                                           "ap-label": "x"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("who", ["manager", "other", "head", "admin"])
def test_everyone_sees_only_their_own_app_passwords(
    client: FlaskClient, people: People, session: Session, who: str
) -> None:
    labels = {"manager": "Телефон Ивана", "other": "Ноутбук Петра", "head": "Outlook Ольги",
              "admin": "Планшет админа"}
    for key, label in labels.items():
        create_app_password(session, getattr(people, key).login, label)
    session.commit()
    viewer: User = getattr(people, who)
    login_as(client, viewer)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for key, label in labels.items():
        assert (label in page) == (key == who), (who, label)
    assert f"/dav/calendars/{viewer.login}/events/" in page
    for key in labels:
        if key != who:
            assert f"/dav/calendars/{getattr(people, key).login}/" not in page


def test_making_an_app_password_that_works_for_dav_and_is_shown_once(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    assert propfind(client, "manager1", "demo") == 401  # no app password yet
    secret, page = make_through_the_page(client, "  Телефон   Android ")
    text = page.get_data(as_text=True)
    assert "Новый пароль приложения: Телефон Android" in text
    assert "показывается только один раз" in text
    assert re.fullmatch(r"[a-z2-9]{5}(-[a-z2-9]{5}){3}", secret)
    assert page.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as cookie:
        assert SESSION_KEY not in cookie  # the cookie sent with that page no longer holds it

    assert propfind(client, "manager1", secret) == 207
    # Only the hash is stored, and the list shows the label, when it was made and last used.
    session.rollback()
    rows = session.scalars(select(AppPassword).where(AppPassword.user_id == people.manager.id)).all()
    assert [r.label for r in rows] == ["Телефон Android"]
    assert secret not in rows[0].password_hash and rows[0].last_used_at is not None
    # Never again: not on a reload, nor on any other page.
    for path in (ACCOUNT, "/counterparties/", "/mail/"):
        again = client.get(path).get_data(as_text=True)
        assert secret not in again, path
    listing = client.get(ACCOUNT).get_data(as_text=True)
    assert "Телефон Android" in listing and "Отозвать" in listing
    assert 'id="new-app-password"' not in listing


def test_a_label_is_required(client: FlaskClient, people: People, session: Session) -> None:
    login_as(client, people.manager)
    token = csrf_token(client, ACCOUNT)
    response = client.post(CREATE, data={"ap-csrf_token": token, "ap-label": "   "})
    assert response.status_code == 400
    assert "Укажите устройство или программу." in response.get_data(as_text=True)
    assert active_ids(session, "manager1") == []


def test_forms_without_the_csrf_token_are_refused(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    secret, _page = make_through_the_page(client, "phone")
    (password_id,) = active_ids(session, "manager1")
    response = client.post(CREATE, data={"ap-label": "laptop"})
    assert response.status_code == 400
    response = client.post(f"/account/app-passwords/{password_id}/revoke")
    assert response.status_code == 400
    response = client.post(f"/account/app-passwords/{password_id}/revoke",
                           data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert active_ids(session, "manager1") == [password_id]
    assert propfind(client, "manager1", secret) == 207


def test_revoking_stops_the_password_at_once(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    phone, _page = make_through_the_page(client, "phone")
    laptop, _page = make_through_the_page(client, "laptop")
    assert propfind(client, "manager1", phone) == 207  # now in the DAV server's cache
    phone_id, laptop_id = active_ids(session, "manager1")
    token = csrf_token(client, ACCOUNT)
    response = client.post(f"/account/app-passwords/{phone_id}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/#app-passwords"
    assert propfind(client, "manager1", phone) == 401
    assert propfind(client, "manager1", laptop) == 207  # the other device goes on
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "Пароль приложения отозван" in page
    assert "laptop" in page and ">phone<" not in page
    # A revoked password cannot be revoked again.
    response = client.post(f"/account/app-passwords/{phone_id}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert active_ids(session, "manager1") == [laptop_id]


@pytest.mark.parametrize("who", ["other", "head", "admin"])
def test_nobody_revokes_someone_elses_password_from_their_account(
    client: FlaskClient, people: People, session: Session, who: str
) -> None:
    _row, secret = create_app_password(session, "manager1", "phone")
    session.commit()
    (password_id,) = active_ids(session, "manager1")
    login_as(client, getattr(people, who))
    token = csrf_token(client, ACCOUNT)
    response = client.post(f"/account/app-passwords/{password_id}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert active_ids(session, "manager1") == [password_id]
    assert propfind(client, "manager1", secret) == 207


def test_the_addresses_for_the_devices(
    client: FlaskClient, people: People, session: Session
) -> None:
    create_collection(session, people.head.id, "work", displayname="Работа")
    session.commit()
    # Signed in on the host the browser uses (the session cookie is bound to it).
    with client.session_transaction(base_url="https://crm.example.com") as cookie:
        cookie["_user_id"] = session_token(people.head, client.application.config["SECRET_KEY"])
    page = client.get(ACCOUNT, base_url="https://crm.example.com").get_data(as_text=True)
    for url in ("https://crm.example.com/dav/", "https://crm.example.com/dav/principals/head/",
                "https://crm.example.com/dav/calendars/head/",
                "https://crm.example.com/dav/calendars/head/events/",
                "https://crm.example.com/dav/calendars/head/tasks/",
                "https://crm.example.com/dav/calendars/head/birthdays/",
                "https://crm.example.com/dav/calendars/head/work/"):
        assert f">{url}</code>" in page, url
    for name in ("События", "Задачи", "Дни рождения", "Работа", "только чтение",
                 "CalDAV Synchronizer", "Thunderbird", "DAVx⁵", "iPhone",
                 "Сервер: https://crm.example.com/", "ЛОГИН~КАЛЕНДАРЬ"):
        assert name in page, name
    # Copy buttons come from a static script; no inline script or handler (the CSP).
    assert 'data-copy="dav-server"' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert " onclick=" not in page
    for static in ("/static/js/account.js", "/static/css/account.css"):
        with client.get(static) as response:
            assert response.status_code == 200, static


def test_the_page_never_writes(client: FlaskClient, people: People, session: Session) -> None:
    """The built-in calendars are named before the DAV server first makes them."""
    login_as(client, people.manager)
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "/dav/calendars/manager1/events/" in page
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DavCollection)) == 0


def test_the_language_can_be_chosen_on_the_page(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.manager)
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert '<input checked id="language-0" name="language" type="radio" value="ru">' in page
    token = csrf_token(client, ACCOUNT)
    response = client.post("/language", data={"csrf_token": token, "language": "en",
                                              "next": "/account/"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "Calendars and address books on your devices" in page and "App passwords" in page


def test_the_addresses_start_with_the_public_url_when_it_is_set(
    web_settings: Settings, engine: Engine, people: People
) -> None:
    """Behind a proxy that passes no public Host, ``web.public_url`` names the site."""
    settings = dataclasses.replace(web_settings, web=dataclasses.replace(
        web_settings.web, public_url="https://crm.example.com/lp"))
    client = create_app(settings, engine=engine).test_client()
    login_as(client, people.head)  # reached as http://localhost/, the proxy's side
    page = client.get(ACCOUNT).get_data(as_text=True)
    for url in ("https://crm.example.com/lp/dav/", "https://crm.example.com/lp/dav/principals/head/",
                "https://crm.example.com/lp/dav/calendars/head/",
                "https://crm.example.com/lp/dav/calendars/head/events/"):
        assert f">{url}</code>" in page, url
    assert "Сервер: https://crm.example.com/lp/;" in page
    assert "http://localhost" not in page


def _seed(session: Session, user: User, count: int) -> None:
    """Active app passwords sharing one cached hash (argon2 is slow on purpose)."""
    session.add_all([AppPassword(user_id=user.id, label=f"Устройство {i}",
                                 password_hash=factories.password_hash("seeded"))
                     for i in range(count)])
    session.commit()


FULL = "Достигнут предел: не больше 2 действующих паролей приложений на пользователя."


def test_at_the_cap_the_page_says_so_and_refuses_another(
    web_settings: Settings, engine: Engine, people: People, session: Session
) -> None:
    settings = dataclasses.replace(web_settings, dav=DavSettings(max_app_passwords=2))
    client = create_app(settings, engine=engine).test_client()
    _seed(session, people.manager, 2)
    _seed(session, people.other, 1)
    login_as(client, people.manager)
    assert FULL in client.get(ACCOUNT).get_data(as_text=True)
    token = csrf_token(client, ACCOUNT)
    response = client.post(CREATE, data={"ap-csrf_token": token, "ap-label": "third"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count(FULL) == 1 and 'role="alert"' in page
    first, second = active_ids(session, "manager1")
    # Revoking one makes room; below the cap the page says nothing of it.
    assert client.post(f"/account/app-passwords/{first}/revoke",
                       data={"csrf_token": token}).status_code == 302
    assert FULL not in client.get(ACCOUNT).get_data(as_text=True)
    _secret, page = make_through_the_page(client, "third")
    assert FULL in page.get_data(as_text=True)  # full again
    assert len(active_ids(session, "manager1")) == 2 and second in active_ids(session, "manager1")
    login_as(client, people.other)  # the cap is per user
    assert FULL not in client.get(ACCOUNT).get_data(as_text=True)
