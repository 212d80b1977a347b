"""The demo printing house: a deterministic, realistic data set for trying Letterpress out.

``build_demo(session, seed=..., today=...)`` fills an empty database with users, counterparties,
contact persons, two years of orders, shipments, payments and invoices, events, tasks and
campaigns; ``letterpress demo`` runs it into a fresh data directory and serves the web UI.
"""

from letterpress.demo.build import DEFAULT_SEED, STEPS, DemoSummary, Step, build_demo
from letterpress.demo.people import DEMO_PASSWORD, LOGINS, TEAMS

__all__ = [
    "DEFAULT_SEED", "DEMO_PASSWORD", "LOGINS", "STEPS", "TEAMS", "DemoSummary", "Step",
    "build_demo",
]
