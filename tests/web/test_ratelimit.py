"""Failed sign-ins are throttled per login and per client address, in the database: every
worker process and every restart sees the same counts."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from letterpress.config import Settings
from letterpress.crm.model import LoginAttempt
from letterpress.testing.web import csrf_token
from letterpress.web.app import create_app
from letterpress.web.context import web_context
from letterpress.web.ratelimit import LoginLimiter, stored_key
from tests.web.conftest import People


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_counts_failures_in_a_sliding_minute(engine: Engine) -> None:
    clock = FakeClock()
    limiter = LoginLimiter(3, engine, clock=clock)
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


def test_limiter_with_zero_allows_everything(engine: Engine) -> None:
    limiter = LoginLimiter(0, engine)
    limiter.record_failure(["login:a"])
    assert limiter.retry_after(["login:a"]) == 0


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(LoginAttempt)) or 0


def test_two_limiters_on_one_database_share_the_counts(engine: Engine) -> None:
    """Two worker processes (or a restarted one): what one recorded, the other refuses."""
    clock = FakeClock()
    first, second = LoginLimiter(3, engine, clock=clock), LoginLimiter(3, engine, clock=clock)
    first.record_failure(["login:a"])
    second.record_failure(["login:a"])
    clock.now += 1
    first.record_failure(["login:a"])
    assert second.retry_after(["login:a"]) == 59
    assert LoginLimiter(3, engine, clock=clock).retry_after(["login:a"]) == 59


def test_expired_failures_are_deleted_as_new_ones_come(engine: Engine) -> None:
    clock = FakeClock()
    limiter = LoginLimiter(3, engine, clock=clock)
    for i in range(50):  # a spray of made-up logins
        limiter.record_failure([f"login:nobody{i}", "address:192.0.2.1"])
    assert _rows(engine) == 100
    clock.now += 61
    limiter.record_failure(["login:late", "address:192.0.2.2"])
    assert _rows(engine) == 2
    assert limiter.retry_after(["address:192.0.2.1"]) == 0


def test_an_overlong_key_is_counted_by_its_hash(engine: Engine) -> None:
    clock = FakeClock()
    limiter = LoginLimiter(2, engine, clock=clock)
    long_key = "address:" + "x" * 500
    assert stored_key(long_key).startswith("sha256:") and stored_key("login:a") == "login:a"
    limiter.record_failure([long_key])
    limiter.record_failure([long_key])
    assert limiter.retry_after([long_key]) == 60
    assert limiter.retry_after(["address:" + "x" * 499]) == 0


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


def test_another_app_on_the_same_database_sees_the_block(
    app: Flask, client: FlaskClient, people: People, web_settings: Settings, engine: Engine
) -> None:
    """Another worker of ``letterpress serve`` is another app on the same database."""
    for i in range(3):
        assert _post_login(client, "manager1", "wrong", f"10.0.1.{i}") == 200
    worker = create_app(web_settings, engine=engine)
    worker.config["TESTING"] = True
    assert _post_login(worker.test_client(), "manager1", "secret-pw", "10.0.1.50") == 429
