"""Multi-row inserts store what SQLAlchemy's own inserts would, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from letterpress.crm.model import Blob, Letter, LetterLocation, MailFolder
from letterpress.db import bulk
from letterpress.mailsvc.store import LETTER_COLUMNS
from letterpress.testing import mailstore

MSK = dt.timezone(dt.timedelta(hours=3))
LETTERS = Letter.__table__
SENT = dt.datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=MSK)
#: Every column of a letter (insert_rows applies no SQLAlchemy defaults, as the store gives all)
BASE = {"dedup_key": "", "raw_sha256": "a" * 64, "size": 3, "received_at": SENT,
        "message_id": None, "in_reply_to": None, "references": "", "thread_id": None,
        "subject": "", "sent_at": None, "from_email": None, "from_name": None, "text_plain": "",
        "text_html": "", "has_attachments": False, "is_bulk": False, "is_outgoing": False,
        "parse_error": None, "parse_warnings": ""}


def _row(letter_id: int, **values: object) -> tuple[object, ...]:
    row = {**BASE, "id": letter_id, **values}
    return tuple(row[c] for c in LETTER_COLUMNS)


def _blob(session: Session) -> None:
    bulk.insert_rows(session, Blob.__table__, ("sha256", "size", "data"),  # type: ignore[arg-type]
                     [("a" * 64, 3, b"abc")])


def test_values_are_converted_as_sqlalchemy_converts_them(session: Session) -> None:
    _blob(session)
    ids = bulk.allocate_ids(session, LETTERS, 2)  # type: ignore[arg-type]
    bulk.insert_rows(session, LETTERS, LETTER_COLUMNS, [  # type: ignore[arg-type]
        _row(ids[0], dedup_key="k1", sent_at=SENT, references="<a@x> <b@x>", is_bulk=True,
             subject="Тема"),
        _row(ids[1], dedup_key="k2", message_id="m@x"),
    ])
    session.execute(insert(LETTERS), [{  # the same row through SQLAlchemy
        **BASE, "dedup_key": "k3", "sent_at": SENT, "references": "<a@x> <b@x>", "is_bulk": True,
        "subject": "Тема"}])
    rows = {r.dedup_key: r for r in session.execute(select(Letter)).scalars()}
    assert rows["k1"].sent_at == SENT and rows["k1"].sent_at.tzinfo is not None
    assert rows["k2"].sent_at is None and rows["k2"].is_bulk is False
    assert rows["k2"].message_id == "m@x"
    for name in ("received_at", "sent_at", "references", "is_bulk", "message_id", "subject",
                 "text_plain", "thread_id"):
        assert getattr(rows["k1"], name) == getattr(rows["k3"], name), name
    raw = session.connection().exec_driver_sql(
        "SELECT dedup_key, received_at, sent_at, is_bulk FROM letters ORDER BY dedup_key").all()
    assert raw[0][1:] == raw[2][1:]  # stored in the same form, not just read back alike


def test_conflicts_are_skipped_and_returning_gives_the_inserted(session: Session,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.setattr(bulk, "MAX_PARAMS", 11)  # two rows a statement: several statements
    _blob(session)
    box = mailstore.mailbox(session, "shared-box")
    folder = session.scalar(select(MailFolder.id).where(MailFolder.mailbox_id == box.id))
    ids = bulk.allocate_ids(session, LETTERS, 1)  # type: ignore[arg-type]
    bulk.insert_rows(session, LETTERS, LETTER_COLUMNS,  # type: ignore[arg-type]
                     [_row(ids[0], dedup_key="k")])
    columns = ("letter_id", "folder_id", "uidvalidity", "uid", "raw_sha256")
    rows = [(ids[0], folder, 1, uid, "a" * 64) for uid in range(1, 6)]
    unique = ("folder_id", "uidvalidity", "uid")
    locations = LetterLocation.__table__
    first = bulk.insert_rows(session, locations, columns, rows[:3],  # type: ignore[arg-type]
                             skip_conflicts_on=unique, returning=("uid",))
    again = bulk.insert_rows(session, locations, columns, rows,  # type: ignore[arg-type]
                             skip_conflicts_on=unique, returning=("uid",))
    assert sorted(first) == [(1,), (2,), (3,)]
    assert sorted(again) == [(4,), (5,)]
    assert sorted(session.scalars(select(LetterLocation.uid))) == [1, 2, 3, 4, 5]


def test_allocated_ids_follow_the_stored_ones(session: Session) -> None:
    _blob(session)
    session.execute(insert(LETTERS), [{**BASE, "dedup_key": "x"}])
    stored = session.scalar(select(Letter.id))
    assert stored is not None
    first = bulk.allocate_ids(session, LETTERS, 3)  # type: ignore[arg-type]
    bulk.insert_rows(session, LETTERS, LETTER_COLUMNS,  # type: ignore[arg-type]
                     [_row(i, dedup_key=f"k{i}") for i in first])
    second = bulk.allocate_ids(session, LETTERS, 2)  # type: ignore[arg-type]
    assert len(set(first) | set(second) | {stored}) == 6
    assert min(first) > stored and min(second) > max(first)
    assert bulk.allocate_ids(session, LETTERS, 0) == []  # type: ignore[arg-type]


def test_a_value_repeated_down_the_rows_is_converted_for_every_row(session: Session) -> None:
    """Each column's processor runs once per run of the same object; the rows still differ."""
    _blob(session)
    later = SENT + dt.timedelta(days=1)
    ids = bulk.allocate_ids(session, LETTERS, 6)  # type: ignore[arg-type]
    sent = [SENT, SENT, None, later, later, SENT]
    flags = [True, True, False, False, True, True]
    bulk.insert_rows(session, LETTERS, LETTER_COLUMNS, [  # type: ignore[arg-type]
        _row(letter_id, dedup_key=f"r{k}", sent_at=when, is_bulk=flag)
        for k, (letter_id, when, flag) in enumerate(zip(ids, sent, flags, strict=True))
    ])
    rows = session.execute(select(Letter.dedup_key, Letter.sent_at, Letter.is_bulk)
                           .order_by(Letter.dedup_key)).all()
    assert [(r.sent_at, r.is_bulk) for r in rows] == list(zip(sent, flags, strict=True))
