"""Interface languages: Russian (the default, ``web.default_language``) and English.

The language is the signed-in user's choice (``users.language``), else the one picked on this
browser before signing in (kept in the session), else the configured default. The browser's
Accept-Language is not consulted: the office works in Russian whatever the browser says.
Templates use English msgids; ``translations/ru/LC_MESSAGES/messages.po`` holds the Russian, and
its compiled ``messages.mo`` is committed (see ``babel.cfg`` for how to refresh both).
"""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_babel import Babel
from flask_login import current_user

from letterpress.config import Settings

LANGUAGES: dict[str, str] = {"ru": "Русский", "en": "English"}
SESSION_KEY = "language"


def select_locale() -> str:
    if current_user.is_authenticated:
        chosen = current_user.user.language
        if chosen in LANGUAGES:
            return str(chosen)
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask, settings: Settings) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: settings.company.timezone,
    )
