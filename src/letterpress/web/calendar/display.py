"""Titles and day names of calendar pages in the reader's language (CLDR patterns through
Babel): «пн, 3 марта», «3 – 9 марта 2025 г.», «март 2025».

A name depends on the day, the pattern and the locale only, so each is formatted once per worker
and remembered (a week page names its seven days twice; a month some forty); the locale is the
request's, as Flask-Babel's ``format_date`` would take it.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_date, format_interval

from letterpress.web.calendar.periods import Span
from letterpress.web.i18n import current_locale

_NAMES = 4096


def _locale() -> Locale:
    return current_locale() or Locale.parse("ru")


@functools.lru_cache(maxsize=_NAMES)
def _formatted(day: dt.date, pattern: str, locale: Locale) -> str:
    return str(format_date(day, pattern, locale=locale))


def weekday_short(day: dt.date) -> str:
    return _formatted(day, "EEE", _locale())


def day_title(day: dt.date) -> str:
    """«понедельник, 3 марта 2025 г.»"""
    return _formatted(day, "full", _locale())


def day_heading(day: dt.date) -> str:
    """«пн, 3 марта»"""
    return _formatted(day, "EEE, d MMMM", _locale())


def day_short(day: dt.date) -> str:
    """«пн 3» (a column header)"""
    return _formatted(day, "EEE d", _locale())


@functools.lru_cache(maxsize=_NAMES)
def _title(span: Span, locale: Locale) -> str:
    if span.view == "day":
        return _formatted(span.first, "full", locale)
    if span.view == "month":
        return _formatted(span.first, "LLLL yyyy", locale).capitalize()
    return str(format_interval(span.first, span.last, "yMMMd", locale=locale))


def span_title(span: Span) -> str:
    return _title(span, _locale())


def clock(value: dt.datetime) -> str:
    """A local time as «09:30» (the value is already in the company's time zone)."""
    return value.strftime("%H:%M")
