"""Periods and the ``[analytics]`` settings: parsing, defaults, and one message per mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from letterpress.config import load_settings
from letterpress.crm.analytics import parse_period
from letterpress.crm.analytics.periods import Period
from letterpress.crm.analytics.xyz import thresholds
from letterpress.errors import ConfigError, ValidationError


def test_periods() -> None:
    p = parse_period("2025-01..2025-12")
    assert (p.start, p.end, p.stop, p.months, p.label) == (
        dt.date(2025, 1, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), 12, "2025-01..2025-12")
    assert parse_period("2025") == p and parse_period(" 2024-02 ").months == 1
    assert parse_period("2024-11..2025-02").previous() == parse_period("2024-07..2024-10")
    assert Period.trailing(dt.date(2026, 1, 10), 12) == p
    for bad in ("2025-13", "2025-01..2024-12", "2025/01", "last year", "2025-1..2025-2"):
        with pytest.raises(ValidationError):
            parse_period(bad)


def test_defaults_and_presets(tmp_path: Path) -> None:
    settings = load_settings(environ={}, config_file=_write(tmp_path, ""))
    a = settings.analytics
    assert (a.abc_a_percent, a.abc_b_percent, a.stage_window_months, a.lost_after_months,
            a.attribution_days) == (80.0, 95.0, 12, 6, 90)
    assert thresholds(a) == (50.0, 100.0)
    quarterly = load_settings(environ={}, config_file=_write(
        tmp_path, "[analytics]\nxyz_bucket = 'quarter'\n")).analytics
    assert thresholds(quarterly) == (10.0, 25.0)
    weights = load_settings(environ={}, config_file=_write(
        tmp_path, "[analytics.completeness]\ninn = 3\nmanager = 0\n")).analytics.completeness
    assert (weights.inn, weights.manager, weights.phone) == (3.0, 0.0, 1.0)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("toml", "expected"), [
    ("abc_a_percent = 96.0\n", "key 'analytics.abc_b_percent'"),
    ("lost_after_months = 13\n", "key 'analytics.lost_after_months': expected at most"),
    ("abc_measure = 'margin'\n", "key 'analytics.abc_measure': expected one of"),
    ("xyz_x_percent = 120.0\n", "key 'analytics.xyz_y_percent'"),
    ("nightly_hour = 24\n", "key 'analytics.nightly_hour'"),
    ("period_months = 0\n", "key 'analytics.period_months'"),
    ("[analytics.contact_completeness]\nname = -1\n",
     "key 'analytics.contact_completeness.name'"),
    ("colour = 1\n", "unknown key 'analytics.colour'"),
])
def test_mistakes(tmp_path: Path, toml: str, expected: str) -> None:
    text = toml if toml.startswith("[") else "[analytics]\n" + toml
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(")):
        load_settings(_write(tmp_path, text), environ={})
