"""Who sees which letters, page by page: a matrix of viewers (the owner, another manager, the
head, an administrator, a visitor who is not signed in) over every page that shows letters.

Nobody sees what the crm permission function denies: another manager's personal letter answers
404 on the letter page, its frame, its .eml and its attachments, exactly like a letter that does
not exist.
"""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from letterpress.config import MailSettings, Settings
from letterpress.crm.model import Attachment, User
from letterpress.testing.web import login_as
from letterpress.web.app import create_app
from tests.web.conftest import MailWorld, People

VIEWERS = ("manager", "other", "head", "admin", "anonymous")


def _as(client: FlaskClient, people: People, who: str) -> None:
    if who != "anonymous":
        login_as(client, getattr(people, who))


def _letter_paths(letter_id: int, attachment_id: int | None = None) -> list[str]:
    paths = [f"/mail/letters/{letter_id}", f"/mail/letters/{letter_id}/body",
             f"/mail/letters/{letter_id}/body?images=1", f"/mail/letters/{letter_id}/original.eml"]
    if attachment_id is not None:
        paths.append(f"/mail/letters/{letter_id}/attachments/{attachment_id}")
    return paths


# Which viewers may read which letter (head_sees_team_mail off, the default).
READERS = {
    "hostile": {"manager", "admin"},  # manager1's personal mailbox
    "shared": {"manager", "admin"},  # the shared box is granted to manager1 only
    "secret": {"other", "admin"},  # manager2's personal mailbox
}


@pytest.mark.parametrize("who", VIEWERS)
def test_letter_pages_follow_the_permission_function(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session, who: str
) -> None:
    _as(client, people, who)
    secret_attachment = session.scalar(select(Attachment.id).where(
        Attachment.letter_id == mail_world.secret))
    cases = {
        "hostile": _letter_paths(mail_world.hostile, mail_world.invoice),
        "shared": _letter_paths(mail_world.shared),
        "secret": _letter_paths(mail_world.secret, secret_attachment),
    }
    for letter, paths in cases.items():
        for path in paths:
            response = client.get(path)
            if who == "anonymous":
                assert response.status_code == 302, path
                assert response.headers["Location"].startswith("/login?next="), path
            elif who in READERS[letter]:
                assert response.status_code == 200, (who, path)
            else:
                assert response.status_code == 404, (who, path)
                assert "Секретное" not in response.get_data(as_text=True)
    # An attachment id of a readable letter does not open through another letter's URL.
    if who == "manager":
        assert client.get(f"/mail/letters/{mail_world.shared}/attachments/"
                          f"{mail_world.invoice}").status_code == 404


@pytest.mark.parametrize("who", VIEWERS)
def test_mailbox_lists_show_readable_mailboxes_only(
    client: FlaskClient, people: People, mail_world: MailWorld, who: str
) -> None:
    _as(client, people, who)
    boxes = {"m1-box": mail_world.m1_box, "m2-box": mail_world.m2_box,
             "sales": mail_world.sales_box}
    readable = {
        "manager": {"m1-box", "sales"}, "other": {"m2-box"}, "head": set(),
        "admin": {"m1-box", "m2-box", "sales"}, "anonymous": set(),
    }[who]
    index = client.get("/mail/")
    if who == "anonymous":
        assert index.status_code == 302
    else:
        text = index.get_data(as_text=True)
        for name, box_id in boxes.items():
            assert (f'href="/mail/boxes/{box_id}"' in text) == (name in readable), (who, name)
    for name, box_id in boxes.items():
        response = client.get(f"/mail/boxes/{box_id}")
        expected = 302 if who == "anonymous" else 200 if name in readable else 404
        assert response.status_code == expected, (who, name)
        if expected == 200 and name == "m1-box":
            text = response.get_data(as_text=True)
            assert "Макет обложки" in text and "Секретное" not in text


@pytest.mark.parametrize("who", VIEWERS)
def test_queues_and_correspondence_per_viewer(
    client: FlaskClient, people: People, mail_world: MailWorld, who: str
) -> None:
    _as(client, people, who)
    pages = {
        "/mail/unfiled": ("Знакомство: НьюПринт", {"manager", "admin"}),
        "/mail/ambiguous": ("Запрос от холдинга", {"manager", "admin"}),
        f"/counterparties/{mail_world.romashka}/letters": ("Макет обложки", {"manager", "admin"}),
        f"/counterparties/{mail_world.romashka}": ("Макет обложки", {"manager", "admin"}),
    }
    for path, (subject, readers) in pages.items():
        response = client.get(path)
        if who == "anonymous":
            assert response.status_code == 302, path
            continue
        assert response.status_code == 200, (who, path)
        text = response.get_data(as_text=True)
        assert (subject in text) == (who in readers), (who, path)
        if "/counterparties/" in path:
            assert ("Секретное предложение" in text) == (who in {"other", "admin"}), (who, path)
            assert ("Конфиденциальные условия" in text) == (
                who in {"other", "admin"} and path.endswith("/letters")), (who, path)
    errors = client.get("/mail/errors")
    assert errors.status_code == {"admin": 200, "anonymous": 302}.get(who, 403)


def test_a_head_reads_the_team_mail_when_the_config_says_so(
    web_settings: Settings, engine: Engine, people: People, mail_world: MailWorld
) -> None:
    settings = dataclasses.replace(web_settings, mail=MailSettings(head_sees_team_mail=True))
    app: Flask = create_app(settings, engine=engine)
    client = app.test_client()
    login_as(client, people.head)
    for path in _letter_paths(mail_world.hostile, mail_world.invoice) + _letter_paths(
            mail_world.secret):
        assert client.get(path).status_code == 200, path
    text = client.get(f"/counterparties/{mail_world.romashka}/letters").get_data(as_text=True)
    assert "Секретное предложение" in text and "Макет обложки" in text
    assert "Заявка на тираж" not in text  # the shared box is not the head's to read
    assert "Письмо (нет доступа)" in text


def test_letters_without_rights_are_a_bare_line_or_nothing_as_configured(
    web_settings: Settings, engine: Engine, client: FlaskClient, people: People,
    mail_world: MailWorld,
) -> None:
    login_as(client, people.manager)
    text = client.get(f"/counterparties/{mail_world.romashka}/letters").get_data(as_text=True)
    assert "Письмо (нет доступа)" in text
    assert "Секретное" not in text and "Борис" not in text and "boris@" not in text
    settings = dataclasses.replace(
        web_settings, mail=MailSettings(history_visible_without_rights="nothing"))
    strict = create_app(settings, engine=engine).test_client()
    login_as(strict, people.manager)
    text = strict.get(f"/counterparties/{mail_world.romashka}/letters").get_data(as_text=True)
    assert "Макет обложки" in text
    assert "Письмо (нет доступа)" not in text and "Секретное" not in text
    card = strict.get(f"/counterparties/{mail_world.romashka}").get_data(as_text=True)
    assert "Письмо (нет доступа)" not in card and "Секретное" not in card


def test_a_deactivated_user_reads_nothing(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.manager)
    assert client.get(f"/mail/letters/{mail_world.hostile}").status_code == 200
    user = session.get(User, people.manager.id)
    assert user is not None
    user.active = False
    session.commit()
    response = client.get(f"/mail/letters/{mail_world.hostile}/original.eml")
    assert response.status_code == 302  # signed out at once


def test_ids_that_do_not_exist_are_the_same_404(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    missing = ["/mail/boxes/999999", "/mail/unfiled/999999",
               f"/mail/letters/{mail_world.hostile}/attachments/999999"]
    for path in _letter_paths(999999, 1) + missing:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Не найдено" in response.get_data(as_text=True)
