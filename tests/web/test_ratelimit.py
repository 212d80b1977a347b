"""Failed sign-ins are throttled per login and per client address."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from letterpress.testing.web import csrf_token
from letterpress.web.context import web_context
from letterpress.web.ratelimit import LoginLimiter
from tests.web.conftest import People


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_counts_failures_in_a_sliding_minute() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(3, clock=clock)
    keys = ("login:a", "address:1.2.3.4")
    for _ in range(2):
        limiter.record_failure(keys)
        clock.now += 10
    assert limiter.retry_after(keys) == 0
    limiter.record_failure(keys)
    assert limiter.retry_after(["login:a"]) == 40  # the first failure leaves the window then
    assert limiter.retry_after(["login:b"]) == 0
    clock.now += 40
    assert limiter.retry_after(keys) == 0


def test_limiter_with_zero_allows_everything() -> None:
    limiter = LoginLimiter(0)
    limiter.record_failure(["login:a"])
    assert limiter.retry_after(["login:a"]) == 0


def _post_login(client: FlaskClient, login: str, password: str, address: str) -> int:
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client)
    response = client.post("/login", data={"login": login, "password": password,
                                           "csrf_token": token}, environ_overrides=environ)
    return response.status_code


def test_one_login_is_blocked_from_every_address(
    app: Flask, client: FlaskClient, people: People
) -> None:
    for i in range(3):  # web_settings allow 3 failures a minute
        assert _post_login(client, "manager1", "wrong", f"10.0.0.{i}") == 200
    blocked = client.post("/login", data={
        "login": "manager1", "password": "secret-pw", "csrf_token": csrf_token(client),
    }, environ_overrides={"REMOTE_ADDR": "10.0.0.99"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Слишком много неудачных попыток" in blocked.get_data(as_text=True)
    assert client.get("/counterparties/").status_code == 302  # the right password did not help
    # Another login from a fresh address is not affected.
    assert _post_login(client, "manager2", "secret-pw", "10.0.0.100") == 302


def test_one_address_is_blocked_for_every_login(
    app: Flask, client: FlaskClient, people: People
) -> None:
    for i in range(3):
        assert _post_login(client, f"nobody{i}", "x", "192.0.2.7") == 200
    assert _post_login(client, "manager1", "secret-pw", "192.0.2.7") == 429
    assert _post_login(client, "manager1", "secret-pw", "192.0.2.8") == 302


def test_behind_a_local_proxy_the_forwarded_address_counts(
    app: Flask, client: FlaskClient, people: People
) -> None:
    limiter = web_context(app).limiter
    for _ in range(3):
        client.post("/login", data={"login": "nobody", "password": "x",
                                    "csrf_token": csrf_token(client)},
                    environ_overrides={"REMOTE_ADDR": "127.0.0.1"},
                    headers={"X-Forwarded-For": "203.0.113.5"})
    assert limiter.retry_after(["address:203.0.113.5"]) > 0
    assert limiter.retry_after(["address:127.0.0.1"]) == 0
