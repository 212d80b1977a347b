"""Interface languages: Russian (the default, ``web.default_language``) and English.

The language is the signed-in user's choice (``users.language``), else the one picked on this
browser before signing in (kept in the session), else the configured default. The browser's
Accept-Language is not consulted: the office works in Russian whatever the browser says.
Templates use English msgids; ``translations/ru/LC_MESSAGES/messages.po`` holds the Russian, and
its compiled ``messages.mo`` is committed (see ``babel.cfg`` for how to refresh both).

Flask-Babel looks the request's locale, domain and catalogue up again on every ``gettext``
(some 15 µs: its per-request state sits behind several context-local lookups), and a page asks
from 50 to a few hundred times (templates' ``_()``, labels, dates). :func:`translations` and
:func:`current_locale` remember the answer in that same per-request state, keyed by the locale
object it holds, so :func:`flask_babel.refresh` and :func:`flask_babel.force_locale` (which
replace or drop that locale) are still obeyed; templates' ``_``, ``gettext`` and ``ngettext``
call them directly, with Jinja's new-style semantics (autoescaped, always ``%``-formatted).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, session
from flask_babel import Babel, Domain, get_babel, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from letterpress.config import Settings

LANGUAGES: dict[str, str] = {"ru": "Русский", "en": "English"}
SESSION_KEY = "language"
# Flask-Babel's per-request namespace in ``g`` and the locale it caches there (flask-babel 4).
# Should a later version move them, the memo below is never found and every call takes
# Flask-Babel's own way: slower, never wrong.
_BABEL_STATE = "_flask_babel"
BABEL_LOCALE = "babel_locale"
_MEMO = "letterpress_translations"
T = TypeVar("T")


def select_locale() -> str:
    if current_user.is_authenticated:
        chosen = current_user.user.language
        if chosen in LANGUAGES:
            return str(chosen)
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def babel_state() -> Any:
    """Flask-Babel's per-request namespace (None before its first use or outside a request).
    Read through the proxy's object: ``g.get`` costs some 2 µs a call, and a card asks a few
    hundred times (every date, amount and ``_()``)."""
    try:
        return getattr(g._get_current_object(), _BABEL_STATE, None)
    except RuntimeError:  # outside an application context
        return None


def current_locale() -> Locale | None:
    """:func:`flask_babel.get_locale`, without its lookups once the request's locale is known."""
    state = babel_state()
    locale: Locale | None = getattr(state, BABEL_LOCALE, None) if state is not None else None
    if locale is None:
        locale = get_locale()
    return locale


class RequestDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's message domain, remembering the request's catalogue (see the module)."""

    def get_translations(self) -> NullTranslations:
        state = babel_state()
        if state is not None:
            memo = getattr(state, _MEMO, None)
            if (memo is not None and memo[0] is self
                    and memo[1] is getattr(state, BABEL_LOCALE, None)):
                found: NullTranslations = memo[2]
                return found
        found = super().get_translations()  # selects the locale if not yet done
        state = babel_state()
        if state is not None and getattr(state, BABEL_LOCALE, None) is not None:
            setattr(state, _MEMO, (self, getattr(state, BABEL_LOCALE), found))
        return found


def translations() -> NullTranslations:
    """The request's catalogue (a null one outside a request)."""
    state = babel_state()
    if state is not None:
        memo = getattr(state, _MEMO, None)
        if memo is not None and memo[1] is getattr(state, BABEL_LOCALE, None):
            domain = getattr(state, "babel_domain", None)
            if domain is None or domain is memo[0]:
                found: NullTranslations = memo[2]
                return found
    from flask_babel import get_translations

    return get_translations()  # type: ignore[no-any-return]


def gettext(string: str, **variables: Any) -> str:
    """:func:`flask_babel.gettext` through the request's remembered catalogue
    (:func:`translations`): some 1 µs rather than 9."""
    text: str = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """:func:`flask_babel.lazy_gettext` (the labels of forms and vocabularies) translated
    through :func:`gettext`."""
    return LazyString(gettext, string, **variables)


def per_language(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` (words a view translates on every request: a vocabulary's names, phrases)
    called once per interface language and process, as Flask-Babel keeps its catalogues.
    The result is shared by every request after: treat it as read-only."""
    found: dict[str, T] = {}

    def get() -> T:
        language = str(current_locale())
        if language not in found:
            found[language] = build()
        return found[language]

    return functools.update_wrapper(get, build)


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates: as Jinja's new-style gettext."""
    text: str = translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    # Without variables or a "%" (as "%%"), formatting gives the text back: skip it.
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int,
                      **variables: Any) -> str:
    """``ngettext()`` in templates: as Jinja's new-style ngettext (``num`` is a variable)."""
    variables.setdefault("num", num)
    text: str = translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app: Flask, settings: Settings) -> None:
    babel = Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: settings.company.timezone,
    )
    babel.domain_instance = RequestDomain(domain=get_babel(app).default_domain)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)
