"""The date and money filters: Russian written without babel must read exactly as babel writes
it; other languages go through babel."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask
from flask_babel import force_locale

from letterpress.config import Settings
from letterpress.testing.database import fresh_engine, sqlite_url
from letterpress.web.app import create_app
from letterpress.web.templating import date_filter, datetime_filter, money_filter

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    with fresh_engine(sqlite_url(tmp_path)) as engine:
        yield create_app(Settings(data_dir=tmp_path / "data"), engine=engine)


def _amounts() -> list[tuple[Decimal | int, str]]:
    rng = random.Random(7)
    out: list[tuple[Decimal | int, str]] = [
        (Decimal(0), "RUB"), (Decimal("-0.004"), "RUB"), (Decimal("0.005"), "RUB"),
        (Decimal("0.015"), "RUB"), (Decimal("-1234567.895"), "RUB"), (12, "RUB"),
        (Decimal(1000), "JPY"), (Decimal("1.2345"), "BHD"), (Decimal("99.99"), "USD"),
    ]
    for _ in range(3000):
        scale = Decimal(10) ** -rng.choice((0, 1, 2, 3))
        out.append((Decimal(rng.randrange(-10**10, 10**10)) * scale,
                    rng.choice(("RUB", "EUR", "USD", "KZT", "JPY"))))
    return out


def test_russian_money_reads_as_babel_writes_it(app: Flask) -> None:
    with app.test_request_context():
        for amount, currency in _amounts():
            assert money_filter(amount, currency) == format_currency(
                amount, currency, locale="ru"), (amount, currency)
        assert money_filter(Decimal(5), None) == "5,00\xa0₽"  # the company's currency
        assert money_filter(None) == ""


def test_russian_dates_read_as_babel_writes_them(app: Flask) -> None:
    rng = random.Random(3)
    start = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    with app.test_request_context():
        for _ in range(3000):
            moment = start + dt.timedelta(seconds=rng.randrange(60 * 365 * 86400))
            assert datetime_filter(moment) == format_datetime(
                moment, "dd.MM.yyyy HH:mm", tzinfo=MOSCOW, locale="ru")
            assert date_filter(moment) == format_date(
                moment.astimezone(MOSCOW).date(), "dd.MM.yyyy", locale="ru")
            assert date_filter(moment.date()) == format_date(
                moment.date(), "dd.MM.yyyy", locale="ru")
        naive = dt.datetime(2025, 3, 3, 7, 30)  # babel takes a naive time for UTC
        assert datetime_filter(naive) == "03.03.2025 10:30"
        assert date_filter(dt.date(999, 1, 2)) == "02.01.0999"  # babel's way, not strftime's
        assert date_filter(None) == datetime_filter(None) == ""


def test_other_languages_go_through_babel(app: Flask) -> None:
    moment = dt.datetime(2025, 3, 3, 7, 30, tzinfo=dt.UTC)
    with app.test_request_context(), force_locale("en"):
        assert money_filter(Decimal("1234.5"), "RUB") == "RUB1,234.50"
        assert date_filter(moment) == "3 Mar 2025"
        assert datetime_filter(moment) == "3 Mar 2025, 10:30"


def test_url_with_changes_the_query_as_url_for_would(app: Flask) -> None:
    from flask import url_for

    from letterpress.web.templating import url_with

    with app.test_request_context("/counterparties/", query_string={
            "q": "ООО «Ромашка» & Co/1", "sort": "city", "page": "3"}):
        assert url_with(page=None) == url_for("counterparties.index", q="ООО «Ромашка» & Co/1",
                                              sort="city")
        assert url_with(dir="desc", page=4) == url_for(
            "counterparties.index", q="ООО «Ромашка» & Co/1", sort="city", page="4", dir="desc")
    with app.test_request_context("/counterparties/7?history_page=2&event=5"):
        assert url_with(history_page=3, event=None) == "/counterparties/7?history_page=3"
        assert url_with(history_page=None, event=None) == "/counterparties/7"
        # a change of the path's own argument still goes through url_for
        assert url_with(counterparty_id=8) == "/counterparties/8?history_page=2&event=5"
