"""Information sources and campaign effectiveness, counted by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings, Settings
from letterpress.crm.model import Blob, Campaign, CampaignParticipant, Letter, LetterLink
from tests.crm.analytics.builders import UTC, Ledger
from tests.crm.analytics.conftest import report


def test_sources(session: Session, ledger: Ledger) -> None:
    a = ledger.customer("A", source="сайт")
    ledger.ship(a, "2024-11", 100)
    ledger.ship(a, "2025-02", 200, cost=20)
    ledger.order(a, "2025-02", 200)
    ledger.ship(ledger.customer("B", source="сайт", created="2025-03-01"), "2025-04", 50)
    ledger.customer("P", source="сайт", created="2025-06-01")
    ledger.ship(ledger.customer("F", source="выставка"), "2024-11", 70)
    ledger.ship(ledger.customer("N"), "2025-05", 30)
    ledger.customer("S", kind="supplier", source="сайт")
    session.commit()
    rows = report(session, "sources").rows
    assert [r["source"] for r in rows] == ["сайт", None, "выставка"]
    site, none, fair = rows
    assert site == {"source": "сайт", "customers": 3, "new_counterparties": 2, "buyers": 2,
                    "first_purchases": 1, "active": 2, "revenue": 250.0, "gross_profit": 230.0,
                    "orders": 1}
    assert (none["customers"], none["first_purchases"], none["revenue"]) == (1, 1, 30.0)
    assert (fair["buyers"], fair["first_purchases"], fair["active"], fair["revenue"]) == (
        1, 0, 0, 0.0)


def _letter(session: Session, n: int, when: str, *, outgoing: bool = False) -> Letter:
    if session.get(Blob, "0" * 64) is None:
        session.add(Blob(sha256="0" * 64, size=0, data=b""))
    letter = Letter(dedup_key=f"<{n}@x>", raw_sha256="0" * 64, is_outgoing=outgoing,
                    sent_at=dt.datetime.fromisoformat(when).replace(tzinfo=UTC))
    session.add(letter)
    session.flush()
    return letter


def test_campaigns(session: Session, ledger: Ledger) -> None:
    m = ledger.user("m")
    a, b, f = ledger.customer("A"), ledger.customer("B"), ledger.customer("F")
    spring = Campaign(external_id="CMP-1", name="Весна", kind="рассылка", start=dt.date(2025, 3, 1),
                      end=dt.date(2025, 3, 10), cost=Decimal(1000), currency="RUB")
    old = Campaign(external_id="CMP-0", name="Зима", start=dt.date(2024, 12, 1), currency="RUB")
    session.add_all([spring, old])
    session.flush()
    session.add_all([CampaignParticipant(campaign_id=spring.id, counterparty_id=x.id)
                     for x in (a, a, b, f)])
    session.add(CampaignParticipant(campaign_id=old.id, counterparty_id=a.id))
    # A replies by letter (also filed as an incoming_email event: one reply); B by an event
    # without a letter; a letter to F is ours; F's reply comes after the window (June 8).
    reply = _letter(session, 1, "2025-03-05T10:00:00")
    session.add(LetterLink(letter_id=reply.id, counterparty_id=a.id, rule="domain", reason="x"))
    ledger.event("incoming_email", "2025-03-05", responsible=m, cp=a, letter_id=reply.id)
    ledger.event("incoming_email", "2025-04-01", responsible=m, cp=b)
    ours = _letter(session, 2, "2025-03-02T10:00:00", outgoing=True)
    late = _letter(session, 3, "2025-06-09T10:00:00")
    session.add_all([LetterLink(letter_id=x.id, counterparty_id=f.id, rule="domain", reason="x")
                     for x in (ours, late)])
    ledger.order(a, "2025-02", 999)  # before the campaign
    ledger.ship(a, "2025-02", 999)
    ledger.order(b, "2025-04-10", 50)
    ledger.ship(b, "2025-04", 50, cost=10)
    ledger.ship(f, "2025-06-09", 400)  # the day after the window
    session.commit()
    (row,) = report(session, "campaigns").rows
    assert row == {
        "campaign": "CMP-1", "name": "Весна", "kind": "рассылка", "start": "2025-03-01",
        "end": "2025-03-10", "cost": 1000.0, "participants": 3, "responders": 2, "replies": 2,
        "orders": 1, "orders_sum": 50.0, "revenue": 50.0, "gross_profit": 40.0,
        "revenue_per_cost": 0.05,
    }
    longer = Settings(analytics=dataclasses.replace(AnalyticsSettings(), attribution_days=91))
    (row,) = report(session, "campaigns", settings=longer).rows
    assert (row["replies"], row["revenue"]) == (3, 450.0)
    assert report(session, "campaigns", "2024-01..2024-12").rows[0]["campaign"] == "CMP-0"
    assert report(session, "campaigns", "2023-01..2023-12").rows == []
    assert pytest.approx(0.05) == 50.0 / 1000
