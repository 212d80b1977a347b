"""Titles and day names of calendar pages in the reader's language (CLDR patterns through
Flask-Babel): «пн, 3 марта», «3 – 9 марта 2025 г.», «март 2025»."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_interval
from flask_babel import format_date, get_locale

from letterpress.web.calendar.periods import Span


def weekday_short(day: dt.date) -> str:
    return str(format_date(day, "EEE"))


def day_title(day: dt.date) -> str:
    """«понедельник, 3 марта 2025 г.»"""
    return str(format_date(day, "full"))


def day_heading(day: dt.date) -> str:
    """«пн, 3 марта»"""
    return str(format_date(day, "EEE, d MMMM"))


def day_short(day: dt.date) -> str:
    """«пн 3» (a column header)"""
    return str(format_date(day, "EEE d"))


def span_title(span: Span) -> str:
    if span.view == "day":
        return day_title(span.first)
    if span.view == "month":
        return str(format_date(span.first, "LLLL yyyy")).capitalize()
    return str(format_interval(span.first, span.last, "yMMMd", locale=get_locale() or "ru"))


def clock(value: dt.datetime) -> str:
    """A local time as «09:30» (the value is already in the company's time zone)."""
    return value.strftime("%H:%M")
