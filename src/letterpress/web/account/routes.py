"""``/account/``: the page, and making and revoking one's own app passwords."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.apppasswords import TooManyAppPasswords
from letterpress.web.account import app_passwords, bp, dav_links, queries, reveal
from letterpress.web.account.forms import AppPasswordForm
from letterpress.web.auth.forms import LanguageForm
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db
from letterpress.web.i18n import select_locale

FORM_PREFIX = "ap"


def _page(form: AppPasswordForm | None = None, status: int = 200) -> tuple[str, int]:
    session = db()
    me = current_account()
    language_form = LanguageForm(formdata=None)
    language_form.language.data = select_locale()
    language_form.next.data = url_for(".index")
    passwords = app_passwords.active_rows(session, me, me)
    form = form or AppPasswordForm(formdata=None, prefix=FORM_PREFIX)
    app_passwords.note_if_full(passwords, form.form_errors)
    return render_template(
        "account/index.html",
        me=me,
        passwords=passwords,
        form=form,
        language_form=language_form,
        links=dav_links.links_for(me, queries.own_calendars(session, me)),
        revealed=reveal.take(me.id),
    ), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _page()


@bp.post("/app-passwords")
def create_app_password() -> Response | tuple[str, int]:
    form = AppPasswordForm(prefix=FORM_PREFIX)
    if not form.validate_on_submit():
        return _page(form, 400)
    session = db()
    me = current_account()
    try:
        row, secret = app_passwords.make(session, me, me, form.label.data,
                                         limit=app_passwords.limit())
    except TooManyAppPasswords as exc:
        session.rollback()
        form.form_errors.append(app_passwords.full_message(exc.limit))
        return _page(form, 400)
    session.commit()
    reveal.keep(me, row, secret)
    return redirect(url_for(".index", _anchor="new-app-password"))


@bp.post("/app-passwords/<int:password_id>/revoke")
def revoke_app_password(password_id: int) -> Response:
    session = db()
    me = current_account()
    app_passwords.revoke(session, me, me, password_id)
    session.commit()
    flash(_("The app password is revoked: devices using it are refused from now on."), "success")
    return redirect(url_for(".index", _anchor="app-passwords"))
