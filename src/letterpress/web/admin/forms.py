"""Forms of the administration section: users, teams, hand-over."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from letterpress.crm.model import Team, User
from letterpress.crm.users import LOGIN_RE
from letterpress.web.labels import ROLE

_NOBODY = ""


def _people(users: Sequence[User]) -> list[SelectChoice]:
    return [SelectChoice(u.login, f"{u.display_name} ({u.login})") for u in users]


class UserForm(FlaskForm):  # type: ignore[misc]
    """What an administrator sets on a user (the edit form; creating adds login and password)."""

    name = StringField(_l("Full name"), validators=[Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[
        Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address.")),
        Length(max=320)])
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE.items()])
    team = SelectField(_l("Team"), default=_NOBODY)
    supervisor = SelectField(_l("Supervisor"), default=_NOBODY)

    def set_options(self, teams: Sequence[Team], users: Sequence[User]) -> None:
        self.team.choices = [SelectChoice(_NOBODY, _l("No team")),
                             *(SelectChoice(t.name) for t in teams)]
        self.supervisor.choices = [SelectChoice(_NOBODY, _l("No supervisor")), *_people(users)]


class NewUserForm(UserForm):
    login = StringField(_l("Login"), validators=[
        InputRequired(_l("Enter the login.")),
        Regexp(LOGIN_RE, message=_l("Use lower-case Latin letters, digits, '.', '_' or '-'.")),
    ])
    password = PasswordField(_l("Password"), validators=[
        Optional(), Length(min=4, max=200, message=_l("At least 4 characters."))])


class PasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(_l("New password"), validators=[
        InputRequired(_l("Enter the password.")),
        Length(min=4, max=200, message=_l("At least 4 characters."))])


class TeamForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Team name"), validators=[
        InputRequired(_l("Enter the name.")), Length(max=100)])


class HandoverForm(FlaskForm):  # type: ignore[misc]
    leaver = SelectField(_l("Who leaves"), validators=[InputRequired()])
    successor = SelectField(_l("Successor"), validators=[InputRequired()])
    deactivate = BooleanField(_l("Deactivate the leaving user"), default=True)

    def set_options(self, users: Sequence[User]) -> None:
        self.leaver.choices = [SelectChoice(_NOBODY, "—"), *_people(users)]
        self.successor.choices = [SelectChoice(_NOBODY, "—"),
                                  *_people([u for u in users if u.active])]

    def validate(self, extra_validators: object = None) -> bool:
        ok: bool = super().validate(extra_validators)
        if ok and self.leaver.data == self.successor.data:
            self.successor.errors = [*self.successor.errors,
                                     _l("The successor must be someone else.")]
            return False
        if ok and not self.leaver.data:
            self.leaver.errors = [_l("Choose who leaves.")]
            return False
        if ok and not self.successor.data:
            self.successor.errors = [_l("Choose the successor.")]
            return False
        return ok
