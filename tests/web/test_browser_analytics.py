"""The analytics dashboards in a real browser: Debian's Chromium driven by Playwright against a
real ``letterpress serve`` on a loopback port, over a SQLite data directory with a year of sales.

Signs in (in Russian), opens the ABC dashboard and checks that ``static/js/charts.js`` drew the
Pareto curve into SVG from the page's JSON block, then the stages funnel and the managers'
sparklines - with no console error and no Content-Security-Policy violation on the way.
Screenshots at desktop and phone widths go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from letterpress.crm.analytics import Period
from letterpress.crm.analytics.periods import month_start
from letterpress.db.session import session_factory
from letterpress.testing import factories
from letterpress.testing.database import fresh_engine, sqlite_url
from tests.web.browser_support import (  # noqa: F401 - browser is a fixture
    ARTIFACTS,
    DESKTOP,
    PHONE,
    Watch,
    browser,
    server_fixture,
    shot,
    sign_in,
)

pytestmark = pytest.mark.slow
# Collects CSP violations from the first script the page runs (Playwright injects it).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _prepare(data_dir: Path) -> None:
    """Two managers under a head, 24 customers with Pareto-like sales over the last 12 whole
    months (the dashboards' default period), a few lost on the way."""
    data_dir.mkdir(parents=True, exist_ok=True)
    period = Period.trailing(dt.date.today(), 12)
    months = [month_start(no) for no in range(period.first, period.last + 1)]
    with fresh_engine(sqlite_url(data_dir)) as engine, session_factory(engine)() as session:
        head = factories.make_user(session, "head", role="head", name="Ольга Руководитель")
        managers = [
            factories.make_user(session, "manager1", name="Иван Петров", supervisor=head),
            factories.make_user(session, "manager2", name="Пётр Сидоров", supervisor=head),
        ]
        factories.make_user(session, "admin", role="admin", name="Администратор")
        for i in range(24):
            customer = factories.make_counterparty(
                session, f"ООО Клиент {i + 1}", manager=managers[i % 2],
                source=("выставка", "сайт", "рекомендация")[i % 3], external_id=f"CP-{i:03d}")
            bought = months if i % 5 else months[:3]  # every fifth one stops: lost
            for n, month in enumerate(bought):
                if (n + i) % (1 + i // 6) == 0:
                    revenue = 200_000 / (i + 1) + 1_000 * n
                    factories.make_shipment(session, customer, date=month.replace(day=12),
                                            revenue=f"{revenue:.2f}",
                                            cost=f"{revenue * 0.7:.2f}")
        session.commit()


server = server_fixture(_prepare, "browser-analytics")


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _violations(page: Any) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations || []")
    return found


def test_the_abc_dashboard_draws_its_chart_without_errors(
    server: str, browser: tuple[Any, Watch]  # noqa: F811
) -> None:
    context, watch = browser
    context.add_init_script(script=CSP_WATCH)
    page = context.pages[0] if context.pages else context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))

    sign_in(page, server, "head", check_form=True)
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Аналитика").click()
    page.wait_for_url(re.compile(r"/analytics/$"))
    assert page.get_by_role("heading", name="Аналитика", level=1).is_visible()
    page.get_by_role("link", name="ABC-анализ").first.click()
    page.wait_for_url(re.compile(r"/analytics/abc$"))
    page.wait_for_load_state("networkidle")

    chart = page.locator('[data-chart="pareto"]')
    assert chart.get_attribute("role") == "img"
    page.wait_for_selector('[data-chart="pareto"] svg path.curve')
    assert chart.locator("svg path").count() >= 2  # the area under the curve and the curve
    curve = chart.locator("svg path.curve").get_attribute("d") or ""
    assert curve.startswith("M") and curve.count("L") >= 10
    assert chart.locator("svg rect.band").count() == 3  # classes A, B and C
    box = chart.locator("svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert page.get_by_role("heading", name="Покупатели по классам").is_visible()
    violations = _violations(page)
    shot(page, "40-analytics-abc-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(400)  # the chart redraws for the new width
    phone_box = chart.locator("svg").bounding_box()
    assert phone_box is not None and phone_box["width"] < box["width"]
    assert chart.locator("svg path.curve").count() == 1
    shot(page, "41-analytics-abc-phone")
    page.set_viewport_size(DESKTOP)

    # The download links are real downloads with Cyrillic names.
    with page.expect_download() as info:
        page.locator("#table-customers").get_by_role("link", name="XLSX").click()
    assert info.value.suggested_filename.startswith("ABC-анализ - Покупатели по классам")
    assert info.value.suggested_filename.endswith(".xlsx")

    _open(page, f"{server}/analytics/stages")
    page.wait_for_selector('[data-chart="funnel"] svg path.funnel-step', state="attached")
    assert page.locator('[data-chart="funnel"] svg path.funnel-step').count() == 4
    violations += _violations(page)
    shot(page, "42-analytics-stages-desktop")
    _open(page, f"{server}/analytics/managers")
    page.wait_for_selector("svg.sparkline path.spark-line")
    assert page.locator("svg.sparkline path.spark-line").count() == 2  # manager1 and manager2
    violations += _violations(page)
    shot(page, "43-analytics-managers-desktop")
    page.locator("#table-money tr", has_text="Иван Петров").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/analytics/managers/drill\?"))
    assert page.locator("main table tbody tr").count() >= 1
    shot(page, "44-analytics-drill-desktop")
    for path, name in (("/analytics/xyz", "45-analytics-xyz"),
                       ("/analytics/sources", "46-analytics-sources")):
        _open(page, f"{server}{path}")
        assert page.locator("[data-chart] svg path").count() >= 1, path
        violations += _violations(page)
        shot(page, f"{name}-desktop")

    assert violations == [], violations
    assert console == [], console
    assert watch.dialogs == [] and watch.remote == []
    assert ARTIFACTS.joinpath("40-analytics-abc-desktop.png").exists()
