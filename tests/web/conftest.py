"""Fixtures for the web UI: an app on the test database (both backends), people, a client.

CSRF protection stays on in every web test, as in production (see letterpress.testing.web).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.config import Settings, WebSettings
from letterpress.crm.model import User
from letterpress.testing import factories
from letterpress.web.app import create_app


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        web=WebSettings(page_size=5, login_attempts_per_minute=3),
    )


@pytest.fixture
def app(web_settings: Settings, engine: Engine) -> Iterator[Flask]:
    app = create_app(web_settings, engine=engine)
    app.config["TESTING"] = True
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class People:
    manager: User
    other: User
    head: User
    admin: User
    inactive: User


@pytest.fixture
def people(session: Session) -> People:
    head = factories.make_user(session, "head", role="head", name="Ольга Руководитель")
    found = People(
        manager=factories.make_user(session, "manager1", name="Иван Петров", supervisor=head),
        other=factories.make_user(session, "manager2", name="Пётр Сидоров", supervisor=head),
        head=head,
        admin=factories.make_user(session, "admin", role="admin", name="Админ"),
        inactive=factories.make_user(session, "gone", name="Уволенный", active=False),
    )
    session.commit()
    return found
