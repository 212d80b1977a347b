"""Languages: Russian by default, English on request, per session and per user; the catalogue."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from letterpress.config import Settings
from letterpress.crm.model import User
from letterpress.testing.web import csrf_token, login_as, sign_in
from letterpress.web.app import create_app
from tests.web.conftest import People

WEB = Path(__file__).parents[2] / "src" / "letterpress" / "web"
RU = WEB / "translations" / "ru" / "LC_MESSAGES"


def test_russian_is_the_default(client: FlaskClient, people: People) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Вход" in page and "Логин" in page and "Пароль" in page
    login_as(client, people.manager)
    page = client.get("/counterparties/").get_data(as_text=True)
    for term in ("Контрагенты", "Календарь", "Почта", "Поиск", "Аналитика"):
        assert term in page
    assert "Администрирование" not in page  # the manager is no administrator


def test_switching_to_english_before_signing_in_sticks_to_the_session_and_user(
    client: FlaskClient, people: People, session: Session
) -> None:
    token = csrf_token(client)
    response = client.post("/language", data={"language": "en", "next": "/login",
                                              "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "Вход" not in page
    sign_in(client, "manager1")
    assert "Counterparties" in client.get("/counterparties/").get_data(as_text=True)
    session.expire_all()
    assert session.get(User, people.manager.id).language == "en"  # type: ignore[union-attr]


def test_a_signed_in_user_keeps_the_choice_in_every_session(
    app: Flask, people: People, session: Session
) -> None:
    first, second = app.test_client(), app.test_client()
    login_as(first, people.manager)
    token = csrf_token(first, "/counterparties/")
    first.post("/language", data={"language": "en", "next": "/counterparties/",
                                  "csrf_token": token})
    session.expire_all()
    assert session.get(User, people.manager.id).language == "en"  # type: ignore[union-attr]
    login_as(second, people.manager)
    assert "Counterparties" in second.get("/counterparties/").get_data(as_text=True)
    # Back to Russian.
    token = csrf_token(second, "/counterparties/")
    second.post("/language", data={"language": "ru", "csrf_token": token})
    assert "Контрагенты" in first.get("/counterparties/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client: FlaskClient, people: People) -> None:
    token = csrf_token(client)
    response = client.post("/language", data={"language": "de", "csrf_token": token})
    assert response.status_code == 400


def test_the_configured_default_language_applies(
    web_settings: Settings, engine: Engine, people: People
) -> None:
    settings = dataclasses.replace(
        web_settings, web=dataclasses.replace(web_settings.web, default_language="en")
    )
    client = create_app(settings, engine=engine).test_client()
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_every_message_is_translated_and_the_mo_is_compiled() -> None:
    with (RU / "messages.po").open("rb") as f:
        po = read_po(f)
    with (RU / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(WEB), method_map, keywords={
            "_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
        })
    }
    assert found, "no messages extracted"
    missing = sorted(m for m in found if m not in po or not po[m].string)
    assert not missing, f"untranslated in messages.po: {missing}"

    def text(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    stale = sorted(text(m.id)[0] for m in po
                   if m.id and (m.id not in mo or text(mo[m.id].string) != text(m.string)))
    assert not stale, f"messages.mo is older than messages.po; run pybabel compile: {stale}"


# --- the request's catalogue, remembered --------------------------------------------------------


def _render(app: Flask, source: str, **values: object) -> str:
    return app.jinja_env.from_string(source).render(**values)


def test_templates_translate_as_jinja_new_style_gettext_would(app: Flask) -> None:
    with app.test_request_context("/"):
        assert _render(app, "{{ _('Calendar') }}|{{ gettext('Calendar') }}") == (
            "Календарь|Календарь")
        # Variables are escaped in an autoescaped template, the catalogue's text is not.
        assert _render(app, "{% autoescape true %}{{ _('Calendar of %(name)s', name=who) }}"
                       "{% endautoescape %}", who="<b>") == "Календарь: &lt;b&gt;"
        assert _render(app, "{% autoescape false %}{{ _('Calendar of %(name)s', name=who) }}"
                       "{% endautoescape %}", who="<b>") == "Календарь: <b>"
        # Always a format string, as Jinja's: "%%" is a percent sign with or without variables.
        assert _render(app, "{{ _('100%% sure') }}") == "100% sure"
        assert _render(app, "{% autoescape false %}{{ _('100%% sure') }}{% endautoescape %}") == (
            "100% sure")
        assert _render(app, "{{ ngettext('%(num)d due', '%(num)d due', 3) }}") == "3 напоминания"
        assert _render(app, "{{ _('%(num)s B', num=5) }}") == "5 Б"


def test_the_remembered_catalogue_follows_a_forced_or_refreshed_locale(app: Flask) -> None:
    from flask_babel import force_locale, gettext, refresh

    from letterpress.web.i18n import current_locale, translations

    source = "{{ _('Calendar') }}"
    with app.test_request_context("/"):
        assert _render(app, source) == "Календарь" and gettext("Calendar") == "Календарь"
        assert str(current_locale()) == "ru"
        with force_locale("en"):
            assert _render(app, source) == "Calendar" and gettext("Calendar") == "Calendar"
            assert str(current_locale()) == "en"
        assert _render(app, source) == "Календарь" and gettext("Calendar") == "Календарь"
        refresh()
        assert translations().ugettext("Calendar") == "Календарь"
