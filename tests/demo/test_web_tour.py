"""Right after ``letterpress demo``, every section of the web UI shows a living CRM.

As a user would: ``letterpress demo --no-serve`` builds the full demo (letters included) into a
fresh data directory, ``letterpress serve`` serves it on a free port, and the head of sales and
a manager sign in (the CSRF token taken from the login form) and open every section: the
calendar (day, week, month, workload), tasks, reminders, search, the analytics dashboards, the
account page and mail. Each must show data relative to today, not its empty state. Then
Chromium walks the same sections as the head, at desktop and phone widths, into
``test-artifacts/demo/`` (and ``layout.txt`` there lists any page wider than the phone).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations

from letterpress.config import Settings
from letterpress.demo import DEMO_PASSWORD
from letterpress.testing.serve import clean_environment, serving
from tests.conftest import require_service

pytestmark = pytest.mark.slow

TRANSLATIONS = Path(__file__).parents[2] / "src" / "letterpress" / "web" / "translations"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "demo"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
MANAGER = "manager1"

_ru = Translations.load(str(TRANSLATIONS), ["ru"])


def ru(msgid: str) -> str:
    """What the Russian page says for ``msgid`` (up to its first placeholder)."""
    return _ru.gettext(msgid).split("%(")[0]


EMPTY = {  # the empty states that a living demo must not show
    "calendar": ru("Nothing planned."),
    "tasks": ru("No tasks here."),
    "due": ru("Nothing is due. Reminders of planned events, orders, invoices, birthdays and "
              "tasks appear here when their time comes."),
    "done": ru("Nothing done in the last week."),
    "devices": ru("No app passwords: no device can reach the calendars yet."),
    "analytics": ru("No analytics run has stored results yet: classes are computed on request, "
                    "and completeness changes need monthly snapshots. Run %(command)s (the mail "
                    "daemon runs it every night)."),
    "search": ru("Nothing found."),
}


@dataclass
class Demo:
    base: str
    data_dir: Path
    summary: dict[str, Any]
    today: dt.date

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / "letterpress.db")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The full demo built by the command line, served by ``letterpress serve``."""
    root = tmp_path_factory.mktemp("demo-web")
    data_dir = root / "var"
    built = subprocess.run(
        [sys.executable, "-m", "letterpress", "--data-dir", str(data_dir), "demo", "--no-serve",
         "--format", "json"],
        cwd=root, env=clean_environment(), capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    summary = json.loads(built.stdout)
    (ARTIFACTS).mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "build.json").write_text(json.dumps(
        {"seconds": summary["seconds"], "counts": summary["counts"]}, indent=1))
    today = dt.datetime.now(Settings().company.tz).date()
    with serving(data_dir, root) as base:
        yield Demo(base, data_dir, summary, today)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no CSRF token in the login form"
    return found.group(1)


class Browser:
    """A signed-in ``requests`` session that fetches pages and checks their status."""

    def __init__(self, base: str, login: str) -> None:
        import requests

        self.base, self.http = base, requests.Session()
        form = self.http.get(f"{base}/login", timeout=30)
        answer = self.http.post(f"{base}/login", timeout=30, data={
            "csrf_token": _csrf(form.text), "login": login, "password": DEMO_PASSWORD,
            "next": ""})
        assert answer.status_code == 200 and answer.url.endswith("/counterparties/"), answer.url

    def page(self, path: str) -> str:
        answer = self.http.get(self.base + path, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code)
        return str(answer.text)

    def csv(self, path: str) -> list[dict[str, str]]:
        answer = self.http.get(self.base + path, timeout=60)
        assert answer.status_code == 200, (path, answer.status_code)
        return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


SignIn = Callable[[str], Browser]


@pytest.fixture
def sign_in(demo: Demo) -> Iterator[SignIn]:
    """Signs a user in over HTTP; the sessions are closed after the test."""
    opened: list[Browser] = []

    def open_as(login: str) -> Browser:
        opened.append(Browser(demo.base, login))
        return opened[-1]

    yield open_as
    for browser in opened:
        browser.http.close()


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _count(html: str, marker: str) -> int:
    return html.count(marker)


def _header_count(html: str) -> int:
    found = re.search(r'id="due-reminders">[^<]*<span class="count"[^>]*>(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_the_build_reports_the_live_parts(demo: Demo) -> None:
    counts = demo.summary["counts"]
    assert counts["letters"] > 4000 and counts["events"] > 3000
    assert counts["reminders_due"] > 0 and counts["reminders"] > counts["reminders_due"]
    assert counts["app_passwords"] >= 7
    assert demo.summary["history_end"] == (demo.today - dt.timedelta(days=1)).isoformat()
    with demo.db() as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM analytics_runs GROUP BY kind"))
        assert kinds["abc"] == kinds["xyz"] == 13 and kinds["totals"] >= 1
        assert db.execute("SELECT count(DISTINCT month) FROM analytics_completeness"
                          ).fetchone()[0] >= 13


def test_the_calendar_is_full_around_today(demo: Demo, sign_in: SignIn) -> None:
    head, manager = sign_in("head"), sign_in(MANAGER)
    day = _workday(demo.today)
    for who in (head, manager):
        week = who.page(f"/calendar/week?date={day}")
        assert _count(week, 'class="cal-item ') >= 4
        assert who.page(f"/calendar/day?date={day}").count('class="event cal-entry') >= 1
        month = who.page("/calendar/month")
        assert _count(month, 'class="cal-item ') >= 15
        ahead = who.page(f"/calendar/week?date={demo.today + dt.timedelta(days=7)}")
        assert "cal-item--planned" in ahead
    # The head sees the team's workload and what is overdue; the managers' calendars too.
    workload = head.page(f"/calendar/workload?date={day}")
    assert workload.count("badge--late") >= 3
    assert workload.count('<th scope="row"') == 7  # the head and six managers
    ids = re.findall(r'<option value="(\d+)"', head.page("/calendar/week"))
    assert len(ids) >= 7
    other = head.page(f"/calendar/week?date={day}&user={ids[-1]}")
    assert _count(other, 'class="cal-item ') >= 2
    overdue = manager.page(f"/calendar/month?date={demo.today}")
    assert "cal-item--overdue" in overdue or "badge--late" in manager.page("/tasks/")


def test_tasks_are_set_done_and_overdue(demo: Demo, sign_in: SignIn) -> None:
    head, manager = sign_in("head"), sign_in(MANAGER)
    team = head.page("/tasks/?tab=team")
    assert EMPTY["tasks"] not in team and team.count("<tr") >= 30
    assert head.page("/tasks/?tab=team&show=overdue").count("task--overdue") >= 3
    closed = head.page("/tasks/?tab=team&show=closed")
    assert closed.count("<tr") >= 15
    assert head.page("/tasks/?tab=set").count("<tr") >= 30
    mine = manager.page("/tasks/")
    assert EMPTY["tasks"] not in mine and mine.count("<tr") >= 5
    with demo.db() as db:
        done_id, result = db.execute(
            "SELECT t.id, t.result FROM tasks t JOIN users u ON u.id = t.assignee_id "
            "WHERE u.login = ? AND t.state = 'done' AND t.result <> '' ORDER BY t.due_at DESC",
            (MANAGER,)).fetchone()
    assert result in manager.page(f"/tasks/{done_id}")


def test_reminders_are_due_snoozed_and_done(demo: Demo, sign_in: SignIn) -> None:
    states: dict[str, int] = {"due": 0, "snoozed": 0, "done": 0}
    for login in ("head", MANAGER, "manager3", "manager5"):
        panel = sign_in(login).page("/reminders/")
        for state in states:
            states[state] += panel.count(f'class="reminder reminder--{state}"')
        if login == MANAGER:
            assert EMPTY["due"] not in panel and EMPTY["done"] not in panel
            assert _header_count(panel) == panel.count('class="reminder reminder--due"') > 0
    assert states["due"] >= 4 and states["snoozed"] >= 1 and states["done"] >= 4, states


def test_search_finds_every_kind(demo: Demo, sign_in: SignIn) -> None:
    with demo.db() as db:
        company = db.execute("SELECT name FROM counterparties WHERE manager_id = "
                             "(SELECT id FROM users WHERE login = ?) ORDER BY id", (MANAGER,)
                             ).fetchone()[0]
    head = sign_in("head")
    found = {
        "counterparty": head.page("/search/?" + _query(re.findall(r"\w+", company)[-1])),
        "event": head.page("/search/?" + _query("Планёрка отдела продаж")),
        "task": head.page("/search/?" + _query("задолженность счёту") + "&kind=task"),
        "letter": head.page("/search/?" + _query("отчёт") + "&kind=letter"),
    }
    for kind, html in found.items():
        assert f"search-hit search-hit--{kind}" in html, kind
    manager = sign_in(MANAGER)
    assert "search-hit--event" in manager.page("/search/?" + _query("Звонок"))
    assert "search-hit--letter" in manager.page("/search/?" + _query("счёт на оплату"))


def _query(text: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": text})


def test_analytics_dashboards_have_stored_results_and_charts(demo: Demo, sign_in: SignIn) -> None:
    for login in ("head", MANAGER):
        who = sign_in(login)
        index = who.page("/analytics/")
        assert EMPTY["analytics"] not in index and index.count("<dt>") >= 4
        for name in ("abc", "xyz", "stages", "managers", "sources"):
            html = who.page(f"/analytics/{name}")
            assert EMPTY["analytics"] not in html, name
            assert "data-chart=" in html, name
            for data in re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>',
                                   html, re.DOTALL):
                assert data.strip() not in ("", "[]", "{}", "null"), (name, data[:80])
        assert "analytics-grid" in who.page("/analytics/managers/drill?manager="
                                            f"{MANAGER}&indicator=revenue")


def test_the_managers_differ_explainably(demo: Demo, sign_in: SignIn) -> None:
    """Issue 6: one manager loses many customers, one keeps a poor database."""
    head = sign_in("head")
    stages = {r["manager"]: r for r in head.csv("/analytics/managers.csv?table=stages")}
    done = {r["manager"]: r for r in head.csv("/analytics/managers.csv?table=completeness")}
    managers = [f"manager{i}" for i in range(1, 7)]
    loss = {m: float(stages[m]["loss_rate"] or 0) for m in managers}
    assert max(loss, key=loss.__getitem__) == "manager5", loss
    completeness = {m: float(done[m]["completeness"]) for m in managers}
    assert min(completeness, key=completeness.__getitem__) == "manager3", completeness
    change = {m: float(done[m]["completeness_change"]) for m in managers}
    assert change["manager3"] < 0 < change["manager6"], change


def test_account_and_mail_show_the_users_things(demo: Demo, sign_in: SignIn) -> None:
    for login in ("head", MANAGER):
        who = sign_in(login)
        account = who.page("/account/")
        assert EMPTY["devices"] not in account and "app-password-list" in account
        assert "/dav/" in account
        assert "/mail/boxes/" in who.page("/mail/")
        assert 'class="table' in who.page("/counterparties/")


# --- the screenshot tour ----------------------------------------------------------------------

TOUR = (
    ("counterparties", "/counterparties/"), ("calendar-day", "/calendar/day?date={day}"),
    ("calendar-week", "/calendar/week"), ("calendar-month", "/calendar/month"),
    ("calendar-workload", "/calendar/workload"), ("tasks", "/tasks/?tab=team"),
    ("reminders", "/reminders/"), ("search", "/search/?q=календари"),
    ("analytics", "/analytics/"), ("analytics-abc", "/analytics/abc"),
    ("analytics-xyz", "/analytics/xyz"), ("analytics-stages", "/analytics/stages"),
    ("analytics-managers", "/analytics/managers"), ("analytics-sources", "/analytics/sources"),
    ("account", "/account/"), ("mail", "/mail/"),
)
WIDER_THAN_VIEW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !el.closest('.table-scroll, .chart')) {
      wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(box.right));
    }
  }
  return [document.documentElement.scrollWidth, wide.slice(0, 5)];
}"""


def test_a_screenshot_tour_as_the_head(demo: Demo) -> None:
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    layout: list[str] = []
    day = _workday(demo.today)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=DESKTOP, locale="ru-RU")
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{demo.base}/login")
            page.fill("input[name=login]", "head")
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(re.compile(r"/counterparties/$"))
            for size, tag in ((DESKTOP, "desktop"), (PHONE, "phone")):
                page.set_viewport_size(size)
                for n, (name, path) in enumerate(TOUR, 1):
                    page.goto(demo.base + path.format(day=day))
                    page.wait_for_load_state("networkidle")
                    if name.startswith("analytics-"):
                        assert page.locator("[data-chart] svg, svg[data-chart]").count() > 0, name
                    page.screenshot(path=str(ARTIFACTS / f"{n:02d}-{name}-{tag}.png"),
                                    full_page=True)
                    if tag == "phone":
                        scroll, wide = page.evaluate(WIDER_THAN_VIEW)
                        if scroll > PHONE["width"]:
                            layout.append(f"{path}: page {scroll} px wide; {', '.join(wide)}")
        finally:
            browser.close()
    (ARTIFACTS / "layout.txt").write_text("\n".join(layout) + "\n" if layout else "")
    assert errors == [], errors
