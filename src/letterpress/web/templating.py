"""Jinja filters and globals shared by every template: dates, money, labels, links, the nav."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from babel import Locale
from babel.numbers import get_currency_precision, get_currency_symbol
from flask import Flask, request, url_for
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    gettext,
)

from letterpress.web import i18n, nav
from letterpress.web.context import web_context
from letterpress.web.labels import label

# Dates as people in each language write them in tables: 05.03.2025 / 5 Mar 2025.
_DATE_PATTERNS = {"ru": "dd.MM.yyyy", "en": "d MMM yyyy"}
_DATETIME_PATTERNS = {"ru": "dd.MM.yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}


def _language() -> str:
    locale = i18n.current_locale()
    return locale.language if locale is not None else "ru"


# Russian dates need no words: strftime writes them as babel's pattern would, some ten times
# faster (a card shows a few hundred dates and amounts; see tests/web/test_templating.py).
_RU_DATE, _RU_DATETIME = "%d.%m.%Y", "%d.%m.%Y %H:%M"


def date_filter(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(web_context().settings.company.tz).date()
    language = _language()
    if language == "ru" and value.year >= 1000:
        return value.strftime(_RU_DATE)
    return str(format_date(value, _DATE_PATTERNS.get(language, "medium")))


def datetime_filter(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    language = _language()
    if language == "ru" and value.year >= 1000:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(web_context().settings.company.tz).strftime(_RU_DATETIME)
    return str(format_datetime(value, _DATETIME_PATTERNS.get(language, "medium")))


@functools.lru_cache(maxsize=32)
def _ru_currency(currency: str) -> tuple[str, int] | None:
    """(symbol, decimal digits) when babel writes ``currency`` in Russian as "1 234,50 ₽"
    (no-break spaces), else None."""
    if Locale.parse("ru").currency_formats["standard"].pattern != "#,##0.00\xa0¤":
        return None
    return get_currency_symbol(currency, "ru"), get_currency_precision(currency)


def money_filter(amount: Decimal | int | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    code = currency or web_context().settings.company.currency
    fast = _ru_currency(code) if _language() == "ru" else None
    if fast is not None:
        symbol, digits = fast
        value = Decimal(amount).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
        if value:  # babel writes a zero that was negative as "-0,00": leave zeros to it
            text = f"{abs(value):,.{digits}f}".replace(",", "\xa0").replace(".", ",")
            return f"{'-' if value < 0 else ''}{text}\xa0{symbol}"
    return str(format_currency(amount, code))


def tel_filter(phone: str) -> str:
    """A ``tel:`` URI for a phone number as people write it."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def filesize_filter(size: int | None) -> str:
    """A file size as people read it: 512 B, 12 KB, 3.4 MB (in the reader's language)."""
    if size is None:
        return ""
    if size < 1024:
        return str(gettext("%(num)s B", num=size))
    if size < 1024 * 1024:
        return str(gettext("%(num)s KB", num=format_decimal(round(size / 1024))))
    return str(gettext("%(num)s MB", num=format_decimal(round(size / 1024 / 1024, 1))))


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
    for key, value in changes.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = str(value)
    assert request.endpoint is not None
    return url_for(request.endpoint, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=date_filter, datetime=datetime_filter, money=money_filter, label=label,
        tel=tel_filter, filesize=filesize_filter,
    )
    app.jinja_env.globals.update(
        url_with=url_with, languages=i18n.LANGUAGES, current_language=_language,
        nav_sections=nav.visible_sections,
        active_section=nav.active_section,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _company() -> dict[str, Any]:
        return {"company_name": web_context().settings.company.name}
