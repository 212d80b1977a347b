"""pytest fixtures for a real Dovecot, a plugin that tests/conftest.py registers::

    pytest_plugins = ["letterpress.testing.fixtures"]

so a test names the ones it uses as parameters, without importing them:

- ``dovecot_module``: one server per test module (start ~0.1 s; teardown kills it, ~0.02 s);
- ``dovecot_user``: a fresh user on that server per test, so tests do not see each other's mail;
- ``dovecot``: a server of the test's own, for tests that stop, kill or restart it;
- ``dovecot_factory``: ``dovecot_factory(tls=True)`` and other options; all are closed at teardown.

When Dovecot is not installed the test is skipped on a developer's machine and fails in CI
(``CI=true``): a test that needs a missing service must not pass silently there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from letterpress.testing.dovecot import ConnectionInfo, DovecotServer, unavailable_reason


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_dovecot() -> None:
    """Skip (or, in CI, fail) the calling test when no Dovecot can be started here."""
    reason = unavailable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def dovecot_factory() -> Iterator[Callable[..., DovecotServer]]:
    """Make started servers with :class:`DovecotServer` options; each is closed after the test."""
    require_dovecot()
    servers: list[DovecotServer] = []

    def make(**options: Any) -> DovecotServer:
        server = DovecotServer(**options)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def dovecot(dovecot_factory: Callable[..., DovecotServer]) -> DovecotServer:
    """A started server of the test's own (plain IMAP and LMTP)."""
    return dovecot_factory()


@pytest.fixture(scope="module")
def dovecot_module() -> Iterator[DovecotServer]:
    """One started server shared by the tests of a module; add users with ``new_user()``."""
    require_dovecot()
    with DovecotServer() as server:
        yield server


@pytest.fixture
def dovecot_user(dovecot_module: DovecotServer) -> ConnectionInfo:
    """A new user with an empty mailbox on the module's server (restarted if a test stopped it)."""
    if not dovecot_module.running:
        dovecot_module.start()
    return dovecot_module.new_user()
