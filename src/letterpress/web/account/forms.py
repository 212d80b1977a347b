"""The form that makes an app password (revoking is a bare POST with the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


def _strip(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


class AppPasswordForm(FlaskForm):  # type: ignore[misc]
    label = StringField(
        _l("Device or program"),
        validators=[DataRequired(_l("Name the device or program.")), Length(max=100)],
        filters=[_strip],
        render_kw={"placeholder": _l("e.g. Phone, Outlook at the office"), "autocomplete": "off",
                   "maxlength": "100"},
    )
