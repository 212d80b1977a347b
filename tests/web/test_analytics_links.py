"""Rows of the analytics dashboards link a counterparty to its card by its internal id: one made
in the CRM itself (no external id) is listed by name and linked like one from 1C, for the
viewers the permission function lets see it, and the exports stay as 1C people know them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, User
from letterpress.testing import factories
from letterpress.testing.web import login_as
from letterpress.web.analytics import queries
from tests.web.analytics_world import MONTHS, PERIOD, AnalyticsWorld, world  # noqa: F401
from tests.web.conftest import People

NAME = "ООО Своя"
DASHBOARDS = (f"/analytics/abc?period={PERIOD}", f"/analytics/xyz?period={PERIOD}",
              f"/analytics/stages?period={PERIOD}&stage=regular")
# The figures of manager1 whose rows name the counterparty made in the CRM.
DRILLED = ("revenue", "orders", "payments_received", "events", "events_meeting",
           "customers_at_start", "completeness", "contacts_completeness")


@dataclass
class Made:
    """Two counterparties made in the CRM under one name: ``own`` a regular customer of
    manager1 with an order, a payment, a meeting and a contact person; ``twin`` bought once."""

    own: Counterparty
    twin: Counterparty


def _made_in_the_crm(session: Session, manager: User) -> Counterparty:
    cp = factories.make_counterparty(session, NAME, manager=manager, source="выставка")
    cp.external_id = None  # as the card's "new counterparty" form leaves it
    session.flush()
    return cp


@pytest.fixture
def made(session: Session, people: People, world: AnalyticsWorld) -> Made:  # noqa: F811
    own = _made_in_the_crm(session, people.manager)
    twin = _made_in_the_crm(session, people.manager)
    factories.make_shipment(session, own, date=dt.date(2024, 12, 10), revenue="30000.00")
    for day in MONTHS:
        factories.make_shipment(session, own, date=day, revenue="30000.00", cost="10000.00")
    factories.make_shipment(session, twin, date=dt.date(2025, 3, 12), revenue="1000.00")
    order = factories.make_order(session, own, date=dt.date(2025, 6, 1), amount="90000.00",
                                 state="completed", manager=people.manager)
    factories.make_payment(session, own, order=order, date=dt.date(2025, 6, 20),
                           amount="90000.00")
    factories.make_event(session, own, author=people.manager, kind="meeting",
                         start_at=dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC),
                         subject="Встреча со своими")
    factories.make_contact(session, own, "Вера Своя")
    session.commit()
    return Made(own, twin)


def _as(client: FlaskClient, people: People, who: str) -> None:
    if who != "anonymous":
        login_as(client, getattr(people, who))


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _pages(client: FlaskClient, path: str) -> str:
    """Every page of a paged table, one after the other (past the last: the last again)."""
    return "".join(_text(client, f"{path}&page={n}") for n in range(1, 11))


def _link(cp: Counterparty, text: str = NAME) -> str:
    return f'<a href="/counterparties/{cp.id}">{text}</a>'


def _table(html: str, key: str) -> str:
    """The page from the table ``key`` on (the customers, or the drill-down's rows)."""
    return html[html.index(f'id="table-{key}"'):]


@pytest.mark.parametrize("who", ("manager", "other", "head", "admin", "anonymous"))
def test_dashboards_link_a_counterparty_made_in_the_crm_to_its_card(
    client: FlaskClient, people: People, made: Made, who: str
) -> None:
    _as(client, people, who)
    for path in DASHBOARDS:
        if who == "anonymous":
            assert client.get(path).status_code == 302
            continue
        table = _table(_text(client, path), "customers")
        if who == "other":  # manager2's figures hold none of manager1's customers
            assert NAME not in table, path
            continue
        # The counterparty column names it (no external id to show), the name links too.
        assert table.count(_link(made.own)) == 2, path


@pytest.mark.parametrize("indicator", DRILLED)
def test_drill_down_rows_link_a_counterparty_made_in_the_crm(
    client: FlaskClient, people: People, made: Made, indicator: str
) -> None:
    login_as(client, people.manager)
    table = _table(_pages(client, f"/analytics/managers/drill?manager=manager1"
                                  f"&indicator={indicator}&period={PERIOD}"), "rows")
    # By the counterparty column (its name standing in for the external id it lacks) or the
    # name column (completeness: the counterparty's own row).
    assert _link(made.own) in table, indicator
    assert f'{_link(made.own)} <span class="cell-sub mono">' not in table, indicator
    if indicator == "contacts_completeness":  # the contact person's name links to the card
        assert _link(made.own, "Вера Своя") in table


def test_the_events_drill_down_names_the_counterparty_of_each_event(
    client: FlaskClient, people: People, made: Made, world: AnalyticsWorld  # noqa: F811
) -> None:
    login_as(client, people.manager)
    html = _text(client, f"/analytics/managers/drill?manager=manager1&indicator=events"
                         f"&period={PERIOD}")
    assert html.count(_link(made.own)) == 1
    assert html.count(f'{_link(world.alfa, "ООО Альфа")} <span class="cell-sub mono">CP-ALFA'
                      "</span>") == 3


def test_twins_by_name_are_two_customers_in_the_stage_matrix(
    client: FlaskClient, people: People, made: Made
) -> None:
    login_as(client, people.admin)
    matrix = list(csv.DictReader(io.StringIO(client.get(
        f"/analytics/stages.csv?period={PERIOD}&from=2024-06&to=2025-12&table=matrix"
    ).get_data().decode("utf-8-sig"))))
    # Альфа, Бета, Гамма, Дельта, Эпсилон and the two made in the CRM.
    assert sum(int(r["total"]) for r in matrix) == 7
    html = _text(client, f"/analytics/stages?period={PERIOD}&stage=lost")
    assert _link(made.twin) in html and _link(made.own) not in html


def test_a_viewer_who_may_not_see_the_counterparty_gets_its_name_without_a_link(
    client: FlaskClient, people: People, made: Made, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []

    def own_only(user: User) -> ColumnElement[bool]:
        asked.append(user.id)
        return Counterparty.manager_id == user.id

    monkeypatch.setattr(queries, "visible_counterparties_clause", own_only)
    login_as(client, people.head)  # sees manager1's figures, none of whose cards here
    for path in DASHBOARDS:
        asked.clear()
        table = _table(_text(client, path), "customers")
        assert asked == [people.head.id], path  # one look-up for the page's rows
        assert NAME in table and "ООО Альфа" in table, path  # the rows' own name column
        assert "/counterparties/" not in table, path
    # The events behind a figure name no counterparty but by its external id and its card: one
    # made in the CRM is a dash to whoever may not see it.
    asked.clear()
    table = _table(_text(client, f"/analytics/managers/drill?manager=manager1&indicator=events"
                                 f"&period={PERIOD}"), "rows")
    assert asked == [people.head.id]
    assert "/counterparties/" not in table and NAME not in table
    assert table.count("CP-ALFA") == 3 and "Встреча со своими" in table


def test_exports_keep_the_external_id_column_and_add_no_internal_one(
    client: FlaskClient, people: People, made: Made
) -> None:
    login_as(client, people.admin)
    drill = f"/analytics/managers/drill.csv?manager=manager1&indicator=events&period={PERIOD}"
    for path in (f"/analytics/abc.csv?period={PERIOD}", f"/analytics/xyz.csv?period={PERIOD}",
                 f"/analytics/stages.csv?period={PERIOD}", drill):
        rows = list(csv.DictReader(io.StringIO(client.get(path).get_data().decode("utf-8-sig"))))
        assert rows and "counterparty" in rows[0] and "counterparty_id" not in rows[0], path
        own = [r for r in rows if r["counterparty"] == ""]
        assert own, path
        if "name" in rows[0]:
            assert {r["name"] for r in own} == {NAME}, path


def test_cards_are_looked_up_by_id_for_the_viewer(
    session: Session, people: People, made: Made, world: AnalyticsWorld  # noqa: F811
) -> None:
    ids = [made.own.id, None, world.alfa.id, made.own.id]
    found = queries.counterparty_cards(session, people.manager, ids)
    assert found == {made.own.id: queries.Card(made.own.id, NAME),
                     world.alfa.id: queries.Card(world.alfa.id, "ООО Альфа")}
    assert queries.counterparty_cards(session, people.inactive, ids) == {}
    assert queries.counterparty_cards(session, people.manager, [None]) == {}
