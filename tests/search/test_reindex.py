"""``letterpress reindex``: builds from data written around the ORM, resumes, rebuilds when the
analyzer or backend changes (and searches refuse until then); the CLI's search and reindex."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from letterpress import cli
from letterpress.config import SearchSettings, Settings
from letterpress.crm import users
from letterpress.crm.model import Counterparty, Letter
from letterpress.db.session import make_engine, session_factory
from letterpress.search import IndexMismatch, IndexMissing, Kind, create_schema, meta, query
from letterpress.search.backends.whoosh import available as whoosh_available
from letterpress.search.hooks import hooks_disabled
from letterpress.search.reindex import reindex
from letterpress.testing import letters, mailstore

LETTERS = [
    {"subject": "Договор на печать", "body": "Высылаю договор, жду писем с правками."},
    {"subject": "Письмо о сроках", "body": "Отправлю макет завтра."},
    {"subject": "Invoices", "body": "Printing invoices attached."},
]


def _data(session: Session) -> list[int]:
    """Letters stored without indexing, and a counterparty inserted with Core (no hooks)."""
    users.add_user(session, "m1")
    box = mailstore.mailbox(session, "m1-box", owner="m1")
    raws = [letters.letter(message_id=f"r{i}@letterpress.test", **kw)  # type: ignore[arg-type]
            for i, kw in enumerate(LETTERS)]
    ids = mailstore.deliver(session, box, raws).new_letter_ids
    session.execute(insert(Counterparty), [{"name": "Полиграфкомбинат", "kind": "customer"}])
    session.commit()
    return sorted(ids)


def _ids(session: Session, text: str, settings: Settings | None = None) -> list[int]:
    return sorted(h.id for h in query(session, users.get_user(session, "m1"), text,
                                      settings=settings, limit=50).hits)


def test_reindex_builds_what_bypassed_the_hooks(engine: Engine, tmp_path: Path) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        ids = _data(session)
        with pytest.raises(IndexMissing, match="letterpress reindex"):
            _ids(session, "договор")
    settings = Settings(data_dir=tmp_path)
    report = reindex(engine, settings)
    assert report.counts == {"letter": 3, "counterparty": 1, "contact": 0, "event": 0, "task": 0}
    assert report.complete and report.rebuilt == "the index was created"
    with sessions() as session:
        assert _ids(session, "договоры") == [ids[0]]
        assert _ids(session, "полиграфкомбинат") != []
        assert meta.state_of(session).complete  # type: ignore[union-attr]
    again = reindex(engine, settings)  # in place: nothing rebuilt, same result
    assert again.rebuilt is None and again.counts["letter"] == 3
    with sessions() as session:
        assert _ids(session, "invoice") == [ids[2]]
        session.execute(delete(Counterparty))
        session.commit()
    swept = reindex(engine, settings, kinds=[Kind.COUNTERPARTY])
    assert swept.removed == {"counterparty": 1}


def test_reindex_resumes_after_an_interruption(engine: Engine, tmp_path: Path) -> None:
    sessions = session_factory(engine)
    settings = Settings(data_dir=tmp_path)
    with sessions() as session:
        ids = _data(session)
        create_schema(session.connection())
        meta.write(session.connection(), **{"reindex:letter": str(ids[0])})  # one batch done
        session.commit()
    report = reindex(engine, settings, kinds=[Kind.LETTER], batch_size=1)
    assert report.resumed == {"letter": ids[0]} and report.counts == {"letter": 2}
    assert not report.complete
    with sessions() as session:
        assert _ids(session, "договор") == []  # the "done" batch was never written here
        assert _ids(session, "invoices") == [ids[2]]
        assert meta.state_of(session).get("reindex:letter") is None  # type: ignore[union-attr]
    report = reindex(engine, settings, kinds=[Kind.LETTER], restart=True)
    assert report.resumed == {} and report.counts == {"letter": 3}


@pytest.mark.skipif(importlib.util.find_spec("pymorphy3") is None,
                    reason="pymorphy3 is not installed (pip install 'letterpress[pymorphy]')")
def test_analyzer_change_refuses_searches_until_reindexed(engine: Engine, tmp_path: Path) -> None:
    sessions = session_factory(engine)
    snowball = Settings(data_dir=tmp_path)
    pymorphy = Settings(data_dir=tmp_path, search=SearchSettings(analyzer="pymorphy"))
    with sessions() as session:
        ids = _data(session)
    reindex(engine, snowball)
    with sessions() as session:
        assert _ids(session, "письмо", snowball) == [ids[1]]  # Snowball: "писем" differs
        with pytest.raises(IndexMismatch) as info:
            _ids(session, "письмо", pymorphy)
        assert "snowball/1" in str(info.value) and "pymorphy/1" in str(info.value)
        assert "run `letterpress reindex`" in str(info.value)
    said: list[str] = []
    report = reindex(engine, pymorphy, kinds=[Kind.TASK], say=said.append)
    assert report.rebuilt == "the analyzer changed from snowball/1 to pymorphy/1"
    assert "rebuilding the whole search index" in said[0]
    assert report.counts["letter"] == 3  # a rebuild covers every kind
    with sessions() as session:
        assert _ids(session, "письмо", pymorphy) == ids[:2]  # "писем" is "письмо" now
        assert _ids(session, "отправить", pymorphy) == [ids[1]]
        with pytest.raises(IndexMismatch):
            _ids(session, "письмо", snowball)


@pytest.mark.skipif(not whoosh_available(), reason="whoosh is not installed")
def test_backend_change_to_whoosh_and_back(engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("one database is enough for the switch")
    sessions = session_factory(engine)
    default = Settings(data_dir=tmp_path)
    whoosh = Settings(data_dir=tmp_path, search=SearchSettings(backend="whoosh"))
    with sessions() as session:
        ids = _data(session)
    reindex(engine, default)
    report = reindex(engine, whoosh)
    assert report.rebuilt == "the backend changed from sqlite to whoosh"
    assert (tmp_path / "search-index").is_dir()
    with sessions() as session:
        assert _ids(session, "договор", whoosh) == [ids[0]]
        with pytest.raises(IndexMismatch, match="whoosh backend"):
            _ids(session, "договор", default)
    assert reindex(engine, default).rebuilt == "the backend changed from whoosh to sqlite"
    with sessions() as session:
        assert _ids(session, "договор", default) == [ids[0]]


def test_database_backend_must_match_the_database(engine: Engine, tmp_path: Path) -> None:
    other = "postgres" if engine.dialect.name == "sqlite" else "sqlite"
    settings = Settings(data_dir=tmp_path, search=SearchSettings(backend=other))  # type: ignore[arg-type]
    from letterpress.errors import ConfigError

    with pytest.raises(ConfigError, match="use 'auto'"):
        reindex(engine, settings)


def test_hooks_can_be_turned_off_for_a_bulk_job(engine: Engine) -> None:
    with engine.begin() as conn:
        create_schema(conn)
    with session_factory(engine)() as session:
        users.add_user(session, "m1")
        hooks_disabled(session)
        session.add(Counterparty(name="Без индекса"))
        session.commit()
        assert _ids(session, "индекса") == []


# --- the command line ---------------------------------------------------------------------------


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "letterpress.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    return path


def test_cli_search_and_reindex(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LETTERPRESS_DATABASE_URL", raising=False)
    config = _config(tmp_path)
    assert cli.main(["--config", str(config), "user", "add", "m1", "--role", "manager"]) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'letterpress.db'}")
    with session_factory(engine)() as session:
        box = mailstore.mailbox(session, "m1-box", owner="m1")
        mailstore.deliver(session, box, [letters.letter(message_id="c@x", **LETTERS[0])])  # type: ignore[arg-type]
        session.commit()
    engine.dispose()
    capsys.readouterr()
    # the migrations create the index and the store step indexes new letters at once
    assert cli.main(["--config", str(config), "search", "договор", "--as", "m1",
                     "--format", "json"]) == 0
    assert [h["title"] for h in json.loads(capsys.readouterr().out)] == ["Договор на печать"]

    assert cli.main(["--config", str(config), "reindex", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["letter"] == 1 and report["backend"] == "sqlite"

    assert cli.main(["--config", str(config), "search", "договоры", "--as", "m1",
                     "--format", "json", "--order", "relevance", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    (hit,) = json.loads(out)
    assert out.count("\n") == 1  # one JSON document
    assert {"kind", "id", "title", "snippet", "date"} <= set(hit)
    assert hit["kind"] == "letter" and hit["title"] == "Договор на печать"

    assert cli.main(["--config", str(config), "search", "--as", "m1", "--", "-договор"]) == 1
    assert "excluded words alone" in capsys.readouterr().err
    assert cli.main(["--config", str(config), "search", '"договор', "--as", "m1"]) == 1
    assert "not closed" in capsys.readouterr().err
    assert cli.main(["--config", str(config), "search", "печать", "--as", "m1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("letter #") and "**" in text
    assert cli.main(["--config", str(config), "reindex", "--kind", "spaceships"]) == 1
    assert "unknown kind" in capsys.readouterr().err
    with session_factory(make_engine(f"sqlite:///{tmp_path / 'letterpress.db'}"))() as s:
        assert s.scalar(select(Letter.id)) is not None
