"""The calendar's POSTs: plan an event, move one, close one, close a task. Each goes through the
CRM's services (:mod:`letterpress.crm.events`, :mod:`letterpress.crm.tasks`), which ask the
permission function; success redirects to the page showing the result (POST-redirect-GET), a
form that does not validate comes back with its errors and status 400.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from letterpress.crm.events import move_event, register_event, set_state
from letterpress.crm.model import Counterparty, Event, EventState, Task
from letterpress.crm.permissions import can_add_event, can_edit_event, can_edit_task
from letterpress.crm.tasks import complete_task
from letterpress.errors import ValidationError
from letterpress.web.auth.identity import current_account
from letterpress.web.calendar import bp, queries
from letterpress.web.calendar.forms import (
    CloseEventForm,
    CompleteTaskForm,
    MoveEventForm,
    NewEventForm,
)
from letterpress.web.calendar.routes import (
    NEW_EVENT_PREFIX,
    Failed,
    calendar_url,
    local_now,
    render_new_event,
    render_view,
)
from letterpress.web.context import db, web_context

# Where a domain ValidationError's field shows on the new-event form.
_FIELDS = {"start_at": "start_at", "end_at": "duration", "kind": "kind", "subject": "subject"}
CHECK_VALUE = _l("Check this value.")


def _counterparty_id(form: NewEventForm) -> int | None:
    """The counterparty the form names, or None; a name that fits none or several is an error
    on the field."""
    text = (form.counterparty.data or "").strip()
    if not text:
        return None
    session = db()
    viewer = current_account()
    found = queries.find_counterparty(session, viewer, text)
    if len(found) == 1:
        counterparty = session.get(Counterparty, found[0])
        if counterparty is not None and can_add_event(viewer, counterparty):
            return counterparty.id
    if found:
        message = _("Several counterparties match “%(text)s”: type the full name or the INN.",
                    text=text)
    else:
        message = _("No counterparty matches “%(text)s”.", text=text)
    form.counterparty.errors = [*form.counterparty.errors, message]
    return None


@bp.post("/events")
def create_event() -> Response | tuple[str, int]:
    """Plan an event on the viewer's own calendar."""
    session = db()
    viewer = current_account()
    tz = web_context().settings.company.tz
    form = NewEventForm(prefix=NEW_EVENT_PREFIX)
    if form.validate_on_submit():
        counterparty_id = _counterparty_id(form)
        if not form.counterparty.errors:
            start_at, end_at = form.local_times(tz)
            try:
                event = register_event(
                    session, author=viewer, kind=form.kind.data, state=EventState.PLANNED,
                    start_at=start_at, end_at=end_at, counterparty_id=counterparty_id,
                    responsible_id=viewer.id, subject=form.subject.data,
                    content=form.description.data or "",
                )
            except ValidationError as exc:
                session.rollback()
                target = getattr(form, _FIELDS.get(exc.field or "", ""), None)
                if target is not None:
                    target.errors = [*target.errors, str(CHECK_VALUE)]
                else:
                    form.form_errors.append(str(CHECK_VALUE))
            else:
                session.commit()
                flash(_("The event is planned."), "success")
                return redirect(calendar_url(form.back_view(), start_at.date(),
                                             anchor=f"event-{event.id}"))
    return render_new_event(form, 400)


def _planned_event(event_id: int) -> Event:
    """The event, if the viewer may change it and it is still planned (404, 403, 409)."""
    session = db()
    event = session.get(Event, event_id)
    if event is None:
        abort(404)
    if not can_edit_event(session, current_account(), event):
        abort(403)
    if event.state != EventState.PLANNED.value:
        abort(409)  # closed meanwhile, or a second click
    return event


def _local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(web_context().settings.company.tz).date()


@bp.post("/events/<int:event_id>/move")
def move(event_id: int) -> Response | tuple[str, int]:
    """A new start for a planned event; it keeps its length."""
    session = db()
    viewer = current_account()
    event = _planned_event(event_id)
    owner_id = event.responsible_id
    form = MoveEventForm()
    if form.validate_on_submit():
        start_at = form.local_start(web_context().settings.company.tz)
        end_at = start_at + (event.end_at - event.start_at) if event.end_at else None
        move_event(session, viewer, event_id, start_at, end_at)
        session.commit()
        flash(_("The event is moved."), "success")
        return redirect(calendar_url("day", start_at.date(), owner_id, f"event-{event_id}"))
    owner = queries.calendar_owner(session, viewer, owner_id)
    return render_view("day", anchor=_local_day(event.start_at), owner=owner,
                       failed=Failed(f"event-{event_id}", "move", form), status=400)


@bp.post("/events/<int:event_id>/close")
def close(event_id: int) -> Response:
    """A planned event is done (its result appended to its content) or cancelled."""
    session = db()
    viewer = current_account()
    event = _planned_event(event_id)
    form = CloseEventForm()
    if not form.validate_on_submit():
        abort(400)
    result = (form.result.data or "").strip()
    content = f"{event.content.rstrip()}\n\n{result}".strip() if result else None
    set_state(session, viewer, event_id, form.state.data, content=content)
    session.commit()
    done = form.state.data == EventState.DONE.value
    flash(_("The event is done.") if done else _("The event is cancelled."), "success")
    return redirect(calendar_url("day", _local_day(event.start_at), event.responsible_id,
                                 f"event-{event_id}"))


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> Response:
    """An open task is done, with its result; the service asks the permission function."""
    session = db()
    viewer = current_account()
    task = session.get(Task, task_id)
    if task is None:
        abort(404)
    if not can_edit_task(session, viewer, task):
        abort(403)
    if task.state not in queries.OPEN_TASK_STATES:
        abort(409)
    form = CompleteTaskForm()
    if not form.validate_on_submit():
        abort(400)
    complete_task(session, viewer, task_id, (form.result.data or "").strip())
    session.commit()
    flash(_("The task is done."), "success")
    day = _local_day(task.due_at) if task.due_at else local_now()[1]
    return redirect(calendar_url("day", day, task.assignee_id, f"task-{task_id}"))
