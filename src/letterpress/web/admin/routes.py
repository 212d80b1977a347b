"""The administration pages; the blueprint lets administrators only in (see the package)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.apppasswords import TooManyAppPasswords
from letterpress.crm.handover import hand_over
from letterpress.crm.users import add_user, get_team, set_active, set_password, update_user
from letterpress.errors import NotFound, ValidationError
from letterpress.web.account import app_passwords, dav_links, reveal
from letterpress.web.account.forms import AppPasswordForm
from letterpress.web.admin import bp, queries
from letterpress.web.admin.forms import HandoverForm, NewUserForm, PasswordForm, TeamForm, UserForm
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


# --- users ------------------------------------------------------------------------------------


def _users_page(form: NewUserForm | None = None, status: int = 200) -> tuple[str, int]:
    session = db()
    if form is None:
        form = NewUserForm(formdata=None, prefix="new")
    form.set_options(queries.team_list(session), queries.active_users(session))
    return render_template("admin/users.html", users=queries.users(session), form=form), status


@bp.get("/users")
def users() -> tuple[str, int]:
    return _users_page()


@bp.post("/users")
def create_user() -> Response | tuple[str, int]:
    session = db()
    form = NewUserForm(prefix="new")
    form.set_options(queries.team_list(session), queries.active_users(session))
    if form.validate_on_submit():
        try:
            user = add_user(
                session, form.login.data, role=form.role.data, name=form.name.data.strip(),
                email=(form.email.data or "").strip() or None, team=form.team.data or None,
                supervisor=form.supervisor.data or None,
            )
            if form.password.data:
                set_password(user, form.password.data)
        except ValidationError as exc:
            session.rollback()
            if exc.field == "login":
                form.login.errors = [_("This login is taken.")]
            else:
                form.form_errors.append(str(exc))
        else:
            session.commit()
            flash(_("The user %(login)s is created.", login=user.login), "success")
            return redirect(url_for(".user", user_id=user.id))
    return _users_page(form, 400)


def _user_page(user_id: int, form: UserForm | None = None,
               password_form: PasswordForm | None = None, status: int = 200,
               app_password_form: AppPasswordForm | None = None) -> tuple[str, int]:
    session = db()
    user = queries.user(session, user_id)
    if form is None:
        form = UserForm(formdata=None, prefix="user")
        form.name.data, form.email.data, form.role.data = user.name, user.email, user.role
        form.team.data = user.team.name if user.team else ""
        form.supervisor.data = user.supervisor.login if user.supervisor else ""
    form.set_options(queries.team_list(session),
                     [u for u in queries.active_users(session) if u.id != user.id])
    rows = app_passwords.active_rows(session, current_account(), user)
    app_password_form = app_password_form or AppPasswordForm(formdata=None, prefix="ap")
    app_passwords.note_if_full(rows, app_password_form.form_errors)
    return render_template(
        "admin/user.html", user=user, form=form,
        password_form=password_form or PasswordForm(formdata=None, prefix="pw"),
        is_self=user.id == current_account().id,
        app_passwords=rows, app_password_form=app_password_form,
        new_app_password=reveal.take(user.id), dav_server=dav_links.server_url(),
    ), status


@bp.get("/users/<int:user_id>")
def user(user_id: int) -> tuple[str, int]:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>")
def update(user_id: int) -> Response | tuple[str, int]:
    session = db()
    user = queries.user(session, user_id)
    form = UserForm(prefix="user")
    form.set_options(queries.team_list(session),
                     [u for u in queries.active_users(session) if u.id != user.id])
    if form.validate_on_submit():
        try:
            update_user(session, current_account(), user, name=form.name.data or "",
                        email=form.email.data, role=form.role.data, team=form.team.data or None,
                        supervisor=form.supervisor.data or None)
        except ValidationError as exc:
            session.rollback()
            messages = {
                "role": _("You cannot take the administrator role from yourself."),
                "supervisor": _("This supervisor would make a circle: they report to this user."),
            }
            target = getattr(form, exc.field or "", None)
            if target is not None and exc.field in messages:
                target.errors = [messages[exc.field]]
            else:
                form.form_errors.append(str(exc))
        else:
            session.commit()
            flash(_("The changes are saved."), "success")
            return redirect(url_for(".user", user_id=user_id))
    return _user_page(user_id, form, status=400)


@bp.post("/users/<int:user_id>/password")
def password(user_id: int) -> Response | tuple[str, int]:
    session = db()
    user = queries.user(session, user_id)
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        set_password(user, form.password.data)
        session.commit()
        flash(_("The password is set; the user's other sessions have ended."), "success")
        return redirect(url_for(".user", user_id=user_id))
    return _user_page(user_id, password_form=form, status=400)


@bp.post("/users/<int:user_id>/active")
def activation(user_id: int) -> Response:
    session = db()
    user = queries.user(session, user_id)
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400)
    try:
        set_active(session, current_account(), user, value == "1")
    except ValidationError:
        session.rollback()
        flash(_("You cannot deactivate yourself."), "error")
    else:
        session.commit()
        flash(_("The user is active again.") if value == "1" else
              _("The user is deactivated; their sessions have ended."), "success")
    return redirect(url_for(".user", user_id=user_id))


# --- app passwords (DAV) ----------------------------------------------------------------------


@bp.post("/users/<int:user_id>/app-passwords")
def create_app_password(user_id: int) -> Response | tuple[str, int]:
    """Make an app password for the user; it is shown once, on the page the redirect leads to."""
    session = db()
    user = queries.user(session, user_id)
    form = AppPasswordForm(prefix="ap")
    if not form.validate_on_submit():
        return _user_page(user_id, app_password_form=form, status=400)
    try:
        row, secret = app_passwords.make(session, current_account(), user, form.label.data,
                                         limit=app_passwords.limit())
    except TooManyAppPasswords as exc:
        session.rollback()
        form.form_errors.append(app_passwords.full_message(exc.limit))
        return _user_page(user_id, app_password_form=form, status=400)
    session.commit()
    reveal.keep(user, row, secret)
    return redirect(url_for(".user", user_id=user_id, _anchor="new-app-password"))


@bp.post("/users/<int:user_id>/app-passwords/<int:password_id>/revoke")
def revoke_app_password(user_id: int, password_id: int) -> Response:
    session = db()
    user = queries.user(session, user_id)
    app_passwords.revoke(session, current_account(), user, password_id)
    session.commit()
    flash(_("The app password is revoked: devices using it are refused from now on."), "success")
    return redirect(url_for(".user", user_id=user_id, _anchor="app-passwords"))


# --- teams ------------------------------------------------------------------------------------


@bp.get("/teams")
def teams() -> tuple[str, int]:
    return _teams_page()


def _teams_page(form: TeamForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("admin/teams.html", teams=queries.teams(db()),
                           form=form or TeamForm(formdata=None, prefix="team")), status


@bp.post("/teams")
def create_team() -> Response | tuple[str, int]:
    session = db()
    form = TeamForm(prefix="team")
    if form.validate_on_submit():
        name = " ".join(form.name.data.split())
        try:
            get_team(session, name)
        except NotFound:
            get_team(session, name, create=True)
            session.commit()
            flash(_("The team %(name)s is created.", name=name), "success")
            return redirect(url_for(".teams"))
        form.name.errors = [_("There is such a team already.")]
    return _teams_page(form, 400)


# --- hand-over --------------------------------------------------------------------------------


def _handover_page(form: HandoverForm | None = None, status: int = 200) -> tuple[str, int]:
    if form is None:
        form = HandoverForm(formdata=None, prefix="ho")
        form.leaver.data = request.args.get("leaver", "")
    form.set_options(queries.users(db()))
    return render_template("admin/handover.html", form=form), status


@bp.get("/handover")
def handover() -> tuple[str, int]:
    return _handover_page()


@bp.post("/handover")
def do_handover() -> Response | tuple[str, int]:
    session = db()
    form = HandoverForm(prefix="ho")
    form.set_options(queries.users(session))
    if form.validate_on_submit():
        try:
            result = hand_over(session, current_account(), form.leaver.data,
                               form.successor.data, deactivate=bool(form.deactivate.data))
        except ValidationError as exc:
            session.rollback()
            form.form_errors.append(_("The hand-over failed: %(reason)s", reason=str(exc)))
        else:
            session.commit()
            flash(_("Handed over from %(leaver)s to %(successor)s: %(counterparties)d "
                    "counterparties, %(tasks)d tasks, %(events)d planned events, %(mailboxes)d "
                    "mailboxes.", leaver=form.leaver.data, successor=form.successor.data,
                    counterparties=result.counterparties, tasks=result.tasks,
                    events=result.events, mailboxes=result.mailboxes), "success")
            return redirect(url_for(".handover"))
    return _handover_page(form, 400)


# --- mailboxes --------------------------------------------------------------------------------


@bp.get("/mailboxes")
def mailboxes() -> str:
    settings = web_context().settings
    return render_template("admin/mailboxes.html",
                           mailboxes=queries.mailboxes(db(), settings))
