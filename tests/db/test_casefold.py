"""casefold() folds Cyrillic case and ё alike on SQLite and PostgreSQL, and as fold() does."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from letterpress.db.casefold import casefold, fold


def test_casefold_in_sql_matches_fold_in_python(session: Session) -> None:
    for text in ("ООО «Ёлка»", "ЗАО Звезда", "Mixed Латиница", ""):
        assert session.scalar(select(casefold(literal(text)))) == fold(text)
    assert fold("ООО «Ёлка»") == "ооо «елка»"
    assert session.scalar(select(casefold(literal(None)))) is None
