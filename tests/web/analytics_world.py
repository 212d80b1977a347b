"""A small ledger for the analytics dashboards, with the answers worked out by hand.

Period 2025-01..2025-12, revenue in roubles:

=========  ========  ==========================================  =======  =====  ===========
customer   manager   shipments                                   revenue  ABC    stage 12/25
=========  ========  ==========================================  =======  =====  ===========
Альфа      manager1  100 000 every month of 2025                 1.2 M    A      regular
Бета       manager1  10 000 in 2025-03                           10 000   C      lost
Зета       manager1  none (created today)                        -        -      (potential)
Гамма      manager2  50 000 in 2025-01 and 2025-02               100 000  B      lost
Дельта     manager2  20 000 every month of 2025                  240 000  A      regular
Эпсилон    nobody    5 000 in 2025-05                            5 000    C      lost
=========  ========  ==========================================  =======  =====  ===========

ABC: the total is 1 555 000; Альфа has nothing above it (A), Дельта 1.2 M above (77 % < 80 %:
A), Гамма 1.44 M (92.6 %: B), Бета and Эпсилон 99 % and more (C). At the end of 2025-06 Альфа,
Гамма and Дельта are regular, Бета and Эпсилон one-time; at the end of 2025-12 Бета, Гамма and
Эпсилон are lost (nothing in the last six months). Sources: manager1's customers came from
"выставка", manager2's from "сайт", the unassigned one from "рекомендация".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty
from letterpress.testing import factories
from tests.web.conftest import People

PERIOD = "2025-01..2025-12"
MONTHS = [dt.date(2025, m, 10) for m in range(1, 13)]


@dataclass
class AnalyticsWorld:
    alfa: Counterparty
    beta: Counterparty
    zeta: Counterparty
    gamma: Counterparty
    delta: Counterparty
    epsilon: Counterparty


# Names each viewer must (and must not) see in customer-level tables.
OWN = {
    "manager": {"ООО Альфа", "ООО Бета"},
    "other": {"ООО Гамма", "ООО Дельта"},
}
OWN["head"] = OWN["manager"] | OWN["other"]
OWN["admin"] = OWN["head"] | {"ООО Эпсилон"}
ALL_NAMES = OWN["admin"]


@pytest.fixture
def world(session: Session, people: People) -> AnalyticsWorld:
    f = factories

    def customer(name: str, manager: object, source: str, ext: str) -> Counterparty:
        return f.make_counterparty(session, name, manager=manager,  # type: ignore[arg-type]
                                   source=source, external_id=ext)

    alfa = customer("ООО Альфа", people.manager, "выставка", "CP-ALFA")
    beta = customer("ООО Бета", people.manager, "выставка", "CP-BETA")
    zeta = customer("ООО Зета", people.manager, "выставка", "CP-ZETA")
    gamma = customer("ООО Гамма", people.other, "сайт", "CP-GAMMA")
    delta = customer("ООО Дельта", people.other, "сайт", "CP-DELTA")
    epsilon = customer("ООО Эпсилон", None, "рекомендация", "CP-EPS")
    for day in MONTHS:
        f.make_shipment(session, alfa, date=day, revenue="100000.00", cost="60000.00")
        f.make_shipment(session, delta, date=day, revenue="20000.00", cost="15000.00")
    f.make_shipment(session, beta, date=dt.date(2025, 3, 5), revenue="10000.00")
    for day in MONTHS[:2]:
        f.make_shipment(session, gamma, date=day, revenue="50000.00")
    f.make_shipment(session, epsilon, date=dt.date(2025, 5, 20), revenue="5000.00")
    order = f.make_order(session, alfa, date=dt.date(2025, 4, 1), amount="300000.00",
                         state="completed", manager=people.manager)
    f.make_payment(session, alfa, order=order, date=dt.date(2025, 4, 15), amount="300000.00")
    for day in MONTHS[:3]:
        f.make_event(session, alfa, author=people.manager, kind="outgoing_call",
                     start_at=dt.datetime.combine(day, dt.time(9), dt.UTC),
                     subject="Звонок Альфе")
    session.commit()
    return AnalyticsWorld(alfa, beta, zeta, gamma, delta, epsilon)
