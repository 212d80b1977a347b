"""The list's filter form (GET, no CSRF token: it changes nothing) and the card's event forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from letterpress.crm.analytics.register import LOST, ONE_TIME, POTENTIAL, REGULAR
from letterpress.crm.model import EventKind, EventState
from letterpress.web.counterparties.queries import (
    ABC_CLASSES,
    NO_MANAGER,
    NOT_CLASSED,
    SORT_KEYS,
    FilterOptions,
    ListQuery,
)
from letterpress.web.i18n import lazy_gettext as _l
from letterpress.web.labels import COUNTERPARTY_KIND, EVENT_KIND, MANUAL_EVENT_KINDS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


# The relationship stages in the list, in the seed's short words (постоянный, потерянный...);
# the analytics dashboards say "Постоянный покупатель" where they have room.
STAGE_SHORT: Mapping[str, LazyString] = {
    POTENTIAL: _l("Potential"),
    ONE_TIME: _l("One-time"),
    REGULAR: _l("Regular"),
    LOST: _l("Lost"),
}

_SORT_LABELS = {
    "name": _l("Name"), "kind": _l("Kind"), "inn": _l("INN"), "city": _l("City"),
    "manager": _l("Responsible"), "abc": _l("ABC class"), "stage": _l("Stage"),
    "last_event": _l("Last contact"),
}


class FilterForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)],
                    render_kw={"placeholder": _l("Name, legal name, INN or e-mail")})
    kind = SelectField(_l("Kind"), default="")
    manager = SelectField(_l("Responsible"), default="")
    city = SelectField(_l("City"), default="")
    abc = SelectField(_l("ABC class"), default="", choices=[
        SelectChoice("", _l("All classes")),
        *(SelectChoice(c, c) for c in ABC_CLASSES),
        SelectChoice(NOT_CLASSED, _l("Not classed")),
    ])
    stage = SelectField(_l("Stage"), default="", choices=[
        SelectChoice("", _l("All stages")),
        *(SelectChoice(key, label) for key, label in STAGE_SHORT.items()),
    ])
    # Typed (or picked from the configured topic rules): listing the topics in use would list
    # those of letters the viewer may not read.
    topic = SearchField(_l("Letter topic"), validators=[Optional(), Length(max=100)],
                        render_kw={"list": "topic-options", "autocomplete": "off"})
    # The column headers sort on wide screens; on a phone, where the table has no header row,
    # these two do (and everywhere they carry the sort through a new filter).
    sort = SelectField(_l("Sort by"), default="name",
                       choices=[SelectChoice(key, _SORT_LABELS[key]) for key in SORT_KEYS])
    dir = SelectField(_l("Sort order"), default="asc", choices=[
        SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending")),
    ])

    def set_options(self, options: FilterOptions) -> None:
        self.kind.choices = [
            SelectChoice("", _l("All kinds")),
            *(SelectChoice(k, label) for k, label in COUNTERPARTY_KIND.items()),
        ]
        self.manager.choices = [
            SelectChoice("", _l("All managers")), SelectChoice(NO_MANAGER, _l("No manager")),
            *(SelectChoice(str(uid), name) for uid, name in options.managers),
        ]
        self.city.choices = [SelectChoice("", _l("All cities")),
                             *(SelectChoice(c) for c in options.cities)]

    def to_query(self, args: Mapping[str, str]) -> ListQuery:
        """The query the form asks for; values that fail validation (a city no longer in the
        list, a tampered link) are dropped quietly: a filter is a view, not a submission."""
        self.validate()

        def value(field: StringField | SelectField) -> str:
            if field.errors:
                field.errors = []
                field.data = ""
            return str(field.data or "")

        page = args.get("page", "")
        return ListQuery(
            q=value(self.q).strip(), kind=value(self.kind), manager=value(self.manager),
            city=value(self.city), abc=value(self.abc), stage=value(self.stage),
            topic=" ".join(value(self.topic).split()), sort=value(self.sort) or "name",
            descending=value(self.dir) == "desc",
            page=int(page) if page.isdigit() and len(page) < 9 else 1,
        )


class Named(Protocol):
    """A contact person as the event form offers it (an ORM one, or the card's)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


class EventForm(FlaskForm):  # type: ignore[misc]
    """Register a done event or plan one (prefix ``event-`` on the card)."""

    state = RadioField(
        _l("What"),
        choices=[SelectChoice(EventState.DONE.value, _l("Register a done event")),
                 SelectChoice(EventState.PLANNED.value, _l("Plan an event"))],
        default=EventState.DONE.value,
        validators=[AnyOf([EventState.DONE.value, EventState.PLANNED.value])],
    )
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k, EVENT_KIND[k]) for k in MANUAL_EVENT_KINDS],
        default=EventKind.OUTGOING_CALL.value,
    )
    start_at = DateTimeLocalField(
        _l("Start"), format=DATETIME_LOCAL,
        validators=[InputRequired(_l("Enter the date and time."))],
    )
    end_at = DateTimeLocalField(_l("End"), format=DATETIME_LOCAL, validators=[Optional()])
    contact_person = SelectField(_l("Contact person"), coerce=int, default=0)
    subject = StringField(
        _l("Subject"), validators=[InputRequired(_l("Enter the subject.")), Length(max=500)],
    )
    content = TextAreaField(_l("Content"), validators=[Length(max=100_000)])

    def validate_end_at(self, field: DateTimeLocalField) -> None:
        if field.data and self.start_at.data and field.data < self.start_at.data:
            raise ValidationError(_l("The end is before the start."))

    def set_contacts(self, contacts: Sequence[Named]) -> None:
        self.contact_person.choices = [
            SelectChoice(0, "—"), *(SelectChoice(c.id, c.name) for c in contacts)
        ]

    def local_times(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime | None]:
        """The entered times, read as wall-clock times of the company's time zone."""
        start = self.start_at.data.replace(tzinfo=tz)
        end = self.end_at.data.replace(tzinfo=tz) if self.end_at.data else None
        return start, end


class EventStateForm(FlaskForm):  # type: ignore[misc]
    """Close a planned event: done (with what came of it) or cancelled."""

    state = RadioField(choices=[SelectChoice(EventState.DONE.value, _l("Done")),
                                SelectChoice(EventState.CANCELLED.value, _l("Cancel"))],
                       validators=[InputRequired()])
    result = TextAreaField(_l("Result"), validators=[Length(max=100_000)])
