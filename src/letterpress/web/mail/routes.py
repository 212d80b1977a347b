"""The mail section's lists: mailboxes, a mailbox's letters, unfiled, ambiguous, unparsed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.permissions import can_administer
from letterpress.crm.refiling import resolve_ambiguity
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db
from letterpress.web.mail import bp, queries
from letterpress.web.mail.common import page_number, page_size, policy


@bp.get("/")
def index() -> str:
    session = db()
    user = current_account()
    return render_template(
        "mail/index.html",
        mailboxes=queries.readable_mailboxes(session, user, policy()),
        unfiled=queries.unfiled_count(session, user, policy()),
        ambiguous=queries.ambiguous_count(session, user, policy()),
        is_admin=can_administer(user),
    )


@bp.get("/boxes/<int:mailbox_id>")
def mailbox(mailbox_id: int) -> str:
    session = db()
    user = current_account()
    box = queries.readable_mailbox(session, user, mailbox_id, policy())
    folder_arg = request.args.get("folder", "")
    folder_id = int(folder_arg) if folder_arg.isdigit() else None
    if folder_id is not None and folder_id not in {f.id for f in box.folders}:
        folder_id = None
    page = queries.mailbox_letters(session, user, box, policy(), page_number(), page_size(),
                                   folder_id)
    return render_template("mail/mailbox.html", box=box, page=page, folder_id=folder_id)


@bp.get("/unfiled")
def unfiled() -> str:
    page = queries.unfiled_letters(db(), current_account(), policy(), page_number(), page_size())
    return render_template("mail/unfiled.html", page=page)


@bp.get("/ambiguous")
def ambiguous() -> str:
    page = queries.ambiguous_items(db(), current_account(), policy(), page_number(), page_size())
    return render_template("mail/ambiguous.html", page=page)


@bp.post("/ambiguous/<int:ambiguity_id>")
def resolve(ambiguity_id: int) -> Response:
    session = db()
    choice = request.form.get("counterparty", "")
    if not choice.isdigit():
        abort(400)
    resolve_ambiguity(session, current_account(), ambiguity_id, int(choice), policy())
    session.commit()
    flash(_("The letter is filed."), "success")
    back = request.form.get("page", "")
    page = int(back) if back.isdigit() and back != "1" else None
    return redirect(url_for(".ambiguous", page=page))


@bp.get("/errors")
def errors() -> str:
    if not can_administer(current_account()):
        abort(403)
    session = db()
    page = queries.error_letters(session, page_number(), page_size())
    places = queries.places_of(session, {row.id for row in page.items})
    return render_template("mail/errors.html", page=page, places=places)
