"""One letter: its page, the sanitised HTML in a sandboxed frame with its own CSP, remote images
on request, attachments and the original .eml as downloads, topic tags."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import LetterTopic
from letterpress.testing.web import csrf_token, login_as
from letterpress.web.mail.sanitize import BLANK_IMAGE, clean
from tests.web.conftest import HOSTILE_HTML, INVOICE_NAME, MailWorld, People

BODY_CSP_START = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'"


def test_the_letter_page_shows_headers_text_attachments_and_where_it_is_filed(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    response = client.get(f"/mail/letters/{mail_world.hostile}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Макет обложки", "Анна Смирнова &lt;anna@romashka.ru&gt;",
                 "Иван Петров &lt;ivan@letterpress.test&gt;", "03.03.2025 13:00", "входящее",
                 INVOICE_NAME, "ООО Ромашка", "Скачать .eml", "m1-box / INBOX",
                 "Ответить — скоро", 'aria-current="page">Почта'):
        assert text in page, text
    frame = re.search(r"<iframe[^>]*>", page)
    assert frame is not None
    assert " sandbox=" in frame.group(0) and "allow-scripts" not in frame.group(0)
    assert "allow-same-origin" not in frame.group(0)
    assert f'src="/mail/letters/{mail_world.hostile}/body"' in frame.group(0)
    # The remote image is held back, and the page offers to show it.
    assert "1 внешнее изображение скрыто" in page and "Показать изображения" in page
    assert "evil.example" not in page and "<script" not in page.lower()
    assert "onerror" not in page and "javascript:" not in page


def test_the_frame_document_is_sanitised_and_locked_down(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    response = client.get(f"/mail/letters/{mail_world.hostile}/body")
    assert response.status_code == 200 and response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith(BODY_CSP_START) and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp and "sandbox" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    body = response.get_data(as_text=True)
    lowered = body.lower()
    for hostile in ("<script", "onerror", "onload", "javascript:", "evil.example", "url(",
                    "<form", "<input", "<iframe", "pwned"):
        assert hostile not in lowered, hostile
    assert "Добрый день! Макет во вложении." in body and 'style="color:#c00"' in body
    assert 'href="https://romashka.ru/catalog"' in body and 'rel="noopener noreferrer"' in body
    assert 'src="data:image/png;base64,' in body  # the inline logo (cid:) is embedded
    # Every other page keeps refusing to be framed.
    page = client.get(f"/mail/letters/{mail_world.hostile}")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_remote_images_load_only_when_asked_for(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/mail/letters/{mail_world.hostile}?images=1").get_data(as_text=True)
    assert f'src="/mail/letters/{mail_world.hostile}/body?images=1"' in page
    assert "Показать изображения" not in page
    response = client.get(f"/mail/letters/{mail_world.hostile}/body?images=1")
    assert "img-src data: cid: https:;" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert 'src="https://evil.example/pixel.png"' in body
    # Still no script, handler or CSS fetch, whatever the reader allowed.
    assert "<script" not in body and "onerror" not in body and "url(" not in body


def test_attachments_download_with_their_cyrillic_names(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    response = client.get(f"/mail/letters/{mail_world.hostile}/attachments/{mail_world.invoice}")
    assert response.status_code == 200
    assert response.data == mail_world.invoice_bytes
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(INVOICE_NAME, safe='')}" in disposition
    assert disposition.encode("latin-1")  # the header itself is plain ASCII
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_the_original_letter_downloads_byte_for_byte(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    response = client.get(f"/mail/letters/{mail_world.hostile}/original.eml")
    assert response.status_code == 200
    assert response.data == mail_world.raws["hostile"]
    assert response.mimetype == "message/rfc822"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Макет обложки.eml', safe='')}" in disposition


def test_a_text_letter_shows_its_text_without_a_frame(
    client: FlaskClient, people: People, mail_world: MailWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/mail/letters/{mail_world.reply}").get_data(as_text=True)
    assert "Спасибо, получили макет." in page and "<iframe" not in page
    assert "исходящее" in page and "m1-box / Sent" in page


def test_adding_and_removing_a_topic(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/mail/letters/{mail_world.hostile}"
    token = csrf_token(client, path)
    response = client.post(f"{path}/topics", data={"csrf_token": token,
                                                   "topic": "  Макет   обложки "})
    assert response.status_code == 302 and response.headers["Location"] == path
    session.rollback()
    row = session.scalars(select(LetterTopic).where(
        LetterTopic.letter_id == mail_world.hostile)).one()
    assert (row.topic, row.source, row.user_id) == ("Макет обложки", "manual", people.manager.id)
    page = client.get(path).get_data(as_text=True)
    assert "Предмет добавлен." in page and "Макет обложки</span>" in page
    # The same topic again is not a second tag.
    client.post(f"{path}/topics", data={"csrf_token": token, "topic": "макет обложки"})
    session.rollback()
    session.expire_all()
    assert len(session.scalars(select(LetterTopic).where(
        LetterTopic.letter_id == mail_world.hostile)).all()) == 1
    # The tag shows in the lists too.
    box = client.get(f"/mail/boxes/{mail_world.m1_box}").get_data(as_text=True)
    assert 'class="tag tag--manual"' in box
    response = client.post(f"{path}/topics/{row.id}/delete",
                           data={"csrf_token": token, "next": "/mail/unfiled"})
    assert response.status_code == 302 and response.headers["Location"] == "/mail/unfiled"
    session.rollback()
    session.expire_all()
    assert session.scalars(select(LetterTopic)).all() == []


def test_topic_forms_refuse_bad_input_strangers_and_missing_tokens(
    client: FlaskClient, people: People, mail_world: MailWorld, session: Session
) -> None:
    login_as(client, people.manager)
    path = f"/mail/letters/{mail_world.hostile}"
    token = csrf_token(client, path)
    assert client.post(f"{path}/topics", data={"topic": "Без токена"}).status_code == 400
    response = client.post(f"{path}/topics", data={"csrf_token": token, "topic": "   "})
    assert response.status_code == 400 and "Введите предмет." in response.get_data(as_text=True)
    assert client.post(f"{path}/topics", data={"csrf_token": token,
                                               "next": "https://evil.example/",
                                               "topic": "Тираж"}).headers["Location"] == path
    session.rollback()
    topic = session.scalars(select(LetterTopic)).one()
    assert client.post(f"{path}/topics/{topic.id}/delete").status_code == 400  # no token
    login_as(client, people.other)
    token = csrf_token(client, "/mail/")
    assert client.post(f"{path}/topics", data={"csrf_token": token,
                                               "topic": "Чужое"}).status_code == 404
    assert client.post(f"{path}/topics/{topic.id}/delete",
                       data={"csrf_token": token}).status_code == 404
    session.rollback()
    session.expire_all()
    assert [t.topic for t in session.scalars(select(LetterTopic))] == ["Тираж"]


def test_the_sanitiser_neutralises_hostile_html() -> None:
    cleaned = clean(HOSTILE_HTML)
    html = cleaned.html.lower()
    for hostile in ("<script", "alert(", "onerror", "onload", "javascript:", "evil.example",
                    "url(", "<form", "<iframe", "<style", "<title"):
        assert hostile not in html, hostile
    assert cleaned.remote_images == 1
    assert "добрый день" in html and 'target="_blank"' in html
    # Tricks: entity-encoded schemes, CSS escapes, expression(), protocol-relative URLs.
    tricky = clean('<a href="jav&#x61;script:alert(1)">a</a><a href=" javascript:x">b</a>'
                   '<p style="background:u\\72l(https://evil.example/a)">c</p>'
                   '<p style="width: expression(alert(1)); color: red">d</p>'
                   '<img src="//evil.example/x.png"><img src="http://evil.example/y.png">'
                   '<svg><script>alert(1)</script></svg><math><mi>x</mi></math>'
                   '<a href="data:text/html,<script>alert(1)</script>">e</a>'
                   '<img src="data:image/svg+xml,<svg onload=alert(1)>">')
    text = tricky.html.lower()
    assert "javascript" not in text and "evil.example" not in text
    assert "data:text" not in text and "svg" not in text
    assert text.count(f'src="{BLANK_IMAGE.lower()}"') == 2  # the remote ones, as blank pixels
    assert "expression" not in text and "alert" not in text and 'style="color:red"' in text
    assert tricky.remote_images == 2
    shown = clean('<img src="https://cdn.romashka.ru/logo.png">'
                  '<img src="http://old.example/a.png">', remote_images=True)
    assert 'src="https://cdn.romashka.ru/logo.png"' in shown.html
    assert "http://old.example" not in shown.html  # plain http stays out (the CSP allows https)
