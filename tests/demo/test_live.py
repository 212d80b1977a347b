"""The live step: the reminder engine, the day so far, the analytics and the search index, run
over a small demo as of a fixed moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.analytics import Period
from letterpress.crm.model import (
    AbcResult,
    AnalyticsRun,
    AppPassword,
    BirthdayCall,
    CompletenessSnapshot,
    ContactPerson,
    Counterparty,
    Event,
    Reminder,
    ReminderSettings,
    User,
    XyzResult,
)
from letterpress.db.session import session_factory
from letterpress.demo import STEPS, DemoSummary, build_demo
from letterpress.demo.live import live_step, scheduler_runs
from letterpress.demo.timeline import TZ
from letterpress.testing.database import fresh_engine
from tests.demo.conftest import SEED, TODAY, demo_url

NOW = dt.datetime.combine(TODAY, dt.time(11, 40), TZ)  # a Wednesday, late morning
SETTINGS = Settings()


@dataclass
class LiveDemo:
    engine: Engine
    summary: DemoSummary

    def session(self) -> Session:
        return session_factory(self.engine)()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    from letterpress.search import create_schema
    from letterpress.search.meta import forget

    url = demo_url(request, Path(tmp_path_factory.mktemp("live")))
    with fresh_engine(url) as engine:
        forget(engine)
        with engine.begin() as conn:
            create_schema(conn)
        with session_factory(engine)() as session:
            summary = build_demo(session, seed=SEED, today=TODAY, scale=0.4,
                                 steps=(*STEPS, live_step(SETTINGS, NOW)))
            session.commit()
        yield LiveDemo(engine, summary)
        forget(engine)


def test_the_scheduler_ran_on_working_days_up_to_now() -> None:
    runs = scheduler_runs(NOW, TZ)
    assert runs[-1] == NOW and all(m < NOW for m in runs[:-1])
    assert {m.astimezone(TZ).hour for m in runs[:-1]} == {9, 13, 17}
    assert all(m.astimezone(TZ).weekday() < 5 for m in runs)
    assert min(runs) >= NOW - dt.timedelta(days=8)
    early = dt.datetime.combine(TODAY, dt.time(8, 0), TZ)
    assert scheduler_runs(early, TZ)[-2].date() < TODAY  # nothing yet today but now


def test_reminders_are_due_snoozed_and_done(live: LiveDemo) -> None:
    with live.session() as session:
        logins = {u.id: u.login for u in session.scalars(select(User))}
        states: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for reminder in session.scalars(select(Reminder)):
            states[logins[reminder.user_id]][reminder.state] += 1
            assert reminder.fired_at <= NOW and reminder.remind_at <= NOW
            if reminder.state == "snoozed":
                assert reminder.snoozed_until is not None and reminder.snoozed_until > NOW
            if reminder.state == "done":
                assert reminder.updated_at <= NOW
        managers = [f"manager{i}" for i in range(1, 7)]
        assert all(states[m]["due"] >= 1 for m in managers), states
        assert sum(states[m]["snoozed"] for m in managers) >= 3
        assert sum(states[m]["done"] for m in managers) >= 20
        assert live.summary.counts["reminders_due"] == sum(s["due"] for s in states.values())
        # A reminder about a meeting since held is done; the digest was not marked as sent.
        held = session.scalars(select(Reminder).join(Event, Event.id == Reminder.event_id)
                               .where(Event.state == "done")).all()
        assert held and all(r.state == "done" for r in held)
        assert not session.scalar(select(func.count()).select_from(ReminderSettings).where(
            ReminderSettings.last_digest_on.is_not(None)))


def test_the_day_so_far_was_lived(live: LiveDemo) -> None:
    with live.session() as session:
        start = dt.datetime.combine(TODAY, dt.time(), TZ)
        calendar = ("outgoing_call", "incoming_call", "meeting")
        earlier = session.execute(select(Event.state, func.count()).where(
            Event.kind.in_(calendar), Event.start_at >= start,
            Event.start_at <= NOW - dt.timedelta(minutes=30)).group_by(Event.state)).all()
        done = dict(earlier)
        assert done.get("done", 0) > done.get("planned", 0)
        assert any("\n\n" in (e.content or "") or e.content for e in session.scalars(
            select(Event).where(Event.state == "done", Event.start_at >= start)))
        later = session.scalar(select(func.count()).select_from(Event).where(
            Event.state == "planned", Event.start_at > NOW, Event.start_at < start
            + dt.timedelta(days=1)))
        assert later and later >= 3
        calls = session.execute(select(Event.state, Event.start_at).join(
            BirthdayCall, BirthdayCall.event_id == Event.id)).all()
        assert calls, "the engine planned birthday calls"
        past = [state for state, at in calls if at < start]
        assert past and past.count("done") >= len(past) / 2


def test_the_analytics_is_stored_with_a_year_of_history(live: LiveDemo) -> None:
    period = Period.trailing(TODAY, SETTINGS.analytics.period_months)
    with live.session() as session:
        kinds = dict(session.execute(select(AnalyticsRun.kind, func.count())
                                     .group_by(AnalyticsRun.kind)).all())
        assert kinds["abc"] == kinds["xyz"] == 13 and kinds["totals"] == 1
        ends = set(session.scalars(select(AbcResult.period_end).distinct()))
        assert len(ends) == 13 and max(ends) == period.end
        assert session.scalar(select(func.count()).select_from(XyzResult).where(
            XyzResult.period_end == period.end))
        months = session.scalars(select(CompletenessSnapshot.month).distinct()).all()
        assert len(months) == 14 and max(months) == TODAY.replace(day=1)
        logins = {u.id: u.login for u in session.scalars(select(User))}

        shares: dict[str, dict[dt.date, float]] = defaultdict(dict)
        for snap in session.scalars(select(CompletenessSnapshot)):
            if snap.manager_id and snap.counterparties:
                shares[logins[snap.manager_id]][snap.month] = (snap.counterparty_score
                                                               / snap.counterparties)
        last = period.end
        for login, falling in (("manager3", True), ("manager6", False)):
            first = min(shares[login])
            assert first < last
            change = shares[login][last] - shares[login][first]
            assert (change < 0) if falling else (change > 0.05), (login, shares[login])


def test_devices_and_the_search_index(live: LiveDemo) -> None:
    from letterpress.search import query

    with live.session() as session:
        owners = {u.login for u in session.scalars(select(User).join(
            AppPassword, AppPassword.user_id == User.id))}
        assert owners == {"head", *(f"manager{i}" for i in range(1, 7))}
        assert all(p.last_used_at is not None and p.last_used_at <= NOW
                   for p in session.scalars(select(AppPassword)))
        head = session.scalars(select(User).where(User.login == "head")).one()
        person = session.scalars(select(ContactPerson.name).where(
            ContactPerson.owner_id.is_(None)).order_by(ContactPerson.id)).first()
        company = session.scalars(select(Counterparty.name).order_by(Counterparty.id)).first()
        assert person and company
        for text, kind in (("Планёрка", "event"), ("задолженность", "task"),
                           (f'kind:counterparty "{company.split()[-1].strip("«»")}"',
                            "counterparty"),
                           (f'kind:contact "{person.split()[0]}"', "contact")):
            page = query(session, head, text, settings=SETTINGS)
            assert any(hit.kind == kind for hit in page.hits), (text, kind)
