"""Building the demo printing house: a fixed sequence of steps over one shared :class:`DemoWorld`.

Each step is a function ``step(world, rng)`` that plans its part from what earlier steps left in
the world, inserts it in bulk and records its plans there for later steps. Every step draws from
its own ``random.Random`` seeded with the demo's seed and the step's name, so a step added later
(letters from an mbox, calendars, address books) never changes the data of the steps before it,
and one seed gives the same printing house when built on the same day. Dates count from that
day (see :mod:`letterpress.demo.timeline`), so the demo is always current.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.crm.model import (
    AppPassword,
    Campaign,
    ContactPerson,
    Counterparty,
    CounterpartyKind,
    Direction,
    Event,
    EventState,
    Invoice,
    Order,
    Payment,
    Reminder,
    Shipment,
    Task,
    Team,
    User,
)
from letterpress.demo.campaigns import build_campaigns
from letterpress.demo.contacts import build_contacts
from letterpress.demo.counterparties import build_counterparties
from letterpress.demo.events import build_events
from letterpress.demo.ledger import build_ledger
from letterpress.demo.people import DEMO_PASSWORD, LOGINS, build_staff
from letterpress.demo.tasks import build_tasks
from letterpress.demo.timeline import Timeline
from letterpress.demo.world import DemoWorld
from letterpress.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_SEED = 1
StepFunction = Callable[[DemoWorld, random.Random], None]


@dataclass(frozen=True)
class Step:
    name: str
    run: StepFunction


STEPS: tuple[Step, ...] = (
    Step("staff", build_staff),
    Step("counterparties", build_counterparties),
    Step("contacts", build_contacts),
    Step("ledger", build_ledger),
    Step("events", build_events),
    Step("tasks", build_tasks),
    Step("campaigns", build_campaigns),
)


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    month: str  # YYYY-MM: the month of the day the data is anchored to (the day of the build)
    history_start: dt.date
    history_end: dt.date
    counts: dict[str, int]
    logins: tuple[str, ...]
    password: str
    managers: dict[str, str]  # login -> what is special about the manager

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["history_start"] = self.history_start.isoformat()
        data["history_end"] = self.history_end.isoformat()
        data["logins"] = list(self.logins)
        return data


def step_rng(seed: int, step: str) -> random.Random:
    """The random source of one step: the same for the same seed, independent of other steps."""
    return random.Random(f"letterpress-demo/{seed}/{step}")


def build_demo(
    session: Session,
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date,
    scale: float = 1.0,
    steps: Sequence[Step] = STEPS,
) -> DemoSummary:
    """Fill an empty database with the demo printing house; the caller commits.

    Dates are counted from ``today``: the history ends the day before, plans start around it.
    ``scale`` shrinks or
    grows the number of counterparties (and all that hangs on them) for quick tests. The letters
    step (:func:`letterpress.demo.mail.mail_step`, not in :data:`STEPS`) commits what is built
    before it, because the mail pipeline it runs opens sessions of its own. The live step
    (:func:`letterpress.demo.live.live_step`, not in :data:`STEPS` either, and last) runs the
    reminder engine, the nightly analytics and the search indexing over the result.
    """
    if session.scalar(select(func.count()).select_from(User)):
        raise UserError("the database already holds users: the demo is built into an empty one")
    timeline = Timeline.for_today(today)
    world = DemoWorld(session=session, seed=seed, timeline=timeline, scale=scale)
    for step in steps:
        started = time.perf_counter()
        step.run(world, step_rng(seed, step.name))
        session.flush()
        log.info("demo step %s: %.2f s", step.name, time.perf_counter() - started)
    counts = collect_counts(session)
    counts["lost_customers"] = sum(1 for c in world.companies if c.lost)
    return DemoSummary(
        seed=seed, month=f"{timeline.anchor:%Y-%m}", history_start=timeline.start,
        history_end=timeline.days(-1), counts=counts, logins=LOGINS, password=DEMO_PASSWORD,
        managers={m.login: m.profile.trait for m in world.managers if m.profile},
    )


def collect_counts(session: Session) -> dict[str, int]:
    """What the demo database holds, by kind of record."""

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    customer_kinds = (CounterpartyKind.CUSTOMER.value, CounterpartyKind.PERSON.value,
                      CounterpartyKind.BOTH.value)
    supplier_kinds = (CounterpartyKind.SUPPLIER.value, CounterpartyKind.BOTH.value)
    return {
        "users": count(User),
        "teams": count(Team),
        "counterparties": count(Counterparty),
        "customers": count(Counterparty, Counterparty.kind.in_(customer_kinds)),
        "suppliers": count(Counterparty, Counterparty.kind.in_(supplier_kinds)),
        "contact_persons": count(ContactPerson),
        "contacts_with_birthdays": count(ContactPerson, ContactPerson.birthday.is_not(None)),
        "personal_contacts": count(ContactPerson, ContactPerson.owner_id.is_not(None)),
        "events": count(Event),
        "planned_events": count(Event, Event.state == EventState.PLANNED.value),
        "tasks": count(Task),
        "orders": count(Order),
        "customer_orders": count(Order, Order.direction == Direction.CUSTOMER.value),
        "supplier_orders": count(Order, Order.direction == Direction.SUPPLIER.value),
        "shipments": count(Shipment),
        "payments": count(Payment),
        "invoices": count(Invoice),
        "campaigns": count(Campaign),
        "reminders": count(Reminder),
        "reminders_due": count(Reminder, Reminder.state == "due"),
        "app_passwords": count(AppPassword),
        **_mail_counts(session),
    }


def _mail_counts(session: Session) -> dict[str, int]:
    """What the letters step left (all zero without it), as ``letterpress stats`` counts it."""
    from letterpress.crm import stats
    from letterpress.crm.model import AmbiguousMatch

    counts = stats.collect(session)
    keys = ("mailboxes", "letters", "letters_filed", "letters_unfiled", "letters_unparsed",
            "contacts_from_mail")
    out = {key: counts[key] for key in keys}
    out["letters_ambiguous"] = int(session.scalar(
        select(func.count(func.distinct(AmbiguousMatch.letter_id)))
        .where(AmbiguousMatch.resolved.is_(False))) or 0)
    return out
