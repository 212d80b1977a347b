"""The SQL helpers the big reports share: rounding in SQL, rows streamed as plain tuples."""

from __future__ import annotations

from sqlalchemy import Float, func, literal, null, select
from sqlalchemy.orm import Session

from letterpress.crm.analytics.expressions import rounded, stream_rows
from letterpress.crm.model import Counterparty
from tests.crm.analytics.builders import Ledger


def test_rounded_rounds_in_sql(session: Session) -> None:
    assert session.scalar(select(rounded(literal(2 / 3, Float), 6))) == 0.666667
    assert session.scalar(select(rounded(literal(1234.5678, Float), 2))) == 1234.57
    assert session.scalar(select(rounded(literal(-0.1234565, Float), 4))) == -0.1235
    assert session.scalar(select(rounded(literal(7, Float), 6))) == 7.0
    assert session.scalar(select(rounded(null(), 6))) is None


def test_stream_rows_match_the_session_rows(session: Session, ledger: Ledger) -> None:
    ids = {key: ledger.customer(key).id for key in ("A", "B", "C")}
    session.commit()
    statement = (
        select(Counterparty.external_id, Counterparty.id, literal(0.5, Float).label("half"))
        .where(Counterparty.external_id.in_(["A", "C"]))  # an expanding IN parameter
        .order_by(Counterparty.external_id)
    )
    rows = [tuple(row) for row in stream_rows(session, statement)]
    assert rows == [("A", ids["A"], 0.5), ("C", ids["C"], 0.5)]
    assert rows == [tuple(row) for row in session.execute(statement)]
    # The session's connection is free again for the next statement.
    assert session.scalar(select(func.count()).select_from(Counterparty)) == 3


def test_stream_rows_left_early_leave_the_session_usable(session: Session,
                                                         ledger: Ledger) -> None:
    for key in ("A", "B", "C"):
        ledger.customer(key)
    session.commit()
    rows = stream_rows(session, select(Counterparty.external_id).order_by(Counterparty.id))
    assert tuple(next(rows)) == ("A",)
    close = getattr(rows, "close", None)
    if close is not None:
        close()
    assert session.scalar(select(func.count()).select_from(Counterparty)) == 3


def test_stream_rows_see_pending_changes(session: Session) -> None:
    session.add(Counterparty(external_id="NEW", name="Company NEW", kind="customer"))
    rows = list(stream_rows(session, select(Counterparty.external_id)))
    assert [tuple(row) for row in rows] == [("NEW",)]
