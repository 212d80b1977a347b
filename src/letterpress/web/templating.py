"""Jinja filters and globals shared by every template: dates, money, labels, links, the nav."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import get_currency_precision, get_currency_symbol
from flask import Flask, g, request, url_for
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    gettext,
)
from markupsafe import escape

from letterpress.web import frame, i18n, nav
from letterpress.web.context import web_context
from letterpress.web.labels import label

# escape_text(str) -> str: markupsafe.escape of a str, as a str, for HTML written in Python
# (counterparties/rows.py), where making a Markup of every value costs some fifteen times the
# escaping: markupsafe's own C function, else escape itself.
try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # markupsafe without its speedups (or a later one moving them)
    def _escape_inner(text: str, /) -> str:
        return str(escape(text))
escape_text = _escape_inner

# Dates as people in each language write them in tables: 05.03.2025 / 5 Mar 2025.
_DATE_PATTERNS = {"ru": "dd.MM.yyyy", "en": "d MMM yyyy"}
_DATETIME_PATTERNS = {"ru": "dd.MM.yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
_FORMATS = "letterpress_formats"  # the memo's name in Flask-Babel's per-request namespace


@functools.lru_cache(maxsize=32)
def _ru_currency(currency: str) -> tuple[str, int] | None:
    """(symbol, decimal digits) when babel writes ``currency`` in Russian as "1 234,50 ₽"
    (no-break spaces), else None."""
    if Locale.parse("ru").currency_formats["standard"].pattern != "#,##0.00\xa0¤":
        return None
    return get_currency_symbol(currency, "ru"), get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Formats:
    """How this request writes dates, times and money: the reader's language with the
    company's time zone and currency, looked up once (:func:`formats`) rather than at every
    value (a card writes a few hundred).

    Russian needs no words: written by hand as babel's patterns would write them, some ten times
    faster than babel (see tests/web/test_templating.py); other languages go through babel."""

    locale: Locale | None
    tz: ZoneInfo
    currency: str

    @property
    def language(self) -> str:
        return self.locale.language if self.locale is not None else "ru"

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        language = self.language
        if language == "ru":
            return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
        return str(format_date(value, _DATE_PATTERNS.get(language, "medium")))

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        language = self.language
        if language == "ru":
            # babel takes a naive time for UTC
            local = (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
                     ).astimezone(self.tz)
            return (f"{local.day:02d}.{local.month:02d}.{local.year:04d} "
                    f"{local.hour:02d}:{local.minute:02d}")
        return str(format_datetime(value, _DATETIME_PATTERNS.get(language, "medium")))

    def money(self, amount: Decimal | int | None, currency: str | None = None) -> str:
        if amount is None:
            return ""
        code = currency or self.currency
        fast = _ru_currency(code) if self.language == "ru" else None
        if fast is not None:
            symbol, digits = fast
            value = Decimal(amount).quantize(Decimal(1).scaleb(-digits),
                                             rounding=ROUND_HALF_EVEN)
            # babel writes a zero that was negative as "-0,00": leave those to it
            if value or not value.is_signed():
                text = f"{abs(value):,.{digits}f}".replace(",", "\xa0").replace(".", ",")
                return f"{'-' if value < 0 else ''}{text}\xa0{symbol}"
        return str(format_currency(amount, code))


def formats() -> Formats:
    """The request's :class:`Formats`, remembered beside Flask-Babel's locale and keyed by it,
    so that :func:`flask_babel.force_locale` and :func:`flask_babel.refresh` are obeyed."""
    state = i18n.babel_state()
    if state is not None:
        memo: Formats | None = getattr(state, _FORMATS, None)
        if memo is not None and memo.locale is getattr(state, i18n.BABEL_LOCALE, None):
            return memo
    company = web_context().settings.company
    found = Formats(locale=i18n.current_locale(), tz=company.tz, currency=company.currency)
    state = i18n.babel_state()  # selecting the locale may have made it
    if state is not None and getattr(state, i18n.BABEL_LOCALE, None) is found.locale:
        setattr(state, _FORMATS, found)
    return found


def _language() -> str:
    return formats().language


def date_filter(value: dt.date | dt.datetime | None) -> str:
    return formats().date(value)


def datetime_filter(value: dt.datetime | None) -> str:
    return formats().datetime(value)


def money_filter(amount: Decimal | int | None, currency: str | None = None) -> str:
    return formats().money(amount, currency)


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


_PAGE_PATH = "letterpress_page_path"  # in flask.g: the current page's path, for url_with
# What Werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode), so that the links
# read as url_for would write them.
_QUERY_SAFE = "!$'()*,/:;?@"


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None drops one).

    As ``url_for(request.endpoint, **view_args, **query)``, with the path built once per
    request: a list's sort headers and pager ask a dozen times, and ``url_for`` costs some
    15 µs each."""
    view_args = request.view_args or {}
    values: dict[str, Any] = {key: value for key, value in request.args.items()
                              if key not in view_args}
    for key, value in changes.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = str(value)
    assert request.endpoint is not None
    if view_args.keys() & changes.keys():  # a change of the path itself
        return url_for(request.endpoint, **{**values, **view_args, **{
            key: value for key, value in changes.items() if key in view_args}})
    request_globals = g._get_current_object()
    path: str | None = request_globals.get(_PAGE_PATH)
    if path is None:
        path = url_for(request.endpoint, **view_args)
        setattr(request_globals, _PAGE_PATH, path)
    return f"{path}?{urlencode(values, safe=_QUERY_SAFE)}" if values else path


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=date_filter, datetime=datetime_filter, money=money_filter, label=label,
        tel=tel_filter, filesize=filesize_filter,
    )
    app.jinja_env.globals.update(
        url_with=url_with, languages=i18n.LANGUAGES, current_language=_language,
        frame=frame.frame, nav_links=frame.nav_links,
        active_section=nav.active_section,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _company() -> dict[str, Any]:
        return {"company_name": web_context().settings.company.name}
