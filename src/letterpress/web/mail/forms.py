"""Forms of the mail section: a topic tag, and filing an unfiled letter (a new counterparty from
it, or its sender as a contact person of an existing one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from letterpress.crm.topics import MAX_TOPIC
from letterpress.web.labels import COUNTERPARTY_KIND


class TopicForm(FlaskForm):  # type: ignore[misc]
    topic = StringField(_l("Topic"), validators=[
        InputRequired(_l("Enter the topic.")), Length(max=MAX_TOPIC)])


class CounterpartyFromLetterForm(FlaskForm):  # type: ignore[misc]
    """A new counterparty for the letter's sender (prefix ``new-``)."""

    name = StringField(_l("Name"), validators=[
        InputRequired(_l("Enter the name.")), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, label)
                                             for k, label in COUNTERPARTY_KIND.items()])


class ContactFromLetterForm(FlaskForm):  # type: ignore[misc]
    """The letter's sender as a contact person of a chosen counterparty (prefix ``contact-``)."""

    counterparty = IntegerField(_l("Counterparty"), validators=[
        InputRequired(_l("Choose the counterparty."))])
    name = StringField(_l("Contact person's name"), validators=[Length(max=300)])
