"""What the browser tests share: Debian's Chromium driven by Playwright against a real
``letterpress serve`` (gunicorn) on a loopback port, over a SQLite data directory that each test
module prepares with its own ``_prepare(data_dir)``.

- :func:`require_browser`: Chromium and Playwright are there, else the test fails in CI
  (``CI=true``) and skips with the reason on a laptop;
- :func:`server_fixture`: a module's server fixture made from its ``_prepare``;
- :func:`browser`: the fixture of a Chromium context, in Russian at a desktop's width, that
  records dialogs and stops (and records) every request to a host other than the loopback;
- :func:`shot`: a full-page screenshot into ``test-artifacts/browser/`` (kept by CI);
- :func:`sign_in`: through the login form, to the list of counterparties that follows it.

A test module imports ``browser`` (and names its server fixture) for pytest to find them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from letterpress.testing.factories import DEFAULT_PASSWORD
from letterpress.testing.serve import serving, without_serve_environment
from tests.conftest import require_service

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def require_browser() -> None:
    """Chromium and Playwright are there, else the test fails in CI and skips on a laptop."""
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - a test dependency
        require_service(False, "the playwright package is not installed")


def server_fixture(prepare: Callable[[Path], None], folder: str) -> Any:
    """A module-scoped fixture: ``letterpress serve`` on a free loopback port over the data
    that PREPARE writes into a fresh data directory (under a temporary FOLDER, with the serve
    variables of this process's environment kept out); it yields the server's base URL.

    pytest names the fixture after the module attribute it is assigned to:
    ``search_server = server_fixture(_prepare, "browser-search")``.
    """

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        require_browser()
        root = tmp_path_factory.mktemp(folder)
        data_dir = root / "data"
        with without_serve_environment():
            prepare(data_dir)
        with serving(data_dir, root) as base:
            yield base

    return server


@dataclass
class Watch:
    """What the browser tried behind our back: dialogs and requests to other hosts."""

    dialogs: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[Any, Watch]]:
    from playwright.sync_api import Route, sync_playwright

    watch = Watch()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport=DESKTOP, locale="ru-RU",
        )
        try:
            def intercept(route: Route) -> None:
                host = urlsplit(route.request.url).hostname or ""
                if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
                    route.continue_()
                else:
                    watch.remote.append(route.request.url)
                    route.abort()

            context.route("**/*", intercept)
            context.on("page", lambda page: page.on(
                "dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss())))
            yield context, watch
        finally:
            context.close()


def shot(page: Any, name: str) -> None:
    """The whole page as ``test-artifacts/browser/NAME.png``."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, login: str, *, check_form: bool = False) -> None:
    """Sign in as LOGIN with the factories' password and wait for the counterparties' list.
    With CHECK_FORM, first see that the login page is the Russian one."""
    page.goto(f"{base}/login")
    if check_form:
        assert page.locator("html").get_attribute("lang") == "ru"
        assert "Вход" in page.content()
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/counterparties/$"))
