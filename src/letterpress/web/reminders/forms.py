"""The panel's forms: snoozing a reminder and a user's own reminder settings.

Dismissing needs no fields: the CSRF token alone (checked for every POST by ``CSRFProtect``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from letterpress.web.reminders.snoozing import CHOICES

WEEK_MINUTES = 7 * 24 * 60
MONTH_HOURS = 31 * 24
RANGE = _l("From %(min)d to %(max)d.")  # wtforms fills in the bounds


class SnoozeForm(FlaskForm):  # type: ignore[misc]
    snooze = SelectField(choices=list(CHOICES), validators=[InputRequired()])


class SettingsForm(FlaskForm):  # type: ignore[misc]
    """Lead times of one's own reminders (set_user_settings); prefilled with what applies."""

    event_lead_minutes = IntegerField(
        _l("Remind of meetings and calls, minutes before"),
        validators=[InputRequired(_l("Enter a number of minutes.")),
                    NumberRange(0, WEEK_MINUTES, RANGE)],
        render_kw={"min": 0, "max": WEEK_MINUTES, "inputmode": "numeric"},
    )
    task_lead_hours = IntegerField(
        _l("Remind of task deadlines, hours before"),
        validators=[InputRequired(_l("Enter a number of hours.")),
                    NumberRange(0, MONTH_HOURS, RANGE)],
        render_kw={"min": 0, "max": MONTH_HOURS, "inputmode": "numeric"},
    )
    digest = BooleanField(_l("Send me the morning digest by e-mail"))
