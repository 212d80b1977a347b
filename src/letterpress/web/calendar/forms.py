"""The calendar's forms: plan an event, move one, close one (done or cancelled), close a task.

Times are entered as wall-clock times of the company's time zone (``datetime-local``) and turned
into aware datetimes here; the services store them in UTC. Every form carries the CSRF token.
``view`` says which page to go back to after a successful POST (day, week or month).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import EventKind, EventState
from letterpress.web.calendar.periods import VIEWS
from letterpress.web.labels import EVENT_KIND

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
MAX_DURATION = 24 * 60


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class _BackTo(FlaskForm):  # type: ignore[misc]
    view = HiddenField(default="week")

    def back_view(self) -> str:
        return self.view.data if self.view.data in VIEWS else "week"


class NewEventForm(_BackTo):
    """Plan an event on one's own calendar (prefix ``new-``)."""

    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k, EVENT_KIND[k]) for k in CALENDAR_EVENT_KINDS],
        default=EventKind.MEETING.value,
    )
    subject = StringField(
        _l("Subject"), filters=[_strip],
        validators=[DataRequired(_l("Enter the subject.")), Length(max=500)],
        render_kw={"required": True},
    )
    start_at = DateTimeLocalField(
        _l("Start"), format=DATETIME_LOCAL,
        validators=[InputRequired(_l("Enter the date and time."))],
    )
    duration = IntegerField(
        _l("Duration, minutes"), default=60,
        validators=[InputRequired(_l("Enter the duration in minutes.")),
                    NumberRange(0, MAX_DURATION,
                                _l("Enter a duration from 0 to 1440 minutes."))],
        render_kw={"min": 0, "max": MAX_DURATION, "step": 5, "inputmode": "numeric"},
    )
    counterparty = StringField(
        _l("Counterparty"), validators=[Optional(), Length(max=300)],
        render_kw={"list": "counterparty-names", "autocomplete": "off",
                   "placeholder": _l("Name or INN; may be left empty")},
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=100_000)])

    def local_times(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        start = self.start_at.data.replace(tzinfo=tz)
        return start, start + dt.timedelta(minutes=self.duration.data or 0)


class MoveEventForm(_BackTo):
    """A planned event's new start; its length stays."""

    start_at = DateTimeLocalField(
        _l("New start"), format=DATETIME_LOCAL,
        validators=[InputRequired(_l("Enter the date and time."))],
    )

    def local_start(self, tz: ZoneInfo) -> dt.datetime:
        value: dt.datetime = self.start_at.data
        return value.replace(tzinfo=tz)


class CloseEventForm(_BackTo):
    """A planned event is done (with what came of it) or cancelled."""

    state = HiddenField(default=EventState.DONE.value, validators=[
        AnyOf([EventState.DONE.value, EventState.CANCELLED.value])])
    result = TextAreaField(_l("Result"), validators=[Length(max=100_000)])


class CompleteTaskForm(_BackTo):
    result = TextAreaField(_l("Result"), validators=[Length(max=100_000)])
