"""Administration: users, teams, hand-over, mailboxes and grants; administrators only."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from letterpress.config import Grant, MailboxSettings, Settings
from letterpress.crm.model import Counterparty, MailboxGrant, Team, User
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as, sign_in
from letterpress.web.app import create_app
from tests.web.conftest import MailWorld, People

PAGES = ("/admin/", "/admin/users", "/admin/teams", "/admin/handover", "/admin/mailboxes")


def _user(session: Session, login: str) -> User:
    session.rollback()  # a fresh transaction sees what the app committed
    session.expire_all()
    return session.scalars(select(User).where(User.login == login)).one()


@pytest.mark.parametrize("who", ["manager", "head", "anonymous"])
def test_administration_is_closed_to_everyone_else(
    client: FlaskClient, people: People, who: str
) -> None:
    if who != "anonymous":
        login_as(client, getattr(people, who))
    token = csrf_token(client, "/login" if who == "anonymous" else "/counterparties/")
    for path in (*PAGES, f"/admin/users/{people.manager.id}"):
        assert client.get(path).status_code == (302 if who == "anonymous" else 403), path
    for path, data in (("/admin/users", {"new-login": "intruder"}),
                       (f"/admin/users/{people.other.id}/active", {"active": "0"}),
                       ("/admin/handover", {"ho-leaver": "manager1", "ho-successor": "manager2"}),
                       ("/admin/teams", {"team-name": "x"})):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code in ((302, 400) if who == "anonymous" else (403,)), path


def test_every_administration_page_renders(client: FlaskClient, people: People) -> None:
    login_as(client, people.admin)
    for path in (*PAGES, f"/admin/users/{people.manager.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert 'aria-current="page">Администрирование' in text, path
        assert "<script" not in text.lower(), path
    index = client.get("/admin/").get_data(as_text=True)
    assert "Пароли приложений (DAV)" in index  # no longer a "coming soon" placeholder


def test_the_user_list(client: FlaskClient, people: People) -> None:
    login_as(client, people.admin)
    page = client.get("/admin/users").get_data(as_text=True)
    for text in ("Иван Петров", "manager1", "Руководитель отдела продаж", "Администратор",
                 "Ольга Руководитель", "Уволенный", "отключён"):
        assert text in page, text


def test_creating_a_user_who_can_then_sign_in(
    client: FlaskClient, people: People, session: Session
) -> None:
    login_as(client, people.admin)
    token = csrf_token(client, "/admin/users")
    data = {"new-csrf_token": token, "new-login": "manager3", "new-name": "Мария Новая",
            "new-email": "Maria@Letterpress.test", "new-password": "пароль-1",
            "new-role": "manager", "new-team": "", "new-supervisor": "head"}
    assert client.post("/admin/users", data={k: v for k, v in data.items()
                                             if k != "new-csrf_token"}).status_code == 400
    response = client.post("/admin/users", data=data)
    assert response.status_code == 302
    user = _user(session, "manager3")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.name, user.email, user.role, user.supervisor_id) == (
        "Мария Новая", "maria@letterpress.test", "manager", people.head.id)
    assert "Пользователь manager3 создан." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    other = create_app_client(client)
    assert sign_in(other, "manager3", "пароль-1").status_code == 302
    # A taken login and a malformed one are refused with the reason.
    response = client.post("/admin/users", data=data)
    assert response.status_code == 400 and "Этот логин занят." in response.get_data(as_text=True)
    response = client.post("/admin/users", data={**data, "new-login": "Мария"})
    assert response.status_code == 400
    assert "строчные латинские буквы" in response.get_data(as_text=True)


def create_app_client(client: FlaskClient) -> FlaskClient:
    return client.application.test_client()


def test_setting_role_team_and_supervisor(
    client: FlaskClient, people: People, session: Session
) -> None:
    factories.make_user(session, "spare", team="north")
    session.commit()
    login_as(client, people.admin)
    path = f"/admin/users/{people.other.id}"
    page = client.get(path).get_data(as_text=True)
    assert '<option selected value="head">' in page  # the current supervisor
    token = csrf_token(client, path)
    response = client.post(path, data={
        "user-csrf_token": token, "user-name": "Пётр Сидоров", "user-email": "",
        "user-role": "head", "user-team": "north", "user-supervisor": ""})
    assert response.status_code == 302 and response.headers["Location"] == path
    user = _user(session, "manager2")
    assert (user.role, user.team.name if user.team else None, user.supervisor_id) == (
        "head", "north", None)
    assert "Изменения сохранены." in client.get(path).get_data(as_text=True)
    # The head cannot be put under their own subordinate.
    response = client.post(f"/admin/users/{people.head.id}", data={
        "user-csrf_token": token, "user-name": "Ольга", "user-role": "head",
        "user-team": "", "user-supervisor": "manager1"})
    assert response.status_code == 400
    assert "получится круг" in response.get_data(as_text=True)
    assert _user(session, "head").supervisor_id is None
    # An administrator keeps their own role.
    response = client.post(f"/admin/users/{people.admin.id}", data={
        "user-csrf_token": token, "user-name": "Админ", "user-role": "manager",
        "user-team": "", "user-supervisor": ""})
    assert response.status_code == 400
    assert "Нельзя снять роль администратора с себя." in response.get_data(as_text=True)
    assert _user(session, "admin").role == "admin"


def test_deactivating_ends_the_sessions_and_reactivating(
    client: FlaskClient, people: People, session: Session
) -> None:
    victim = client.application.test_client()
    login_as(victim, people.other)
    assert victim.get("/counterparties/").status_code == 200
    login_as(client, people.admin)
    path = f"/admin/users/{people.other.id}"
    token = csrf_token(client, path)
    assert client.post(f"{path}/active", data={"active": "0"}).status_code == 400  # no token
    assert client.post(f"{path}/active", data={"csrf_token": token,
                                               "active": "maybe"}).status_code == 400
    response = client.post(f"{path}/active", data={"csrf_token": token, "active": "0"})
    assert response.status_code == 302
    assert not _user(session, "manager2").active
    assert victim.get("/counterparties/").status_code == 302  # signed out
    assert "Пользователь отключён" in client.get(path).get_data(as_text=True)
    client.post(f"{path}/active", data={"csrf_token": token, "active": "1"})
    assert _user(session, "manager2").active
    response = client.post(f"/admin/users/{people.admin.id}/active",
                           data={"csrf_token": token, "active": "0"})
    assert response.status_code == 302 and _user(session, "admin").active
    assert "Нельзя отключить себя." in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_setting_a_password(client: FlaskClient, people: People, session: Session) -> None:
    login_as(client, people.admin)
    path = f"/admin/users/{people.other.id}"
    token = csrf_token(client, path)
    response = client.post(f"{path}/password", data={"pw-csrf_token": token, "pw-password": "x"})
    assert response.status_code == 400 and "Не меньше 4 символов." in response.get_data(
        as_text=True)
    response = client.post(f"{path}/password", data={"pw-csrf_token": token,
                                                     "pw-password": "новый-пароль"})
    assert response.status_code == 302
    assert sign_in(client.application.test_client(), "manager2",
                   "новый-пароль").status_code == 302


def test_teams(client: FlaskClient, people: People, session: Session) -> None:
    factories.make_user(session, "north1", name="Северный менеджер", team="Север")
    session.commit()
    login_as(client, people.admin)
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "Север" in page and "Северный менеджер" in page
    token = csrf_token(client, "/admin/teams")
    assert client.post("/admin/teams", data={"team-name": "Юг"}).status_code == 400
    response = client.post("/admin/teams", data={"team-csrf_token": token,
                                                 "team-name": "  Юг  "})
    assert response.status_code == 302
    assert session.scalar(select(Team.name).where(Team.name == "Юг")) == "Юг"
    response = client.post("/admin/teams", data={"team-csrf_token": token, "team-name": "Юг"})
    assert response.status_code == 400 and "Такая команда уже есть." in response.get_data(
        as_text=True)
    assert '<option value="Юг">' in client.get(
        f"/admin/users/{people.manager.id}").get_data(as_text=True)


def test_hand_over(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.admin)
    page = client.get("/admin/handover?leaver=manager1").get_data(as_text=True)
    assert '<option selected value="manager1">' in page
    token = csrf_token(client, "/admin/handover")
    data = {"ho-csrf_token": token, "ho-leaver": "manager1", "ho-successor": "manager1",
            "ho-deactivate": "y"}
    response = client.post("/admin/handover", data=data)
    assert response.status_code == 400
    assert "Преемником должен быть другой человек." in response.get_data(as_text=True)
    assert client.post("/admin/handover", data={k: v for k, v in data.items()
                                                if k != "ho-csrf_token"}).status_code == 400
    response = client.post("/admin/handover", data={**data, "ho-successor": "manager2"})
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    romashka = session.get(Counterparty, mail_world.romashka)
    assert romashka is not None and romashka.manager_id == people.other.id
    assert not _user(session, "manager1").active
    grant = session.scalars(select(MailboxGrant).where(
        MailboxGrant.mailbox_id == mail_world.m1_box)).one()
    assert (grant.user_id, grant.can_read, grant.source) == (people.other.id, True, "handover")
    page = client.get("/admin/handover").get_data(as_text=True)
    assert "Передано от manager1 к manager2: контрагентов — 1" in page
    # The successor now reads the leaver's mail.
    login_as(client, people.other)
    assert client.get(f"/mail/letters/{mail_world.hostile}").status_code == 200


def test_mailboxes_and_grants(
    web_settings: Settings, engine: Engine, people: People, mail_world: MailWorld
) -> None:
    settings = dataclasses.replace(web_settings, mailboxes=(
        MailboxSettings(name="sales", host="imap.letterpress.test", user="sales", kind="shared",
                        grants=(Grant(rights=("read",), user="manager1"),)),
        MailboxSettings(name="support", host="imap.letterpress.test", user="support",
                        kind="shared", grants=(Grant(rights=("read", "send_as"), team="north"),)),
    ))
    client = create_app(settings, engine=engine).test_client()
    login_as(client, people.admin)
    page = client.get("/admin/mailboxes").get_data(as_text=True)
    for text in ("m1-box", "m2-box", "sales", "support", "Иван Петров (manager1)",
                 "sales@imap.letterpress.test:993", "чтение", "файл настроек",
                 "ещё не синхронизирован", "team north: read, send_as",
                 "нет в файле настроек"):
        assert text in page, text


def test_only_administrators_change_users_even_without_the_web_ui(
    people: People, session: Session
) -> None:
    from letterpress.crm.users import set_active, update_user
    from letterpress.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        update_user(session, people.head, people.manager, name="x", email=None, role="admin",
                    team=None, supervisor=None)
    with pytest.raises(PermissionDenied):
        set_active(session, people.head, people.manager, False)
    assert people.manager.role == "manager" and people.manager.active


# --- app passwords (DAV) ----------------------------------------------------------------------


def _propfind(client: FlaskClient, login: str, password: str) -> int:
    import base64

    auth = base64.b64encode(f"{login}:{password}".encode()).decode()
    return client.open("/dav/", method="PROPFIND",
                       headers={"Authorization": f"Basic {auth}", "Depth": "0"}).status_code


def _active_app_passwords(session: Session, login: str) -> list[int]:
    from letterpress.crm.apppasswords import list_app_passwords

    session.rollback()
    session.expire_all()
    return [r.id for r in list_app_passwords(session, login) if not r.revoked]


def test_an_administrator_makes_lists_and_revokes_a_users_app_passwords(
    client: FlaskClient, people: People, session: Session
) -> None:
    import re

    from letterpress.crm.apppasswords import create_app_password

    _row, phone = create_app_password(session, "manager1", "Телефон Ивана")
    session.commit()
    login_as(client, people.admin)
    path = f"/admin/users/{people.manager.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Пароли приложений (DAV)" in page and "Телефон Ивана" in page
    assert phone not in page  # listed, never shown
    token = csrf_token(client, path)
    # Made for the user, shown to the administrator once, working for the user's DAV login.
    response = client.post(f"{path}/app-passwords", data={"ap-csrf_token": token,
                                                          "ap-label": "Outlook"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{path}#new-app-password"
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'id="new-app-password-value">([^<]+)<', page)
    assert found and 'id="new-app-password-login">manager1<' in page
    outlook = found.group(1)
    assert _propfind(client, "manager1", outlook) == 207
    assert _propfind(client, "admin", outlook) == 401  # it is the user's, not the admin's
    for again in (path, "/admin/users", "/account/"):
        assert outlook not in client.get(again).get_data(as_text=True), again
    # The user sees it on their own account page (by label only).
    own = client.application.test_client()
    login_as(own, people.manager)
    account = own.get("/account/").get_data(as_text=True)
    assert "Outlook" in account and outlook not in account
    # Revoked by the administrator: refused at once; the other password goes on.
    phone_id, outlook_id = _active_app_passwords(session, "manager1")
    response = client.post(f"{path}/app-passwords/{outlook_id}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert _propfind(client, "manager1", outlook) == 401
    assert _propfind(client, "manager1", phone) == 207
    # Through another user's page the id does not exist; without the token nothing happens.
    other_path = f"/admin/users/{people.other.id}"
    assert client.post(f"{other_path}/app-passwords/{phone_id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"{path}/app-passwords/{phone_id}/revoke").status_code == 400
    assert client.post(f"{path}/app-passwords", data={"ap-label": "x"}).status_code == 400
    assert _active_app_passwords(session, "manager1") == [phone_id]
    response = client.post(f"{path}/app-passwords", data={"ap-csrf_token": token,
                                                          "ap-label": ""})
    assert response.status_code == 400
    assert "Укажите устройство или программу." in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["manager", "head"])
def test_only_administrators_reach_other_users_app_passwords(
    client: FlaskClient, people: People, session: Session, who: str
) -> None:
    from letterpress.crm.apppasswords import create_app_password

    _row, secret = create_app_password(session, "manager1", "phone")
    session.commit()
    (password_id,) = _active_app_passwords(session, "manager1")
    login_as(client, getattr(people, who))
    token = csrf_token(client, "/account/")
    path = f"/admin/users/{people.manager.id}"
    assert client.post(f"{path}/app-passwords",
                       data={"ap-csrf_token": token, "ap-label": "x"}).status_code == 403
    assert client.post(f"{path}/app-passwords/{password_id}/revoke",
                       data={"csrf_token": token}).status_code == 403
    assert _active_app_passwords(session, "manager1") == [password_id]
    assert _propfind(client, "manager1", secret) == 207


def test_the_administration_index_explains_app_passwords(
    client: FlaskClient, people: People
) -> None:
    login_as(client, people.admin)
    index = client.get("/admin/").get_data(as_text=True)
    assert "Пароли приложений (DAV)" in index and "Скоро" not in index
    assert 'href="/admin/users">Пароли приложений (DAV)' in index
    assert 'href="/account/#app-passwords"' in index


def test_a_user_at_the_app_password_cap_and_the_public_url(
    web_settings: Settings, engine: Engine, people: People, session: Session
) -> None:
    """At ``dav.max_app_passwords`` the administrator is told why no more can be made; the
    server address shown with a new password starts with ``web.public_url``."""
    import re

    from letterpress.config import DavSettings
    from letterpress.crm.model import AppPassword

    settings = dataclasses.replace(
        web_settings, dav=DavSettings(max_app_passwords=2),
        web=dataclasses.replace(web_settings.web, public_url="https://crm.example.com/"))
    client = create_app(settings, engine=engine).test_client()
    session.add(AppPassword(user_id=people.manager.id, label="Телефон",
                            password_hash=factories.password_hash("seeded")))
    session.commit()
    login_as(client, people.admin)
    path = f"/admin/users/{people.manager.id}"
    full = "Достигнут предел: не больше 2 действующих паролей приложений на пользователя."
    assert full not in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    response = client.post(f"{path}/app-passwords", data={"ap-csrf_token": token,
                                                          "ap-label": "Outlook"})
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert re.search(r'id="new-app-password-server">https://crm\.example\.com/dav/<', page)
    assert full in page
    response = client.post(f"{path}/app-passwords", data={"ap-csrf_token": token,
                                                          "ap-label": "Планшет"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count(full) == 1
    assert len(_active_app_passwords(session, "manager1")) == 2
