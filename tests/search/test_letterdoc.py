"""A letter indexed as it is stored has exactly the document that reindexing it gives.

The mail store indexes new letters from their parsed values (analysed in the parser workers,
:func:`letterpress.mailsvc.stored.search_fields`); ``letterpress reindex`` and ORM changes make
the document from the stored rows (:func:`letterpress.search.documents.load_letters`). Both go
through :func:`letterpress.search.letterdoc.letter_texts`; these tests hold them to the same
index rows, attachments, HTML-only bodies, cut names and unparseable letters included.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm import users
from letterpress.crm.model import MailFolder
from letterpress.mailsvc.folder_state import filing_policy, folder_ref
from letterpress.mailsvc.parse_pool import ParsePool, parse_one
from letterpress.mailsvc.store import store_batch
from letterpress.mailsvc.stored import search_fields
from letterpress.search import Kind, index, letters_analyzer, query
from letterpress.search.letterdoc import LetterFields
from letterpress.testing import letters, mailstore
from tests.search.conftest import SearchDb, World

ODD = [
    letters.letter(subject="Очень длинное имя", message_id="long-name@letterpress.test",
                   sender=("Иван " + "Петрович " * 80, "ivan.petrov@stroymash.ru"),
                   to=(("Мария " * 120, "m.sidorova@letterpress.test"),),
                   body="Длинные имена обрезаются до 500 знаков, как в таблице адресов."),
    letters.letter(subject="Старое письмо", message_id="koi8@letterpress.test", charset="koi8-r",
                   body="Письмо в кодировке КОИ-8 про переплёт."),
    b"\x00\x01 this is not a letter at all",
]


def _rows(session: Session, backend: str) -> dict[int, tuple[Any, ...]]:
    conn = session.connection()
    if backend == "sqlite":
        sql = "SELECT obj_id, id, title, keys, more, body FROM search_docs WHERE kind = 1"
    else:
        sql = "SELECT obj_id, date, CAST(tsv AS text) FROM search_docs WHERE kind = 1"
    return {row[0]: tuple(row[1:]) for row in conn.exec_driver_sql(sql)}


def test_store_and_reindex_make_the_same_documents(search_db: SearchDb, search_session: Session,
                                                   world: World) -> None:
    if search_db.backend == "whoosh":
        pytest.skip("an index outside the database reads letters back from their rows anyway")
    session = search_session
    box = mailstore.mailbox(session, "odd-box", owner="m1")
    odd = mailstore.deliver(session, box, ODD).new_letter_ids
    session.commit()
    stored = _rows(session, search_db.backend)
    assert set(stored) == set(world.letter.values()) | set(odd)
    assert all(stored.values())
    index(session, Kind.LETTER, sorted(stored))  # what `letterpress reindex` does for letters
    assert _rows(session, search_db.backend) == stored
    m1 = world.user(session, "m1")
    for words, name in (("glossy brochures", "english"), ("ламинирования", "english"),
                        ("календарей", "html"), ("бирюзовый", "cc-letter")):
        assert world.letter[name] in {h.id for h in query(session, m1, words).hits}, words
    assert {h.id for h in query(session, m1, "переплет").hits} == {odd[1]}


def test_parser_workers_make_the_fields_the_store_would(search_db: SearchDb,
                                                        search_session: Session) -> None:
    if search_db.backend != "sqlite":
        pytest.skip("the analysis does not depend on the backend")
    analyzer = letters_analyzer(search_session)
    assert analyzer == "snowball/1"
    raws = [*ODD, letters.letter(html="<p>Только <b>HTML</b></p>", body="",
                                 attachments=(letters.Attachment(
                                     "счёт.txt", "text/plain", "Оплата тиража".encode()),))]
    with ParsePool(workers=1) as pool:
        fetched = pool.parse_sync(list(enumerate(raws, 1)), analyzer)
    for f in fetched:
        assert f.search is not None
        assert f.search == search_fields(f.parsed, analyzer)
    assert fetched[2].parsed is None and fetched[2].search == search_fields(None, analyzer)
    assert "оплат тираж" in fetched[3].search.tokens[3]


def test_fields_of_another_analyzer_are_made_again(search_db: SearchDb,
                                                   search_session: Session) -> None:
    """The index was rebuilt with another analyzer while the workers were parsing."""
    if search_db.backend != "sqlite":
        pytest.skip("the choice does not depend on the backend")
    session = search_session
    users.add_user(session, "m1")
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    folder = session.scalar(select(MailFolder.id).where(MailFolder.mailbox_id == box.id))
    assert folder is not None
    raw = letters.letter(subject="Переплёт каталога", message_id="stale@letterpress.test")
    stale = dataclasses.replace(parse_one(1, raw, "snowball/1"),
                                search=LetterFields("older/1", ("стар", "", "", "")))
    outcome = store_batch(session, folder_ref(session, folder, None), 1, [stale],
                          filing_policy(Settings()))
    m1 = users.get_user(session, "m1")
    assert [h.id for h in query(session, m1, "переплет каталогов").hits] == outcome.new_letter_ids
    assert query(session, m1, "стар").hits == []
