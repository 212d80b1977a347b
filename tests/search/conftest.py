"""Search fixtures: one database per test with a search index on each backend, and a small CRM
world with letters in several mailboxes, counterparties, contacts, events and tasks."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from letterpress.config import SearchSettings, Settings
from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.model import ContactPerson, Counterparty, Letter, Task, User
from letterpress.db.session import session_factory
from letterpress.search import create_schema, install_hooks
from letterpress.search.backends.whoosh import available as whoosh_available
from letterpress.testing import letters, mailstore
from letterpress.testing.database import PostgresTestDatabase, fresh_engine, sqlite_url
from letterpress.testing.factories import make_contact, make_event
from tests.conftest import require_service

MSK = dt.timezone(dt.timedelta(hours=3))
BACKENDS = ["sqlite", "postgres", "whoosh"]


@dataclass
class SearchDb:
    backend: str
    engine: Engine
    settings: Settings
    whoosh_dir: str = ""


@pytest.fixture(params=BACKENDS)
def search_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchDb]:
    """An empty CRM database with a search index on the backend named by the parameter."""
    backend = request.param
    if backend == "whoosh" and not whoosh_available():
        pytest.skip("whoosh is not installed (pip install 'letterpress[whoosh]')")
    if backend == "postgres":
        pg: PostgresTestDatabase | None = request.getfixturevalue("postgres_db")
        require_service(pg is not None, "PostgreSQL: LETTERPRESS_TEST_DATABASE_URL is not set")
        assert pg is not None
        url, _schema = pg.schema_url()
    else:
        url = sqlite_url(tmp_path)
    whoosh_dir = str(tmp_path / "whoosh") if backend == "whoosh" else ""
    settings = Settings(data_dir=tmp_path, search=SearchSettings(backend="auto" if backend !=
                                                                 "whoosh" else "whoosh",
                                                                 whoosh_dir=whoosh_dir))
    install_hooks()
    with fresh_engine(url) as engine:
        with engine.begin() as conn:
            create_schema(conn, backend=settings.search.backend, whoosh_dir=whoosh_dir or None)
        yield SearchDb(backend, engine, settings, whoosh_dir)


@pytest.fixture
def search_session(search_db: SearchDb) -> Iterator[Session]:
    with session_factory(search_db.engine)() as session:
        yield session


# --- attachments ------------------------------------------------------------------------------


def simple_pdf(text: str) -> bytes:
    """A real one-page PDF (Helvetica) showing ``text`` (ASCII)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def simple_docx(*paragraphs: str) -> bytes:
    """A minimal .docx whose body holds ``paragraphs``."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}">'
                f"<w:body>{body}</w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("word/document.xml", document.encode("utf-8"))
    return buf.getvalue()


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    """Who and what exists; ``letter[name]`` is a letter id by its test name."""

    letter: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def user(self, session: Session, login: str) -> User:
        return users.get_user(session, login)


def _when(day: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, 10, 0, tzinfo=MSK)


IVAN = ("Иван Петров", "ivan.petrov@stroymash.ru")
OLGA = ("Ольга Смирнова", "o.smirnova@teplocom.ru")
MARIA = ("Мария Сидорова", "m.sidorova@letterpress.test")
PAVEL = ("Павел Орлов", "p.orlov@letterpress.test")

# name, mailbox, folder, date (day of March 2025), builder kwargs
LETTERS: list[tuple[str, str, int, dict[str, object]]] = [
    ("contract", "m1-box", 3, {
        "subject": "Договор поставки бумаги", "sender": IVAN, "to": (MARIA,),
        "body": "Добрый день! Направляем проект договора. Просим подписать два экземпляра."}),
    ("contracts", "m1-box", 5, {
        "subject": "Реестр договоров", "sender": MARIA, "to": (IVAN,),
        "body": "Сверка договоров за квартал и счета на оплату во вложении.",
        "attachments": (letters.Attachment("реестр.csv", "text/csv",
                                        "номер;сумма\nД-17;125400\nвыставлены счета-фактуры\n"
                                        .encode("cp1251")),)}),
    ("invoice", "m1-box", 7, {
        "subject": "Счёт на оплату № 4512", "sender": OLGA, "to": (MARIA,),
        "body": "Оплатите, пожалуйста, счёт до пятницы. Отгрузка после оплаты."}),
    ("english", "m1-box", 9, {
        "subject": "Printing invoices for March", "sender": ("John Smith", "john@printhouse.co.uk"),
        "to": (MARIA,), "body": "Please find attached the invoices for offset printing services.",
        "attachments": (letters.Attachment("quote.pdf", "application/pdf",
                                        simple_pdf("Quotation for glossy brochures")),
                     letters.Attachment("spec.docx", "application/vnd.openxmlformats-"
                                        "officedocument.wordprocessingml.document",
                                        simple_docx("Техническое задание на ламинирование")),)}),
    ("html", "m1-box", 11, {
        "subject": "Рассылка: новинки", "sender": IVAN, "to": (MARIA,), "body": "",
        "html": "<html><head><style>.x{color:red}</style></head><body><p>Каталог "
             "<b>календарей</b> на 2026&nbsp;год</p><script>var hidden='тайна'</script></body>"
             "</html>"}),
    ("other-manager", "m2-box", 13, {
        "subject": "Договор с Теплокомом", "sender": OLGA, "to": (PAVEL,),
        "body": "Личная переписка по договору, который видит только второй менеджер."}),
    ("shared", "sales", 15, {
        "subject": "Запрос по договору аренды", "sender": ("Клиент", "client@example.org"),
        "to": (("Отдел продаж", "sales@letterpress.test"),),
        "body": "Интересует договор аренды оборудования. Жду счета."}),
    ("cc-letter", "m1-box", 17, {
        "subject": "Макет обложки", "sender": IVAN, "to": (MARIA,), "cc": (PAVEL,),
        "body": "Макет в приложении, правки вносите прямо в файл.",
        "attachments": (letters.Attachment("обложка_v2.txt", "text/plain",
                                        "Цвет фона: бирюзовый".encode()),)}),
]


def build_world(session: Session) -> World:
    """The same CRM data for every backend; committed (whoosh writes at commit)."""
    world = World()
    users.add_user(session, "head", role="head", team="north")
    users.add_user(session, "m1", team="north", supervisor="head", email=MARIA[1])
    users.add_user(session, "m2", team="north", email=PAVEL[1])
    users.add_user(session, "root", role="admin")
    cp = create_counterparty(session, CounterpartyData(
        name="Строймаш", legal_name="ООО «Строймаш-Поставка»", inn="7707083893",
        domains=["stroymash.ru"], addresses=["Москва, ул. Полиграфистов, 12"],
        phones=["+7 (495) 123-45-67"]))
    cp2 = create_counterparty(session, CounterpartyData(name="Теплоком", domains=["teplocom.ru"]))
    world.ids.update(stroymash=cp.id, teplocom=cp2.id)
    boxes = {
        "m1-box": mailstore.mailbox(session, "m1-box", owner="m1"),
        "m2-box": mailstore.mailbox(session, "m2-box", owner="m2"),
        "sales": mailstore.mailbox(session, "sales", grants=(("user:m1", "read"),)),
    }
    for name, box, day, kwargs in LETTERS:
        raw = letters.letter(message_id=f"{name}@letterpress.test", date=_when(day),
                             **kwargs)  # type: ignore[arg-type]
        outcome = mailstore.deliver(session, boxes[box], [raw])  # indexes them, as the daemon
        world.letter[name] = outcome.new_letter_ids[0]
    m1, m2 = users.get_user(session, "m1"), users.get_user(session, "m2")
    shared = make_contact(session, cp, "Анна Кузнецова", position="главный бухгалтер",
                          emails=["a.kuznetsova@stroymash.ru"], phones=["8 (916) 555-12-34"])
    personal = make_contact(session, None, "Борис Личный", owner=m2, position="сосед по даче",
                            emails=["boris@mail.ru"])
    world.ids.update(shared_contact=shared.id, personal_contact=personal.id)
    call = make_event(session, cp, author=m1, subject="Звонок по договору",
                      content="Обсудили сроки печати каталогов и скидку.",
                      start_at=dt.datetime(2025, 3, 20, 9, 0, tzinfo=dt.UTC))
    letter_event = make_event(session, cp2, author=m2, kind="meeting",
                              subject="Встреча по договору с Теплокомом",
                              content="Подписание договора в офисе.",
                              letter_id=world.letter["other-manager"],
                              start_at=dt.datetime(2025, 3, 21, 9, 0, tzinfo=dt.UTC))
    world.ids.update(call=call.id, letter_event=letter_event.id)
    for login, subject, curator in (("m1", "Подготовить договор для Строймаша", "head"),
                                    ("m2", "Выставить счёт Теплокому", None)):
        assignee = users.get_user(session, login)
        task = Task(subject=subject, description="Срочно, до конца месяца.",
                    assignee_id=assignee.id, counterparty_id=cp.id,
                    curator_id=users.get_user(session, curator).id if curator else None,
                    due_at=dt.datetime(2025, 3, 28, 12, 0, tzinfo=dt.UTC))
        session.add(task)
        session.flush()
        world.ids[f"task-{login}"] = task.id
    session.commit()
    assert m1.id and m2.id
    return world


@pytest.fixture
def world(search_session: Session) -> World:
    return build_world(search_session)


def letter_ids(session: Session, names: list[str]) -> set[int]:
    return set(session.scalars(select(Letter.id).where(
        Letter.message_id.in_([f"{n}@letterpress.test" for n in names]))))


__all__ = ["ContactPerson", "Counterparty"]
