"""The ORM hooks: inert without an index, batch-friendly with one; the [search] settings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect
from sqlalchemy.orm import Session

from letterpress.config import Settings, load_settings
from letterpress.crm import users
from letterpress.crm.model import ContactPerson, Counterparty, CounterpartyPhone
from letterpress.db.session import session_factory
from letterpress.errors import ConfigError
from letterpress.search import Kind, create_schema, index, install_hooks, query

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def _names(session: Session, text: str) -> list[str]:
    return [h.title for h in query(session, users.get_user(session, "m1"), text, limit=100).hits]


def test_hooks_do_nothing_in_a_database_without_an_index(session: Session) -> None:
    install_hooks()
    users.add_user(session, "m1")
    session.add(Counterparty(name="Ромашка", phones=[CounterpartyPhone(value="+7 495 000-00-00")]))
    session.commit()
    assert not any(t.startswith("search_") for t in inspect(session.get_bind()).get_table_names())


def test_one_flush_of_many_objects_is_indexed_in_batches(engine: Engine) -> None:
    install_hooks()
    with engine.begin() as conn:
        create_schema(conn)
    with session_factory(engine)() as session:
        users.add_user(session, "m1")
        started = time.perf_counter()
        session.add_all(Counterparty(name=f"Типография №{i}") for i in range(1000))
        session.add_all(ContactPerson(name=f"Сотрудник {i}", position="печатник") for i in range(500))
        session.commit()
        elapsed = time.perf_counter() - started
        assert len(_names(session, "типография")) == 100  # the page limit
        assert query(session, users.get_user(session, "m1"), "печатник", limit=1).has_more
        assert _names(session, "типография 999") == ["Типография №999"]
    assert elapsed < 15, elapsed


def test_core_inserts_wait_for_index_or_reindex(engine: Engine) -> None:
    install_hooks()
    with engine.begin() as conn:
        create_schema(conn)
    with session_factory(engine)() as session:
        users.add_user(session, "m1")
        (cp_id,) = session.execute(insert(Counterparty).returning(Counterparty.id),
                                   [{"name": "Офсет-Принт", "kind": "customer"}]).scalars()
        session.commit()
        assert _names(session, "офсет") == []
        index(session, Kind.COUNTERPARTY, [cp_id])
        session.commit()
        assert _names(session, "офсет") == ["Офсет-Принт"]


def test_example_config_documents_the_search_defaults() -> None:
    loaded = load_settings(EXAMPLE, environ={})
    assert loaded.search == Settings().search


@pytest.mark.parametrize(("toml", "expected"), [
    ("[search]\nbackend = 'lucene'\n", "key 'search.backend': expected one of 'auto'"),
    ("[search]\nanalyzer = 'porter'\n", "key 'search.analyzer'"),
    ("[search]\npage_size = 0\n", "key 'search.page_size': expected 1-200"),
    ("[search]\ncolour = 1\n", "unknown key 'search.colour'"),
])
def test_bad_search_settings(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.").replace("(", r"\(")):
        load_settings(path, environ={})
