"""The analytics dashboards through the test client: what each page shows for the hand-made
ledger of :mod:`tests.web.analytics_world`, the chart data it carries, the CSV and XLSX exports,
the drill-down, and the cache of computed dashboards."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from letterpress.testing import factories
from letterpress.testing.web import login_as
from letterpress.web.analytics.cache import dashboard_cache
from tests.web.analytics_world import PERIOD, AnalyticsWorld, world  # noqa: F401
from tests.web.conftest import People

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"].startswith("text/html")
    # Russian groups digits with no-break spaces.
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def _chart(html: str, chart_id: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html,
                      re.DOTALL)
    assert found, f"no chart data {chart_id}"
    return json.loads(found.group(1))


def _csv_rows(response: TestResponse) -> list[dict[str, str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a byte order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(response: TestResponse) -> list[list[Any]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "settings" in book.sheetnames
    book.close()
    return rows


@pytest.fixture
def admin_client(client: FlaskClient, people: People, world: AnalyticsWorld) -> FlaskClient:  # noqa: F811
    login_as(client, people.admin)
    return client


def test_the_index_links_every_dashboard_and_says_how_results_are_stored(
    admin_client: FlaskClient
) -> None:
    html = _page(admin_client, "/analytics/")
    for path in ("/analytics/abc", "/analytics/xyz", "/analytics/stages", "/analytics/managers",
                 "/analytics/sources"):
        assert f'href="{path}"' in html
    for title in ("ABC-анализ", "XYZ-анализ", "Стадии взаимоотношений",
                  "Показатели работы менеджеров",
                  "Источники информации и маркетинговые мероприятия"):
        assert title in html
    assert "letterpress analytics run" in html
    assert 'aria-current="page"' in html  # the nav marks Analytics


def test_abc_dashboard_classes_the_customers_and_carries_the_pareto_curve(
    admin_client: FlaskClient
) -> None:
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}")
    assert '<script src="/static/js/charts.js" defer></script>' in html
    assert 'data-chart="pareto"' in html and 'data-source="chart-pareto"' in html
    chart = _chart(html, "chart-pareto")
    assert chart["points"][0] == [0.0, 0.0] and chart["points"][-1] == [1.0, 1.0]
    # Альфа alone is a fifth of the customers and 1.2 M of 1.555 M.
    assert chart["points"][1] == [0.2, pytest.approx(1_200_000 / 1_555_000, abs=1e-4)]
    assert [(b["label"], b["count"]) for b in chart["bands"]] == [("A", 2), ("B", 1), ("C", 2)]
    assert chart["thresholds"] == [0.8, 0.95]
    # The class table and the customers, linked to their cards.
    summary = re.search(r'id="table-summary".*?</section>', html, re.DOTALL)
    assert summary is not None
    assert "1 440 000,00" in summary.group(0)  # class A: 1.2 M + 240 000
    assert "ООО Альфа" in html and "ООО Эпсилон" in html
    assert re.search(r'<a href="/counterparties/\d+">ООО Альфа</a>', html)
    assert "Кривая Парето" in html and "Покупатели по классам" in html


def test_abc_class_filter_and_compare_option(admin_client: FlaskClient) -> None:
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}&class=C")
    assert "ООО Бета" in html and "ООО Эпсилон" in html and "ООО Альфа</a>" not in html
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}&compare=1")
    assert "Класс ранее" in html and "новый в рейтинге" in html
    assert admin_client.get(f"/analytics/abc?period={PERIOD}&measure=nonsense").status_code == 400
    assert admin_client.get("/analytics/abc?period=2025-13").status_code == 400
    for silly in ("0001-01..9999-12", "2000-01..2025-12", "9999"):
        assert admin_client.get(f"/analytics/managers?period={silly}").status_code == 400
    assert admin_client.get("/analytics/stages?to=9999-12").status_code == 400


def test_abc_exports_csv_and_xlsx(admin_client: FlaskClient) -> None:
    for path in (f"/analytics/abc?period={PERIOD}&format=csv", f"/analytics/abc.csv?period={PERIOD}"):
        response = admin_client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == CSV_TYPE
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="')
        name = f"ABC-анализ - Покупатели по классам {PERIOD}.csv"
        assert f'filename="abc-customers {PERIOD}.csv"' in disposition
        assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
        rows = _csv_rows(response)
        assert [(r["counterparty"], r["class"]) for r in rows] == [
            ("CP-ALFA", "A"), ("CP-DELTA", "A"), ("CP-GAMMA", "B"), ("CP-BETA", "C"),
            ("CP-EPS", "C")]
        assert rows[0]["name"] == "ООО Альфа"
    summary = _csv_rows(admin_client.get(f"/analytics/abc.csv?period={PERIOD}&table=summary"))
    assert [(r["class"], r["customers"]) for r in summary] == [("A", "2"), ("B", "1"), ("C", "2")]
    response = admin_client.get(f"/analytics/abc.xlsx?period={PERIOD}&class=A")
    assert response.status_code == 200 and response.headers["Content-Type"] == XLSX_TYPE
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = _xlsx_rows(response)
    assert rows[0][:3] == ["counterparty", "name", "manager"]
    assert [r[0] for r in rows[1:]] == ["CP-ALFA", "CP-DELTA"]  # the class filter applies
    assert admin_client.get(f"/analytics/abc?period={PERIOD}&format=pdf").status_code == 404
    assert admin_client.get(f"/analytics/abc.csv?period={PERIOD}&table=nope").status_code == 404


def test_xyz_dashboard_shows_the_matrix_and_the_class_chart(admin_client: FlaskClient) -> None:
    html = _page(admin_client, f"/analytics/xyz?period={PERIOD}")
    chart = _chart(html, "chart-xyz")
    # Альфа and Дельта buy the same every month (cv 0): class X; Гамма, Бета, Эпсилон are lost.
    assert [(b["label"], b["value"]) for b in chart["bars"]] == [
        ("Класс X", 2.0), ("Класс Y", 0.0), ("Класс Z", 0.0)]
    assert "Матрица ABC-XYZ" in html
    matrix = _csv_rows(admin_client.get(f"/analytics/xyz.csv?period={PERIOD}&table=matrix"))
    assert matrix == [
        {"abc": "A", "X": "2", "Y": "0", "Z": "0", "unclassed": "0", "total": "2"},
        {"abc": "B", "X": "0", "Y": "0", "Z": "0", "unclassed": "0", "total": "0"},
        {"abc": "C", "X": "0", "Y": "0", "Z": "0", "unclassed": "0", "total": "0"}]
    customers = _csv_rows(admin_client.get(f"/analytics/xyz.csv?period={PERIOD}"))
    assert sorted(r["counterparty"] for r in customers) == ["CP-ALFA", "CP-DELTA"]
    assert {r["cv"] for r in customers} == {"0.0"}
    response = admin_client.get(f"/analytics/xyz?period={PERIOD}&bucket=quarter")
    assert response.status_code == 200
    # Eleven months do not divide into quarters: the engine refuses, the page says so.
    assert admin_client.get("/analytics/xyz?period=2025-01..2025-11&bucket=quarter"
                            ).status_code == 400


def test_stages_dashboard_funnel_and_transition_matrix(admin_client: FlaskClient) -> None:
    html = _page(admin_client, f"/analytics/stages?period={PERIOD}&from=2025-06&to=2025-12")
    funnel = _chart(html, "chart-funnel")
    assert [(s["tone"], s["value"]) for s in funnel["steps"]] == [
        ("potential", 0), ("one_time", 0), ("regular", 2), ("lost", 3)]
    assert "Воронка покупателей" in html and "Постоянный покупатель" in html
    assert 'value="2025-06"' in html and 'value="2025-12"' in html
    matrix = _csv_rows(admin_client.get(
        f"/analytics/stages.csv?period={PERIOD}&from=2025-06&to=2025-12&table=matrix"))
    counts = {r["from_stage"]: {k: int(v) for k, v in r.items() if k != "from_stage"}
              for r in matrix}
    assert counts["regular"] == {"potential": 0, "one_time": 0, "regular": 2, "lost": 1,
                                 "total": 3}
    assert counts["one_time"] == {"potential": 0, "one_time": 0, "regular": 0, "lost": 2,
                                  "total": 2}
    # From before anyone bought: everyone arrives from "not in the register yet".
    matrix = _csv_rows(admin_client.get(
        f"/analytics/stages.csv?period={PERIOD}&from=2024-06&to=2025-12&table=matrix"))
    assert [(r["from_stage"], r["regular"], r["lost"]) for r in matrix if r["total"] != "0"] == [
        ("", "2", "3")]
    changes = _csv_rows(admin_client.get(f"/analytics/stages.csv?period={PERIOD}&table=changes"))
    assert {(r["from_stage"], r["to_stage"], r["customers"]) for r in changes} >= {
        ("one_time", "lost", "2")}
    html = _page(admin_client, f"/analytics/stages?period={PERIOD}&stage=lost")
    assert "ООО Бета" in html and "ООО Альфа</a>" not in html
    assert admin_client.get(f"/analytics/stages?period={PERIOD}&from=June").status_code == 400


def test_stages_list_customers_by_name_with_a_link_to_the_card(
    admin_client: FlaskClient, world: AnalyticsWorld  # noqa: F811
) -> None:
    html = _page(admin_client, f"/analytics/stages?period={PERIOD}")
    table = html[html.index('id="table-customers"'):]
    for cp in (world.alfa, world.beta, world.delta, world.epsilon):
        assert f'<a href="/counterparties/{cp.id}">{cp.name}</a>' in table, cp.name


def test_managers_dashboard_figures_sparklines_and_drill_links(
    admin_client: FlaskClient
) -> None:
    html = _page(admin_client, f"/analytics/managers?period={PERIOD}")
    row = re.search(r'<tr>\s*<th scope="row">\s*Иван Петров.*?</tr>', html, re.DOTALL)
    assert row is not None
    # manager1: 1.2 M from Альфа and 10 000 from Бета; the sparkline has one value per month.
    assert "1 210 000,00" in row.group(0)
    spark = re.search(r'data-values="([^"]+)"', row.group(0))
    assert spark is not None
    values = [float(v) for v in spark.group(1).split()]
    assert len(values) == 12 and values[0] == 100000 and values[2] == 110000
    assert sum(values) == 1_210_000
    link = ("/analytics/managers/drill?manager=manager1&amp;indicator=revenue"
            "&amp;period=2025-01..2025-12")
    assert link in html
    assert "Без ответственного" in html  # the administrator sees unassigned figures
    html = _page(admin_client, f"/analytics/managers?period={PERIOD}&by=team")
    assert "drill?" not in html
    rows = _csv_rows(admin_client.get(f"/analytics/managers.csv?period={PERIOD}"))
    alfa = {r["manager"]: r for r in rows}["manager1"]
    assert alfa["revenue"] == "1210000.0" and alfa["events"] == "3"
    assert alfa["events_outgoing_call"] == "3" and alfa["orders_paid"] == "300000.0"


def test_drill_down_lists_the_rows_behind_a_figure(admin_client: FlaskClient) -> None:
    html = _page(admin_client, f"/analytics/managers/drill?manager=manager1&indicator=revenue"
                               f"&period={PERIOD}")
    assert "Выручка" in html and "Иван Петров" in html
    assert "Строки 1–5 из 13" in html  # five to a page in the tests
    assert html.count(">ООО Альфа</a>") == 5 and "CP-DELTA" not in html
    assert re.search(r'<a href="/counterparties/\d+">ООО Альфа</a> <span class="cell-sub mono">'
                     r"CP-ALFA</span>", html)
    rows = _csv_rows(admin_client.get(
        f"/analytics/managers/drill.csv?manager=manager1&indicator=revenue&period={PERIOD}"))
    assert len(rows) == 13 and sum(float(r["revenue"]) for r in rows) == 1_210_000
    events = _csv_rows(admin_client.get(
        f"/analytics/managers/drill?manager=manager1&indicator=events&period={PERIOD}"
        "&format=csv"))
    assert [r["subject"] for r in events] == ["Звонок Альфе"] * 3
    unassigned = _page(admin_client, f"/analytics/managers/drill?manager=&indicator=revenue"
                                     f"&period={PERIOD}")
    assert "CP-EPS" in unassigned and "Без ответственного" in unassigned
    assert admin_client.get(f"/analytics/managers/drill?manager=manager1&indicator=nonsense"
                            f"&period={PERIOD}").status_code == 400
    assert admin_client.get(f"/analytics/managers/drill?manager=nobody&indicator=revenue"
                            f"&period={PERIOD}").status_code == 404


def test_sources_dashboard_and_campaigns(admin_client: FlaskClient, session: Session,
                                         world: AnalyticsWorld) -> None:  # noqa: F811
    from letterpress.crm.model import Campaign, CampaignParticipant

    session.add(Campaign(external_id="CMP-1", name="Весенняя рассылка", kind="рассылка",
                         start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 2), currency="RUB",
                         participants=[CampaignParticipant(counterparty_id=world.beta.id)]))
    session.commit()
    html = _page(admin_client, f"/analytics/sources?period={PERIOD}")
    sources = _chart(html, "chart-sources")
    assert [(b["label"], b["value"]) for b in sources["bars"]] == [
        ("выставка", 1_210_000.0), ("сайт", 340_000.0), ("рекомендация", 5_000.0)]
    campaigns = _chart(html, "chart-campaigns")
    assert campaigns["bars"] == [{"label": "Весенняя рассылка", "value": 10_000.0, "tone": "b"}]
    rows = _csv_rows(admin_client.get(f"/analytics/sources.csv?period={PERIOD}&table=campaigns"))
    assert rows[0]["campaign"] == "CMP-1" and rows[0]["participants"] == "1"


def test_english_pages_use_the_english_words(admin_client: FlaskClient, session: Session,
                                             people: People) -> None:
    people.admin.language = "en"
    session.commit()
    html = _page(admin_client, f"/analytics/stages?period={PERIOD}")
    assert "Customer funnel" in html and "Regular customer" in html
    assert _chart(_page(admin_client, f"/analytics/xyz?period={PERIOD}"), "chart-xyz"
                  )["bars"][0]["label"] == "Class X"


def test_the_dashboards_are_cached_until_the_data_moves(
    app: Flask, admin_client: FlaskClient, session: Session, world: AnalyticsWorld  # noqa: F811
) -> None:
    cache = dashboard_cache(app)
    cache.clear()
    path = f"/analytics/managers?period={PERIOD}"
    _page(admin_client, path)
    builds = cache.builds
    _page(admin_client, path)
    assert cache.builds == builds  # read, not recomputed
    # A new shipment moves the data token: the next request recomputes and shows it.
    factories.make_shipment(session, world.alfa, date=dt.date(2025, 12, 20), revenue="90000.00")
    session.commit()
    html = _page(admin_client, path)
    assert cache.builds == builds + 1
    assert "1 300 000,00" in html
    # Past the time to live, an unchanged token still recomputes (corrections of old rows).
    cache.ttl = 0.0
    _page(admin_client, path)
    assert cache.builds == builds + 2


def test_the_page_says_when_nothing_is_stored_and_when_it_was(
    admin_client: FlaskClient, session: Session
) -> None:
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}")
    assert "Сохранённых результатов расчёта аналитики ещё нет" in html
    assert "letterpress analytics run" in html
    from letterpress.config import Settings
    from letterpress.crm.analytics import runs

    runs.run(session, Settings().analytics, dt.date(2026, 1, 10))
    session.commit()
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}")
    assert "Последний сохранённый расчёт аналитики" in html


def test_exports_neutralise_text_a_spreadsheet_would_run_as_a_formula(
    admin_client: FlaskClient, session: Session, people: People
) -> None:
    hostile = factories.make_counterparty(session, '=HYPERLINK("https://evil.example","x")',
                                          manager=people.manager, external_id="@CP-EVIL")
    factories.make_shipment(session, hostile, date=dt.date(2025, 6, 1), revenue="1.00")
    session.commit()
    rows = _csv_rows(admin_client.get(f"/analytics/abc.csv?period={PERIOD}"))
    evil = [r for r in rows if "HYPERLINK" in r["name"]]
    assert evil and evil[0]["name"].startswith("'=") and evil[0]["counterparty"] == "'@CP-EVIL"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(admin_client.get(
        f"/analytics/abc.xlsx?period={PERIOD}").get_data()))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
    # The page shows the name as it is, escaped.
    html = _page(admin_client, f"/analytics/abc?period={PERIOD}&class=C")
    assert "=HYPERLINK(&#34;https://evil.example&#34;,&#34;x&#34;)" in html
