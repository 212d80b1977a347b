"""XYZ on hand-made monthly sales: the coefficients and classes are worked out here."""

from __future__ import annotations

import dataclasses
import math

import pytest
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.errors import ValidationError
from tests.crm.analytics.builders import Ledger
from tests.crm.analytics.conftest import by_counterparty, report

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def _sales(ledger: Ledger, external_id: str, amounts: list[float]) -> None:
    cp = ledger.customer(external_id)
    for month, amount in zip(MONTHS, amounts, strict=True):
        if amount:
            ledger.ship(cp, month, amount)


def _world(ledger: Ledger) -> None:
    _sales(ledger, "FLAT", [100] * 12)                       # cv 0
    _sales(ledger, "HALF", [300] * 6 + [100] * 6)            # cv |300-100| / 400 = 0.5 exactly
    _sales(ledger, "UNDER", [299] * 6 + [101] * 6)           # cv 198 / 400 = 0.495
    _sales(ledger, "ONE", [200, 0] * 6)                      # mean 100, std 100: cv 1 exactly
    _sales(ledger, "PEAK", [120] + [0] * 10 + [1200])        # cv ~3.00
    _sales(ledger, "ONCE", [0] * 11 + [500])                 # one-time: no XYZ
    _sales(ledger, "GONE", [100, 100] + [0] * 10)            # lost by December: no XYZ
    ledger.session.commit()


def test_cv_and_classes(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rep = report(session, "xyz", abc=True)
    rows = by_counterparty(rep)
    assert set(rows) == {"FLAT", "HALF", "UNDER", "ONE", "PEAK"}
    peak_mean = 1320 / 12
    peak_cv = math.sqrt(((120 - peak_mean) ** 2 + (1200 - peak_mean) ** 2
                         + 10 * peak_mean ** 2) / 12) / peak_mean
    expected = {"FLAT": (0.0, "X"), "UNDER": (0.495, "X"), "HALF": (0.5, "Y"),
                "ONE": (1.0, "Y"), "PEAK": (peak_cv, "Z")}
    for key, (cv, klass) in expected.items():
        assert rows[key]["cv"] == pytest.approx(cv, abs=1e-6), key
        assert rows[key]["class"] == klass, key
    assert rows["HALF"]["mean"] == 200.0 and rows["HALF"]["total"] == 2400.0
    assert rows["FLAT"]["buckets"] == 12
    assert [r["counterparty"] for r in rep.rows] == ["FLAT", "UNDER", "HALF", "ONE", "PEAK"]
    assert rep.settings["xyz_x_percent"] == 50.0 and rep.settings["xyz_y_percent"] == 100.0
    # The ABC class of the same period comes along (AX ... CZ): PEAK has the most revenue.
    assert rows["PEAK"]["abc"] == "A"


def test_quarters_use_the_classic_thresholds(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    settings = Settings(analytics=dataclasses.replace(AnalyticsSettings(), xyz_bucket="quarter"))
    rows = by_counterparty(report(session, "xyz", settings=settings))
    assert "abc" not in rows["FLAT"]  # only with the abc option
    # Quarters: FLAT 300 each (cv 0, X); HALF 900, 900, 300, 300 (cv 0.5 > 25 %: Z); ONE 400,
    # 200, 400, 200 (mean 300, std 100: cv 1/3 > 25 %: Z); UNDER 897, 897, 303, 303 (Z).
    assert {k: r["class"] for k, r in rows.items()} == {
        "FLAT": "X", "HALF": "Z", "ONE": "Z", "UNDER": "Z", "PEAK": "Z"}
    assert rows["ONE"]["cv"] == pytest.approx(1 / 3) and rows["ONE"]["buckets"] == 4
    custom = Settings(analytics=dataclasses.replace(
        AnalyticsSettings(), xyz_bucket="quarter", xyz_thresholds="custom", xyz_x_percent=40.0,
        xyz_y_percent=60.0))
    rows = by_counterparty(report(session, "xyz", settings=custom))
    assert rows["ONE"]["class"] == "X" and rows["HALF"]["class"] == "Y"
    with pytest.raises(ValidationError, match="do not divide"):
        report(session, "xyz", "2025-01..2025-05", settings=settings)


def test_empty_months_count_and_the_manager_shows(session: Session, ledger: Ledger) -> None:
    # 100 in January and December, nothing between: N = 12, s1 = 200, s2 = 20,000;
    # cv = sqrt(12 * 20,000 - 200^2) / 200 = sqrt(5) (Z), mean 200 / 12.
    m1 = ledger.user("m1")
    cp = ledger.customer("EDGES", manager=m1)
    ledger.ship(cp, "2025-01", 100)
    ledger.ship(cp, "2025-12", 100)
    session.commit()
    rep = report(session, "xyz")
    assert rep.rows == [{"counterparty": "EDGES", "name": "Company EDGES", "manager": "m1",
                         "cv": round(math.sqrt(5), 6), "class": "Z", "mean": 16.67,
                         "total": 200.0, "buckets": 12, "counterparty_id": cp.id}]
