"""The exports write a report's columns: the internal ``counterparty_id`` its rows carry for the
pages stays out of the table, CSV, JSON and XLSX alike."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session

from letterpress.crm.analytics import export
from tests.crm.analytics.builders import Ledger
from tests.crm.analytics.conftest import report


def test_no_export_writes_the_internal_counterparty_id(session: Session, ledger: Ledger) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    m1 = ledger.user("m1")
    own = ledger.customer(None, manager=m1, name="ИП Своя")
    ledger.ship(own, "2025-03", 100)
    ledger.ship(ledger.customer("K", manager=m1), "2025-04", 300)
    session.commit()
    rep = report(session, "abc")
    assert [r["counterparty_id"] for r in rep.rows] == [ledger.customers["K"].id, own.id]
    columns = ["counterparty", "name", "manager", "value", "share", "cumulative_share", "rank",
               "class"]
    assert rep.columns == columns
    rows = list(csv.DictReader(io.StringIO(export.to_csv(rep))))
    assert [(r["counterparty"], r["name"]) for r in rows] == [("K", "Company K"), ("", "ИП Своя")]
    assert list(rows[0]) == columns
    assert [list(r) for r in json.loads(export.to_json(rep))] == [columns, columns]
    assert json.loads(export.to_json(rep, meta=True))["rows"][1]["name"] == "ИП Своя"
    assert "counterparty_id" not in export.to_table(rep)
    book = load_workbook(io.BytesIO(export.to_xlsx(rep)), read_only=True)
    sheet = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert sheet[0] == columns
    assert [r[:2] for r in sheet[1:]] == [["K", "Company K"], [None, "ИП Своя"]]
