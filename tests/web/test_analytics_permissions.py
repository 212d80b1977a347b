"""Who sees which analytics: a matrix of viewers (a manager, another manager, their head, an
administrator, a visitor who is not signed in) over every dashboard, its exports and the
drill-down. Visibility is ``crm.permissions.report_manager_ids``: a manager sees their own
customers and figures, the head the team's, the administrator everything (unassigned included).
"""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from letterpress.testing.web import login_as
from tests.web.analytics_world import ALL_NAMES, OWN, PERIOD, AnalyticsWorld, world  # noqa: F401
from tests.web.conftest import People

VIEWERS = ("manager", "other", "head", "admin", "anonymous")
REGULAR = {"ООО Альфа", "ООО Дельта"}
SOURCES = {
    "manager": {"выставка"},
    "other": {"сайт"},
    "head": {"выставка", "сайт"},
    "admin": {"выставка", "сайт", "рекомендация"},
}
MANAGER_ROWS = {
    "manager": {"manager1"},
    "other": {"manager2"},
    "head": {"head", "manager1", "manager2"},
    "admin": {"head", "manager1", "manager2", ""},  # "": the unassigned customers' figures
}
# Whose drill-down each viewer may open ("" = unassigned).
DRILL = {"manager1": {"manager", "head", "admin"}, "manager2": {"other", "head", "admin"},
         "": {"admin"}}
PAGES = ("/analytics/", "/analytics/abc", "/analytics/xyz", "/analytics/stages",
         "/analytics/managers", "/analytics/sources")
EXPORTS = ("/analytics/abc.csv", "/analytics/abc.xlsx", "/analytics/xyz.csv",
           "/analytics/stages.xlsx", "/analytics/managers.csv", "/analytics/sources.csv",
           "/analytics/abc?format=xlsx",
           "/analytics/managers/drill.csv?manager=manager1&indicator=revenue")


def _as(client: FlaskClient, people: People, who: str) -> None:
    if who != "anonymous":
        login_as(client, getattr(people, who))


def _csv(client: FlaskClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _xlsx_names(client: FlaskClient, path: str) -> set[str]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    response = client.get(path)
    assert response.status_code == 200, path
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    column = list(rows[0]).index("name")
    return {str(r[column]) for r in rows[1:]}


@pytest.mark.parametrize("who", VIEWERS[:-1])
def test_dashboards_and_exports_show_what_the_permission_function_allows(
    client: FlaskClient, people: People, world: AnalyticsWorld, who: str  # noqa: F811
) -> None:
    _as(client, people, who)
    own = OWN[who]
    q = f"period={PERIOD}"
    for path in PAGES:
        assert client.get(f"{path}?{q}").status_code == 200, path
    for path in (f"/analytics/abc?{q}", f"/analytics/stages?{q}"):
        html = client.get(path).get_data(as_text=True)
        for name in ALL_NAMES:
            assert (name in html) == (name in own), (path, name)
    assert {r["name"] for r in _csv(client, f"/analytics/abc.csv?{q}")} == own
    assert _xlsx_names(client, f"/analytics/abc.xlsx?{q}") == own
    assert {r["name"] for r in _csv(client, f"/analytics/stages.csv?{q}")} == own
    assert _xlsx_names(client, f"/analytics/stages?{q}&format=xlsx") == own
    assert {r["name"] for r in _csv(client, f"/analytics/xyz.csv?{q}")} == own & REGULAR
    assert {r["source"] for r in _csv(client, f"/analytics/sources.csv?{q}")} == SOURCES[who]
    managers = _csv(client, f"/analytics/managers.csv?{q}")
    assert {r["manager"] for r in managers} == MANAGER_ROWS[who]
    # The stage transition matrix counts only the visible customers.
    matrix = _csv(client, f"/analytics/stages.csv?{q}&from=2024-06&to=2025-12&table=matrix")
    assert sum(int(r["total"]) for r in matrix) == len(own)


@pytest.mark.parametrize("who", VIEWERS[:-1])
def test_drill_down_follows_the_permission_function(
    client: FlaskClient, people: People, world: AnalyticsWorld, who: str  # noqa: F811
) -> None:
    _as(client, people, who)
    for target, allowed in DRILL.items():
        for fmt in ("", ".csv", ".xlsx"):
            path = (f"/analytics/managers/drill{fmt}?manager={target}&indicator=revenue"
                    f"&period={PERIOD}")
            expected = 200 if who in allowed else 403
            assert client.get(path).status_code == expected, (who, path)


@pytest.mark.parametrize("who", VIEWERS[:-1])
def test_a_manager_filter_is_checked_too(
    client: FlaskClient, people: People, world: AnalyticsWorld, who: str  # noqa: F811
) -> None:
    _as(client, people, who)
    path = f"/analytics/abc.csv?period={PERIOD}&manager=manager2"
    response = client.get(path)
    if who in ("other", "head", "admin"):
        assert response.status_code == 200
        names = {r["name"] for r in csv.DictReader(
            io.StringIO(response.get_data().decode("utf-8-sig")))}
        assert names == OWN["other"]
    else:
        assert response.status_code == 403
    assert client.get(f"/analytics/managers?period={PERIOD}&manager=manager2").status_code == (
        200 if who != "manager" else 403)


@pytest.mark.parametrize(
    "path", [*PAGES, *EXPORTS, "/analytics/managers/drill?manager=manager1&indicator=revenue"])
def test_signed_out_visitors_are_sent_to_sign_in(
    client: FlaskClient, people: People, world: AnalyticsWorld, path: str  # noqa: F811
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_cached_dashboard_is_never_shown_to_a_viewer_with_less_scope(
    app: Flask, people: People, world: AnalyticsWorld  # noqa: F811
) -> None:
    """The administrator fills the cache; managers asking the same URL get their own."""
    admin, manager, other = app.test_client(), app.test_client(), app.test_client()
    login_as(admin, people.admin)
    login_as(manager, people.manager)
    login_as(other, people.other)
    for path in (f"/analytics/abc?period={PERIOD}", f"/analytics/managers?period={PERIOD}"):
        assert admin.get(path).status_code == 200
    html = manager.get(f"/analytics/abc?period={PERIOD}").get_data(as_text=True)
    assert "ООО Альфа" in html and "ООО Гамма" not in html and "ООО Эпсилон" not in html
    html = other.get(f"/analytics/managers?period={PERIOD}").get_data(as_text=True)
    assert "Пётр Сидоров" in html and "Иван Петров" not in html


def test_an_inactive_user_is_signed_out(
    client: FlaskClient, people: People, world: AnalyticsWorld  # noqa: F811
) -> None:
    login_as(client, people.inactive)
    assert client.get(f"/analytics/abc?period={PERIOD}").status_code == 302
