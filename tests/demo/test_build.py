"""What the demo printing house holds: people, counterparties, contacts, ledger, history, plans."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from letterpress.config import DEFAULT_PUBLIC_MAIL_DOMAINS
from letterpress.crm import users
from letterpress.crm.counterparties import completeness
from letterpress.crm.inn import is_valid_inn, normalise_kpp
from letterpress.crm.model import (
    Anniversary,
    ContactEmail,
    ContactPerson,
    Counterparty,
    CounterpartyDomain,
    Event,
    Invoice,
    Order,
    Payment,
    Shipment,
    Task,
    User,
)
from letterpress.crm.passwords import verify_password
from letterpress.demo import DEMO_PASSWORD, LOGINS
from letterpress.demo.build import collect_counts
from letterpress.demo.names import COMPANY_DOMAIN
from letterpress.demo.timeline import TZ, add_months
from tests.demo.conftest import ANCHOR, BuiltDemo

MANAGERS = [f"manager{i}" for i in range(1, 7)]
SIX_MONTHS_AGO = add_months(ANCHOR, -6)


def _logins(session: Session) -> dict[int, str]:
    return {u.id: u.login for u in session.scalars(select(User))}


def test_users_teams_and_the_shared_password(demo: BuiltDemo) -> None:
    with demo.session() as session:
        people = {u.login: u for u in session.scalars(select(User))}
        assert sorted(people) == sorted(LOGINS)
        assert people["admin"].role == "admin" and people["head"].role == "head"
        teams: dict[str, list[str]] = defaultdict(list)
        for login in MANAGERS:
            user = people[login]
            assert user.role == "manager" and user.supervisor_id == people["head"].id
            assert user.team is not None
            teams[user.team.name].append(login)
        assert sorted(map(len, teams.values())) == [3, 3]
        assert set(teams) == {"Север", "Юг"}
        for user in people.values():
            assert user.email and user.email.endswith("@" + COMPANY_DOMAIN)
            assert re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", user.name), user.name
            assert user.active
        # One argon2 hash for everybody (hashing is slow), and it is the password "demo".
        assert len({u.password_hash for u in people.values()}) == 1
        assert verify_password(people["admin"].password_hash, DEMO_PASSWORD)
        assert users.authenticate(session, "manager3", DEMO_PASSWORD) is people["manager3"]
        assert [u.login for u in users.subordinates(session, people["head"])] == MANAGERS


def test_counterparties_are_many_and_realistic(demo: BuiltDemo) -> None:
    with demo.session() as session:
        rows = session.scalars(select(Counterparty)).all()
        assert len(rows) >= 300
        kinds: dict[str, int] = defaultdict(int)
        for cp in rows:
            kinds[cp.kind] += 1
        assert kinds["customer"] >= 250 and kinds["supplier"] >= 20
        assert kinds["both"] >= 5 and kinds["person"] >= 10
        names = [cp.name for cp in rows]
        assert len(set(names)) == len(names)
        assert sum(n.startswith("ООО «") for n in names) > 150
        assert any(n.startswith("АО «") for n in names) and any(n.startswith("ИП ") for n in names)
        assert all(re.fullmatch(r"CP-\d{4}", cp.external_id or "") for cp in rows)
        inns = [cp.inn for cp in rows if cp.inn]
        assert len(inns) >= 0.75 * len(rows) and len(set(inns)) == len(inns)
        assert all(is_valid_inn(inn) for inn in inns)
        for cp in rows:
            if cp.kpp:
                assert normalise_kpp(cp.kpp) == cp.kpp and cp.inn and len(cp.inn) == 10
            assert cp.manager_id is not None and cp.city
        sources = {cp.source for cp in rows}
        assert {"выставка", "сайт", "рекомендация", "холодный звонок"} <= sources
        domains = session.scalars(select(CounterpartyDomain.domain)).all()
        assert len(domains) >= 250 and len(set(domains)) == len(domains)
        assert not set(domains) & set(DEFAULT_PUBLIC_MAIL_DOMAINS)
        assert not any(d.endswith(COMPANY_DOMAIN) for d in domains)
        phones = session.scalar(
            select(func.count(func.distinct(Counterparty.id))).join(Counterparty.phones))
        assert phones and phones >= 0.75 * len(rows)


def test_contacts_have_birthdays_all_year_and_company_addresses(demo: BuiltDemo) -> None:
    with demo.session() as session:
        contacts = session.scalars(select(ContactPerson)).all()
        assert len(contacts) >= 600
        birthdays = [c.birthday for c in contacts if c.birthday]
        assert len(birthdays) >= 600
        per_month: dict[int, int] = defaultdict(int)
        for day in birthdays:
            per_month[day.month] += 1
        assert len(per_month) == 12 and min(per_month.values()) >= len(birthdays) / 24
        assert (session.scalar(select(func.count()).select_from(Anniversary)) or 0) >= 20
        assert all(c.position for c in contacts)
        personal = [c for c in contacts if c.owner_id is not None]
        assert {c.owner_id for c in personal} >= {
            u.id for u in session.scalars(select(User).where(User.login.in_(MANAGERS)))
        }
        assert all(c.counterparty_id is None for c in personal)
        domains: dict[int, set[str]] = defaultdict(set)
        for cp_id, domain in session.execute(select(CounterpartyDomain.counterparty_id,
                                                    CounterpartyDomain.domain)):
            domains[cp_id].add(domain)
        at_company = 0
        for contact_id, company_id, email in session.execute(
            select(ContactPerson.id, ContactPerson.counterparty_id, ContactEmail.email)
            .join(ContactEmail, ContactEmail.contact_id == ContactPerson.id)
            .where(ContactPerson.counterparty_id.is_not(None))
        ):
            if company_id in domains:
                assert email.split("@")[1] in domains[company_id], (contact_id, email)
                at_company += 1
        assert at_company >= 400
        emails = session.scalars(select(ContactEmail.email)).all()
        assert len(set(emails)) == len(emails)


def test_two_years_of_ledger_with_autumn_peak(demo: BuiltDemo) -> None:
    with demo.session() as session:
        orders = session.scalars(select(Order)).all()
        customer = [o for o in orders if o.direction == "customer"]
        supplier = [o for o in orders if o.direction == "supplier"]
        assert len(customer) >= 1500 and len(supplier) >= 100
        months = {(o.date.year, o.date.month) for o in customer}
        # 24 months back from the anchor: 25 calendar months unless it is the 1st.
        assert len(months) == (24 if ANCHOR.day == 1 else 25)
        assert min(o.date for o in orders) >= ANCHOR.replace(year=ANCHOR.year - 2)
        assert max(o.date for o in orders) < ANCHOR
        assert all(o.cost is not None and 0 < o.cost < o.amount for o in customer)
        by_month: dict[int, Decimal] = defaultdict(Decimal)
        for o in customer:
            by_month[o.date.month] += o.amount
        autumn = sum(by_month[m] for m in (9, 10, 11, 12))
        spring = sum(by_month[m] for m in (2, 3, 4, 5))
        assert autumn > Decimal("1.6") * spring
        shipped: dict[int, Decimal] = defaultdict(Decimal)
        for day, revenue, cost in session.execute(
                select(Shipment.date, Shipment.revenue, Shipment.cost)):
            shipped[day.month] += revenue
            assert cost is not None and cost < revenue
        busy, quiet = (sum(shipped[m] for m in months) for months in ((10, 11, 12), (3, 4, 5)))
        assert busy > Decimal("1.5") * quiet
        ids = [o.external_id for o in orders]
        assert all(re.fullmatch(r"ORD-\d{6}", i) for i in ids) and len(set(ids)) == len(ids)
        directions = set(session.scalars(select(Payment.direction)))
        assert directions == {"in", "out"}
        assert set(session.scalars(select(Invoice.direction))) == {"customer", "supplier"}


def test_order_states_shipments_and_payments_agree(demo: BuiltDemo) -> None:
    with demo.session() as session:
        orders = {o.id: o for o in session.scalars(select(Order))}
        shipped: dict[int, Decimal] = defaultdict(Decimal)
        for order_id, revenue in session.execute(select(Shipment.order_id, Shipment.revenue)):
            if order_id is not None:
                shipped[order_id] += revenue
        paid: dict[int, Decimal] = defaultdict(Decimal)
        for order_id, amount in session.execute(select(Payment.order_id, Payment.amount)):
            if order_id is not None:
                paid[order_id] += amount
        states = defaultdict(list)
        for order in orders.values():
            states[order.state].append(order)
            assert paid[order.id] <= order.amount
        closed = [o for o in states["closed"] if o.direction == "customer"]
        assert len(closed) >= 20 and all(shipped[o.id] == 0 for o in closed)
        completed = [o for o in states["completed"] if o.direction == "customer"]
        assert all(shipped[o.id] == o.amount for o in completed)
        future = [o for o in states["open"] if o.direction == "customer"
                  and o.planned_shipment and o.planned_shipment > ANCHOR + dt.timedelta(days=31)
                  and o.planned_payment and o.planned_payment > ANCHOR]
        assert len(future) >= 6
        for invoice in session.scalars(select(Invoice)):
            assert 0 <= invoice.paid <= invoice.amount
        overdue = session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.direction == "customer", Invoice.paid < Invoice.amount, Invoice.due < ANCHOR))
        assert overdue and overdue >= 5
        loose = session.scalar(select(func.count()).select_from(Shipment).where(
            Shipment.order_id.is_(None)))
        assert loose and loose > 0


def _customer_history(session: Session) -> dict[int, list[dt.date]]:
    history: dict[int, list[dt.date]] = defaultdict(list)
    for cp_id, day in session.execute(
        select(Order.counterparty_id, Order.date).where(Order.direction == "customer")
    ):
        history[cp_id].append(day)
    return history


def test_regular_and_lost_customers_and_the_manager_who_loses_them(demo: BuiltDemo) -> None:
    with demo.session() as session:
        history = _customer_history(session)
        year_ago = ANCHOR.replace(year=ANCHOR.year - 1)
        regular = [cp for cp, days in history.items()
                   if len({(d.year, d.month) for d in days if d >= year_ago}) >= 6]
        assert len(regular) >= 30
        lost = {cp for cp, days in history.items() if len(days) >= 2 and max(days) < SIX_MONTHS_AGO}
        assert len(lost) >= 10
        logins = _logins(session)
        buyers: dict[str, int] = defaultdict(int)
        lost_by: dict[str, int] = defaultdict(int)
        for cp in session.scalars(select(Counterparty).where(Counterparty.id.in_(history))):
            login = logins[cp.manager_id] if cp.manager_id else "-"
            buyers[login] += 1
            lost_by[login] += cp.id in lost
        share = {m: lost_by[m] / buyers[m] for m in MANAGERS if buyers[m]}
        assert max(share, key=share.__getitem__) == "manager5"
        assert share["manager5"] > 1.5 * max(v for m, v in share.items() if m != "manager5")
        assert demo.summary.counts["lost_customers"] >= 10


def test_poor_completeness_of_one_manager(demo: BuiltDemo) -> None:
    with demo.session() as session:
        logins = _logins(session)
        scores: dict[str, list[float]] = defaultdict(list)
        for cp in session.scalars(select(Counterparty).options(
            selectinload(Counterparty.phones), selectinload(Counterparty.emails),
            selectinload(Counterparty.addresses),
        ).where(Counterparty.kind != "person")):
            scores[logins[cp.manager_id or 0]].append(completeness(cp)[0])
        mean = {m: sum(v) / len(v) for m, v in scores.items()}
        others = [v for m, v in mean.items() if m != "manager3"]
        assert mean["manager3"] < min(others) - 0.2
        # ... and registers far fewer events per customer order.
        orders = {user: n for user, n in session.execute(
            select(Order.manager_id, func.count()).where(
                Order.direction == "customer").group_by(Order.manager_id))}
        events = {user: n for user, n in session.execute(
            select(Event.responsible_id, func.count()).where(
                Event.counterparty_id.is_not(None), Event.state == "done"
            ).group_by(Event.responsible_id))}
        rate = {logins[u]: events.get(u, 0) / n for u, n in orders.items() if u is not None}
        assert rate["manager3"] < 0.6 * min(v for m, v in rate.items() if m != "manager3")


def test_events_history_plans_and_tasks(demo: BuiltDemo) -> None:
    with demo.session() as session:
        logins = _logins(session)
        anchor = dt.datetime.combine(ANCHOR, dt.time(), tzinfo=dt.UTC)
        kinds = set(session.scalars(select(Event.kind).where(Event.start_at < anchor)))
        assert {"outgoing_call", "incoming_call", "meeting", "letter"} <= kinds
        assert (session.scalar(select(func.count()).select_from(Event)) or 0) >= 2000
        planned: dict[str, int] = defaultdict(int)
        for responsible, start in session.execute(
                select(Event.responsible_id, Event.start_at).where(Event.state == "planned")):
            assert anchor - dt.timedelta(days=3) < start < anchor + dt.timedelta(weeks=7)
            planned[logins[responsible or 0]] += 1
        assert all(planned[m] >= 10 for m in MANAGERS) and planned["head"] >= 5
        uids = session.scalars(select(Event.uid)).all()
        assert None not in uids and len(set(uids)) == len(uids)
        tasks = session.scalars(select(Task)).all()
        head = next(u for u, login in logins.items() if login == "head")
        assert all(t.curator_id == head for t in tasks)
        assert {logins[t.assignee_id] for t in tasks} == {*MANAGERS, "head"}
        assert any(t.state == "done" and t.completed_at for t in tasks)
        assert any(t.state == "open" and t.due_at and t.due_at > anchor for t in tasks)
        assert any("ИНН" in t.subject and logins[t.assignee_id] == "manager3" for t in tasks)


def test_the_present_is_around_the_day_of_the_build(demo: BuiltDemo) -> None:
    """Built on TODAY: history up to yesterday, this week's calendar full, some things late."""
    with demo.session() as session:
        logins = _logins(session)
        start = dt.datetime.combine(ANCHOR, dt.time(), tzinfo=TZ)
        week = start - dt.timedelta(days=ANCHOR.weekday())
        calendar = ("outgoing_call", "incoming_call", "meeting")
        this_week: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for responsible, state in session.execute(
                select(Event.responsible_id, Event.state).where(
                    Event.kind.in_(calendar), Event.start_at >= week,
                    Event.start_at < week + dt.timedelta(days=7))):
            this_week[logins[responsible]][state] += 1
        for login in MANAGERS:
            assert this_week[login]["planned"] >= 2, (login, this_week[login])
        assert sum(this_week[m]["done"] for m in MANAGERS) >= 10
        today = session.scalars(select(Event.responsible_id).where(
            Event.state == "planned", Event.start_at >= start,
            Event.start_at < start + dt.timedelta(days=1))).all()
        assert {logins[u] for u in today} >= set(MANAGERS)  # TODAY is a Wednesday
        overdue = session.scalar(select(func.count()).select_from(Event).where(
            Event.state == "planned", Event.start_at < start))
        assert overdue and 3 <= overdue <= 30
        late = {logins[t.assignee_id] for t in session.scalars(select(Task).where(
            Task.state.in_(("open", "in_progress")), Task.due_at < start))}
        assert "manager3" in late and len(late) >= 3
        lately = {logins[t.assignee_id] for t in session.scalars(select(Task).where(
            Task.state == "done", Task.completed_at >= start - dt.timedelta(days=7)))}
        assert lately >= set(MANAGERS)
        shipped = session.scalar(select(func.max(Shipment.date)))
        assert shipped is not None and ANCHOR - dt.timedelta(days=5) <= shipped < ANCHOR


def test_summary_counts_match_the_database(demo: BuiltDemo) -> None:
    with demo.session() as session:
        counts = collect_counts(session)
    summary = demo.summary.as_dict()
    assert {k: v for k, v in summary["counts"].items() if k != "lost_customers"} == counts
    assert summary["logins"] == list(LOGINS) and summary["password"] == DEMO_PASSWORD
    assert summary["month"] == f"{ANCHOR:%Y-%m}"
    assert set(summary["managers"]) == set(MANAGERS)
