"""A letter filed by the daemon is searchable at once: store and index in one transaction.

The mail daemon's store step (``mailsvc/store.py``) ends with ``index_analysed_letters`` for the
letters it has just written; these tests call the real store through ``testing.mailstore.deliver``,
as the daemon does.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, table
from sqlalchemy.orm import Session

from letterpress.config import SearchSettings, Settings
from letterpress.crm import users
from letterpress.db.session import session_factory
from letterpress.search import create_schema, query
from letterpress.search.backends.whoosh import available as whoosh_available
from letterpress.testing import letters, mailstore

FRESH = {"subject": "Срочный заказ визиток", "message_id": "fresh@letterpress.test",
             "body": "Нужны визитки к понедельнику, 500 штук."}


def _store(session: Session) -> list[int]:
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    outcome = mailstore.deliver(session, box, [letters.letter(**FRESH)])  # type: ignore[arg-type]
    return outcome.new_letter_ids  # store_batch indexed them in this transaction


def test_searchable_in_the_store_transaction_and_after_commit(engine: Engine) -> None:
    with engine.begin() as conn:
        create_schema(conn)
    sessions = session_factory(engine)
    with sessions() as session:
        users.add_user(session, "m1")
        session.commit()
        started = time.perf_counter()
        ids = _store(session)
        m1 = users.get_user(session, "m1")
        assert [h.id for h in query(session, m1, "визитка").hits] == ids  # same transaction
        session.commit()
    with sessions() as other:
        hits = query(other, users.get_user(other, "m1"), "визиток заказ").hits
        elapsed = time.perf_counter() - started
    assert [h.id for h in hits] == ids
    assert elapsed < 1.0, f"{elapsed:.3f} s from store to a hit in another session"


def test_a_rolled_back_store_leaves_nothing_in_the_index(engine: Engine) -> None:
    with engine.begin() as conn:
        create_schema(conn)
    sessions = session_factory(engine)
    with sessions() as session:
        users.add_user(session, "m1")
        session.commit()
        _store(session)
        session.rollback()
        assert query(session, users.get_user(session, "m1"), "визитки").hits == []
        assert session.scalar(select(func.count()).select_from(table("search_docs"))) == 0


@pytest.mark.skipif(not whoosh_available(), reason="whoosh is not installed")
def test_whoosh_after_commit_within_a_second(tmp_path: Path) -> None:
    from letterpress.testing.database import fresh_engine, sqlite_url

    settings = Settings(data_dir=tmp_path, search=SearchSettings(
        backend="whoosh", whoosh_dir=str(tmp_path / "ix")))
    with fresh_engine(sqlite_url(tmp_path)) as engine:
        with engine.begin() as conn:
            create_schema(conn, backend="whoosh", whoosh_dir=tmp_path / "ix")
        sessions = session_factory(engine)
        with sessions() as session:
            users.add_user(session, "m1")
            session.commit()
            started = time.perf_counter()
            ids = _store(session)
            session.commit()  # whoosh writes when the database has committed
        with sessions() as other:
            hits = query(other, users.get_user(other, "m1"), "визитки", settings=settings).hits
        elapsed = time.perf_counter() - started
        assert [h.id for h in hits] == ids
        assert elapsed < 1.0
