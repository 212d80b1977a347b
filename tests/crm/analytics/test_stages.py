"""Relationship stages month by month, the changes with their managers, worked out by hand."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.analytics.register import ensure_fresh
from letterpress.crm.model import StageChange, User
from tests.crm.analytics.builders import Ledger
from tests.crm.analytics.conftest import TODAY, by_counterparty, report


def _world(ledger: Ledger) -> tuple[User, User]:
    m1, m2 = ledger.user("m1"), ledger.user("m2")
    r = ledger.customer("R", manager=m1)
    ledger.ship(r, "2025-03", 100)
    ledger.ship(r, "2025-10", 100)
    ledger.ship(ledger.customer("O", manager=m1), "2025-09", 100)
    lost = ledger.customer("L", manager=m1)
    ledger.ship(lost, "2024-05", 100)  # the ledger's first month
    ledger.order(lost, "2025-02", 100, manager=m2)  # from here on L is m2's
    ledger.ship(lost, "2025-02", 100)
    d = ledger.customer("D", manager=m2)
    for when in ("2024-06", "2024-12", "2025-06"):
        ledger.ship(d, when, 50)
    ledger.customer("P", manager=m1)
    ledger.customer("N", manager=m2, created="2025-06-02")
    ledger.customer("S", kind="supplier", manager=m1)  # not a customer at all
    ledger.session.commit()
    return m1, m2


def test_stage_at_the_period_end(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rows = by_counterparty(report(session, "stages"))
    stages = {k: r["stage"] for k, r in rows.items()}
    # R: 2025-03 and 2025-10 within 12 months (lost in September, won back); O: 2025-09 only; L: nothing since 2025-02 and D
    # nothing since 2025-06 (July..December: six months without a purchase); P, N never bought.
    assert stages == {"R": "regular", "O": "one_time", "L": "lost", "D": "lost",
                      "P": "potential", "N": "potential"}
    assert rows["R"]["since"] == "2025-10" and rows["R"]["previous_stage"] == "lost"
    assert rows["L"]["since"] == "2025-08" and rows["L"]["previous_stage"] == "one_time"
    assert rows["D"]["since"] == "2025-12" and rows["D"]["previous_stage"] == "regular"
    assert rows["N"]["since"] == "2025-06" and rows["N"]["previous_stage"] is None
    assert rows["D"]["months_with_sales"] == 1 and rows["D"]["months_with_sales_ever"] == 3
    # At the end of May: May 2024 has left L's window (one-time again); D has June and
    # December 2024 in its window (regular); N was created in June (not a customer yet).
    mid = {k: r["stage"] for k, r in by_counterparty(
        report(session, "stages", "2025-01..2025-05")).items()}
    assert mid == {"R": "one_time", "O": "potential", "L": "one_time", "D": "regular",
                   "P": "potential"}


def test_every_change_is_stored_with_month_and_manager(session: Session, ledger: Ledger) -> None:
    m1, m2 = _world(ledger)
    ensure_fresh(session, AnalyticsSettings(), TODAY)
    changes = session.execute(
        select(StageChange.month, StageChange.from_stage, StageChange.to_stage,
               StageChange.manager_id)
        .where(StageChange.counterparty_id == ledger.customers["L"].id)
        .order_by(StageChange.month_no)).all()
    assert [(f"{c.month:%Y-%m}", c.from_stage, c.to_stage, c.manager_id) for c in changes] == [
        ("2024-05", None, "one_time", m1.id),   # the first month of the ledger
        ("2024-11", "one_time", "lost", m1.id),  # June..November without a purchase
        ("2025-02", "lost", "regular", m2.id),   # won back by m2: May 2024 is still in the window
        ("2025-05", "regular", "one_time", m2.id),  # May 2024 leaves the 12-month window
        ("2025-08", "one_time", "lost", m2.id),  # March..August without a purchase
    ]
    d_changes = [(f"{c.month:%Y-%m}", c.from_stage, c.to_stage) for c in session.execute(
        select(StageChange).where(StageChange.counterparty_id == ledger.customers["D"].id)
        .order_by(StageChange.month_no)).scalars()]
    assert d_changes == [("2024-05", None, "potential"), ("2024-06", "potential", "one_time"),
                         ("2024-12", "one_time", "regular"), ("2025-12", "regular", "lost")]
    rep = report(session, "stages", changes=True)
    listed = [(r["counterparty"], r["month"], r["from_stage"], r["to_stage"], r["manager"])
              for r in rep.rows]
    assert ("L", "2025-02", "lost", "regular", "m2") in listed
    assert ("R", "2025-09", "one_time", "lost", "m1") in listed
    assert ("R", "2025-10", "lost", "regular", "m1") in listed
    assert all(r[2] is not None for r in listed)


def test_settings_change_the_stages(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    settings = Settings(analytics=dataclasses.replace(AnalyticsSettings(), lost_after_months=3,
                                                      stage_window_months=3))
    rep = report(session, "stages", settings=settings)
    stages = {k: r["stage"] for k, r in by_counterparty(rep).items()}
    # R bought in October: one of Oct..Dec; D's last purchase (June) is over 3 months ago.
    assert stages["R"] == "one_time" and stages["D"] == "lost" and stages["O"] == "lost"
    assert rep.settings == {"stage_window_months": 3, "lost_after_months": 3}


def test_summary_counts(session: Session, ledger: Ledger) -> None:
    _world(ledger)
    rows = report(session, "stages", summary=True).rows
    at_end = {r["stage"]: r["customers"] for r in rows if r["what"] == "at_end"}
    assert at_end == {"regular": 1, "one_time": 1, "lost": 2, "potential": 2}
    moved = {(r["from_stage"], r["stage"]): r["customers"] for r in rows if r["what"] == "changed"}
    # L: lost->regular (Feb), regular->one_time (May), one_time->lost (Aug); R: potential->
    # one_time (Mar), one_time->lost (Sep), lost->regular (Oct); O: potential->one_time (Sep);
    # D: regular->lost (Dec).
    assert moved == {("lost", "regular"): 2, ("regular", "one_time"): 1, ("one_time", "lost"): 2,
                     ("potential", "one_time"): 2, ("regular", "lost"): 1}


def test_a_counterparty_made_in_the_crm_is_listed_with_its_id(
    session: Session, ledger: Ledger
) -> None:
    m1 = ledger.user("m1")
    own = ledger.customer(None, manager=m1, name="ИП Своя")
    ledger.ship(own, "2025-03", 100)
    ledger.ship(ledger.customer("R", manager=m1), "2025-03", 100)
    session.commit()
    rep = report(session, "stages")
    assert "counterparty_id" not in rep.columns
    (row,) = [r for r in rep.rows if r["counterparty"] is None]
    assert (row["name"], row["counterparty_id"], row["stage"]) == ("ИП Своя", own.id, "lost")
    assert by_counterparty(rep)["R"]["counterparty_id"] == ledger.customers["R"].id
    changes = [r for r in report(session, "stages", changes=True).rows
               if r["counterparty"] is None]
    assert [(r["name"], r["counterparty_id"], r["to_stage"]) for r in changes] == [
        ("ИП Своя", own.id, "lost")]
