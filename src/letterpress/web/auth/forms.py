"""Forms of signing in and of the language switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from letterpress.web.i18n import LANGUAGES


class LoginForm(FlaskForm):  # type: ignore[misc]
    login = StringField(
        _l("Login"),
        validators=[InputRequired(_l("Enter your login.")), Length(max=64)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):  # type: ignore[misc]
    language = RadioField(choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                          validators=[AnyOf(list(LANGUAGES))])
    next = HiddenField()
