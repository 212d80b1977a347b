"""The task forms: setting a task (curator) and completing one with its result (assignee)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from letterpress.crm.model import User
from letterpress.web.tasks.queries import FILTERS, TABS, TaskQuery

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def parse_query(args: Mapping[str, str], tabs: Sequence[str]) -> TaskQuery:
    """The list's tab, filter and page from the address; unknown values fall back quietly."""
    tab = args.get("tab", "")
    show = args.get("show", "")
    page = args.get("page", "")
    return TaskQuery(
        tab=tab if tab in TABS and tab in tabs else "mine",
        show=show if show in FILTERS else "open",
        page=int(page) if page.isdigit() and len(page) < 9 else 1,
    )


class TaskForm(FlaskForm):  # type: ignore[misc]
    """A curator sets a task: to whom, what, by when, and about which counterparty."""

    assignee = SelectField(_l("Assignee"), coerce=int,
                           validators=[DataRequired(_l("Choose the assignee."))])
    subject = StringField(
        _l("Task"), filters=[_strip],
        validators=[DataRequired(_l("Enter the task.")), Length(max=500)],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=100_000)])
    due_at = DateTimeLocalField(
        _l("Deadline"), format=DATETIME_LOCAL,
        validators=[InputRequired(_l("Enter the date and time."))],
    )
    counterparty = StringField(
        _l("Counterparty"), validators=[Optional(), Length(max=300)],
        render_kw={"placeholder": _l("Name or INN; may stay empty")},
    )
    counterparty_id = HiddenField()

    def set_assignees(self, users: Sequence[User]) -> None:
        self.assignee.choices = [SelectChoice(0, "—"),
                                 *(SelectChoice(u.id, u.display_name) for u in users)]

    def local_due(self, tz: ZoneInfo) -> dt.datetime:
        """The entered deadline, read as a wall-clock time of the company's time zone."""
        value: dt.datetime = self.due_at.data
        return value.replace(tzinfo=tz)


class CompleteForm(FlaskForm):  # type: ignore[misc]
    """The assignee (or whoever may change the task) closes it with what came of it."""

    result = TextAreaField(
        _l("Result"), filters=[_strip],
        validators=[DataRequired(_l("Describe the result.")), Length(max=100_000)],
    )
