"""``/reminders/``: the panel (due, snoozed, done lately), snoozing, dismissing, settings."""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm import reminders
from letterpress.db.types import utcnow
from letterpress.errors import ValidationError
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.reminders import header, queries
from letterpress.web.reminders.forms import SettingsForm, SnoozeForm
from letterpress.web.reminders.snoozing import snooze_until
from letterpress.web.templating import datetime_filter

T = TypeVar("T", int, bool)
bp = Blueprint("reminders", __name__, url_prefix="/reminders")
bp.app_context_processor(header.context)


def _render_panel(form: SettingsForm | None = None, status: int = 200) -> tuple[str, int]:
    session = db()
    user = current_account()
    settings = web_context().settings
    now = utcnow()
    if form is None:
        current = queries.leads(session, user.id, settings.reminders)
        form = SettingsForm(formdata=None, data={
            "event_lead_minutes": current.event_lead_minutes,
            "task_lead_hours": current.task_lead_hours, "digest": current.digest,
        })
    tz = settings.company.tz
    return render_template(
        "reminders/panel.html", panel=queries.panel(session, user, now, tz), form=form,
        snooze_minutes=settings.reminders.snooze_minutes,
        morning=f"{settings.reminders.morning_hour}:00",
    ), status


@bp.get("/")
def panel() -> tuple[str, int]:
    return _render_panel()


@bp.post("/<int:reminder_id>/snooze")
def snooze(reminder_id: int) -> Response:
    form = SnoozeForm()
    if not form.validate_on_submit():
        abort(400)
    settings = web_context().settings
    now = utcnow()
    until = snooze_until(form.snooze.data, now, tz=settings.company.tz,
                         short_minutes=settings.reminders.snooze_minutes,
                         morning_hour=settings.reminders.morning_hour)
    session = db()
    # crm.reminders refuses another user's reminder (PermissionDenied -> 403) and an unknown
    # one (NotFound -> 404).
    reminders.snooze(session, settings, current_account(), reminder_id, now, until)
    session.commit()
    flash(_("Snoozed until %(time)s.", time=datetime_filter(until)),
          "success")
    return redirect(url_for(".panel"))


@bp.post("/<int:reminder_id>/dismiss")
def dismiss(reminder_id: int) -> Response:
    session = db()
    reminders.dismiss(session, current_account(), reminder_id)
    session.commit()
    flash(_("The reminder is done."), "success")
    return redirect(url_for(".panel"))


def _changed(value: T, applying: T, own: bool) -> T | None:
    """What to store: a setting that follows the company's default is left alone (None) unless
    it was changed, so that it keeps following the default."""
    return value if own or value != applying else None


@bp.post("/settings")
def save_settings() -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render_panel(form, 400)
    current = queries.leads(session, user.id, web_context().settings.reminders)
    try:
        reminders.set_user_settings(
            session, user.id,
            event_lead_minutes=_changed(form.event_lead_minutes.data, current.event_lead_minutes,
                                        current.own_event_lead),
            task_lead_hours=_changed(form.task_lead_hours.data, current.task_lead_hours,
                                     current.own_task_lead),
            digest=_changed(bool(form.digest.data), current.digest, current.own_digest),
        )
    except ValidationError as exc:
        session.rollback()
        form.form_errors.append(str(exc))
        return _render_panel(form, 400)
    session.commit()
    flash(_("The reminder settings are saved."), "success")
    return redirect(url_for(".panel", _anchor="settings"))
