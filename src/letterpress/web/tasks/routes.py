"""``/tasks/``: the lists (assigned to me, set by me, the team), setting a task, one task and
completing it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.model import Counterparty, User
from letterpress.crm.tasks import complete_task, set_task
from letterpress.db.types import utcnow
from letterpress.errors import ValidationError
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.tasks import labels, queries
from letterpress.web.tasks.forms import CompleteForm, TaskForm, parse_query

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.context_processor
def _vocabularies() -> dict[str, object]:
    return {"task_state": labels.TASK_STATE, "tab_labels": labels.TABS,
            "filter_labels": labels.FILTERS}


@bp.get("/")
def index() -> str:
    session = db()
    user = current_account()
    now = utcnow()
    tabs = queries.available_tabs(session, user)
    query = parse_query(request.args, tabs)
    page = queries.list_tasks(session, user, query, now, web_context().settings.web.page_size)
    return render_template(
        "tasks/list.html", query=query, page=page,
        counts=queries.tab_counts(session, user, query.tab, now, tabs),
        can_set=bool(queries.assignable_users(session, user)),
    )


# --- setting a task ---------------------------------------------------------------------------


def _refused() -> tuple[str, int]:
    return render_template("tasks/refused.html"), 403


def _render_new(form: TaskForm, status: int = 200) -> tuple[str, int]:
    return render_template("tasks/new.html", form=form), status


@bp.get("/new")
def new() -> tuple[str, int]:
    session = db()
    user = current_account()
    assignees = queries.assignable_users(session, user)
    if not assignees:
        return _refused()
    form = TaskForm(formdata=None)
    form.set_assignees(assignees)
    tz = web_context().settings.company.tz
    tomorrow = dt.datetime.now(tz).date() + dt.timedelta(days=1)
    form.due_at.data = dt.datetime.combine(tomorrow, dt.time(18, 0))
    assignee = request.args.get("assignee", "")
    if assignee.isdigit() and int(assignee) in {u.id for u in assignees}:
        form.assignee.data = int(assignee)
    counterparty_arg = request.args.get("counterparty", "")
    if counterparty_arg.isdigit() and len(counterparty_arg) < 12:
        counterparty = queries.visible_counterparty(session, user, int(counterparty_arg))
        if counterparty is not None:
            form.counterparty.data = counterparty.name
            form.counterparty_id.data = str(counterparty.id)
    return _render_new(form)


def _chosen_counterparty(form: TaskForm, user: User) -> Counterparty | None | bool:
    """The counterparty the form names, None for none, False when the text fits no single one
    (the field then carries the error)."""
    session = db()
    text = (form.counterparty.data or "").strip()
    if not text:
        return None
    hidden = form.counterparty_id.data or ""
    if hidden.isdigit() and len(hidden) < 12:
        prefilled = queries.visible_counterparty(session, user, int(hidden))
        if prefilled is not None and prefilled.name == text:
            return prefilled
    match = queries.find_counterparty(session, user, text)
    if match.found is not None:
        return match.found
    if match.candidates:
        shown = ", ".join(match.candidates[:queries.MATCHES_SHOWN])
        more = "…" if len(match.candidates) > queries.MATCHES_SHOWN else ""
        form.counterparty.errors = [
            _("Several counterparties match: %(names)s%(more)s. Type more of the name or the INN.",
              names=shown, more=more)]
    else:
        form.counterparty.errors = [_("No counterparty matches this.")]
    return False


@bp.post("/new")
def create() -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    assignees = queries.assignable_users(session, user)
    if not assignees:
        return _refused()
    form = TaskForm()
    form.set_assignees(assignees)
    if not form.validate_on_submit():
        return _render_new(form, 400)
    if form.assignee.data not in {u.id for u in assignees}:  # a tampered form
        form.assignee.errors = [_("You can set tasks only to your subordinates.")]
        return _render_new(form, 400)
    counterparty = _chosen_counterparty(form, user)
    if counterparty is False:
        return _render_new(form, 400)
    tz = web_context().settings.company.tz
    try:
        task = set_task(
            session, curator=user, assignee_id=form.assignee.data,
            subject=form.subject.data, due_at=form.local_due(tz),
            description=(form.description.data or "").strip(),
            counterparty_id=counterparty.id if isinstance(counterparty, Counterparty) else None,
        )
    except ValidationError as exc:
        session.rollback()
        form.form_errors.append(str(exc))
        return _render_new(form, 400)
    session.commit()
    flash(_("The task is set."), "success")
    return redirect(url_for(".detail", task_id=task.id))


# --- one task ---------------------------------------------------------------------------------


def _render_detail(task_id: int, form: CompleteForm | None = None,
                   status: int = 200) -> tuple[str, int]:
    view = queries.load_task(db(), current_account(), task_id, utcnow())
    if view is None:
        abort(404)
    return render_template("tasks/detail.html", view=view, task=view.row.task,
                           form=form or CompleteForm(formdata=None)), status


@bp.get("/<int:task_id>")
def detail(task_id: int) -> tuple[str, int]:
    return _render_detail(task_id)


@bp.post("/<int:task_id>/complete")
def complete(task_id: int) -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    view = queries.load_task(session, user, task_id, utcnow())
    if view is None:
        abort(404)  # not there, or not the viewer's to see: the same answer
    form = CompleteForm()
    if not form.validate_on_submit():
        return _render_detail(task_id, form, 400)
    if view.row.task.state not in queries.OPEN_STATES:
        abort(409)  # completed meanwhile, or a second click
    if not view.can_complete:
        abort(403)
    complete_task(session, user, task_id, form.result.data.strip())
    session.commit()
    flash(_("The task is done."), "success")
    return redirect(url_for(".detail", task_id=task_id))
