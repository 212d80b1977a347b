"""Demo marketing campaigns: exhibitions, the autumn calendar mailing, search advertising.

Participants are chosen to match the counterparties' information sources, so that the analysis of
sources and of campaign effectiveness has something to find.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from letterpress.crm.model import Campaign, CampaignParticipant
from letterpress.demo.bulk import insert_all, insert_returning_ids
from letterpress.demo.timeline import HISTORY_MONTHS, add_months
from letterpress.demo.world import Company, DemoWorld


def build_campaigns(world: DemoWorld, rng: random.Random) -> None:
    timeline = world.timeline
    customers = [c for c in world.companies if c.kind != "supplier"]
    plans: list[tuple[str, str, dt.date, dt.date, Decimal, list[Company]]] = []
    for m in range(HISTORY_MONTHS):
        first, named = timeline.month(m), timeline.named_month(m)
        last = add_months(first, 1) - dt.timedelta(days=1)
        if named.month == 4:
            visitors = [c for c in customers if c.source == "выставка"]
            plans.append((f"Выставка «Реклама-{named.year}»", "выставка",
                          first + dt.timedelta(days=14), first + dt.timedelta(days=17),
                          Decimal("450000.00"),
                          rng.sample(visitors, min(len(visitors), 25))))
        if named.month == 8:
            active = [c for c in customers if c.start <= m and (c.end is None or c.end > m)
                      and c.tier != "potential"]
            plans.append((f"Рассылка: календари на {named.year + 1} год", "рассылка",
                          first + dt.timedelta(days=20), last, Decimal("15000.00"),
                          rng.sample(active, min(len(active), 120))))
        if named.month == 2 and m >= 12:
            small = [c for c in customers if c.tier in ("small", "micro")]
            plans.append(("Акция: скидка 15% на визитки и листовки", "акция", first, last,
                          Decimal("0.00"), rng.sample(small, min(len(small), 60))))
    searchers = [c for c in customers if c.source == "поисковая реклама"]
    plans.append(("Контекстная реклама в поисковых системах", "реклама в интернете",
                  timeline.start, timeline.days(-1), Decimal("720000.00"), searchers))
    plans.sort(key=lambda p: p[2])
    ids = insert_returning_ids(world.session, Campaign, [
        {"external_id": f"CMP-{n:03d}", "name": name, "kind": kind, "start": start, "end": end,
         "cost": cost, "currency": "RUB"}
        for n, (name, kind, start, end, cost, _) in enumerate(plans, 1)
    ])
    insert_all(world.session, CampaignParticipant, [
        {"campaign_id": campaign_id, "counterparty_id": c.id, "contact_person_id": None}
        for campaign_id, plan in zip(ids, plans, strict=True)
        for c in sorted(plan[5], key=lambda c: c.number)
    ])
