"""One letter: its page, its HTML for the sandboxed frame, its attachments, its original
``.eml``, and its topic tags.

The frame's document (``/mail/letters/<id>/body``) is the one response that may be framed, and
only by this site; its own CSP lets nothing load but ``data:`` images (inline parts) and, once
the reader asks, ``https:`` images; scripts cannot run at all (no ``script-src``, and the frame is
sandboxed on both sides: the ``sandbox`` attribute and the CSP ``sandbox`` directive).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.topics import add_manual_topic, remove_topic
from letterpress.errors import ValidationError
from letterpress.web.auth.identity import current_account
from letterpress.web.auth.routes import safe_next
from letterpress.web.context import db
from letterpress.web.mail import bp, letters
from letterpress.web.mail.common import policy
from letterpress.web.mail.downloads import download, safe_filename
from letterpress.web.mail.forms import TopicForm

BODY_CSP = ("default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
            "sandbox allow-popups allow-popups-to-escape-sandbox")
BODY_CSP_IMAGES = BODY_CSP.replace("img-src data: cid:", "img-src data: cid: https:")


def _letter_page(letter_id: int, topic_form: TopicForm | None = None,
                 status: int = 200) -> tuple[str, int]:
    view = letters.letter_view(db(), current_account(), letter_id, policy())
    return render_template(
        "mail/letter.html", letter=view, topic_form=topic_form or TopicForm(formdata=None),
        show_images=request.args.get("images") == "1",
    ), status


@bp.get("/letters/<int:letter_id>")
def letter(letter_id: int) -> tuple[str, int]:
    return _letter_page(letter_id)


@bp.get("/letters/<int:letter_id>/body")
def letter_body(letter_id: int) -> Response:
    session = db()
    found = letters.readable_letter(session, current_account(), letter_id, policy())
    remote = request.args.get("images") == "1"
    cleaned = letters.body_html(session, found, remote_images=remote)
    response = Response(render_template("mail/letter_body.html", html=cleaned.html),
                        content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = BODY_CSP_IMAGES if remote else BODY_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/letters/<int:letter_id>/original.eml")
def letter_eml(letter_id: int) -> Response:
    found, raw = letters.raw_letter(db(), current_account(), letter_id, policy())
    name = safe_filename(found.subject, default="letter")[:80].strip() or "letter"
    return download(raw, f"{name}.eml", "message/rfc822")


@bp.get("/letters/<int:letter_id>/attachments/<int:attachment_id>")
def attachment(letter_id: int, attachment_id: int) -> Response:
    att, data = letters.attachment_data(db(), current_account(), letter_id, attachment_id,
                                        policy())
    return download(data, att.filename or f"attachment-{att.id}", att.content_type)


def _back(letter_id: int) -> str:
    return safe_next(request.form.get("next")) or url_for(".letter", letter_id=letter_id)


@bp.post("/letters/<int:letter_id>/topics")
def add_topic(letter_id: int) -> Response | tuple[str, int]:
    session = db()
    form = TopicForm()
    if form.validate_on_submit():
        try:
            add_manual_topic(session, current_account(), letter_id, form.topic.data, policy())
        except ValidationError:
            session.rollback()
            form.topic.errors = [_("Enter the topic.")]
        else:
            session.commit()
            flash(_("The topic is added."), "success")
            return redirect(_back(letter_id))
    return _letter_page(letter_id, form, 400)


@bp.post("/letters/<int:letter_id>/topics/<int:topic_id>/delete")
def delete_topic(letter_id: int, topic_id: int) -> Response:
    session = db()  # the CSRF token was checked before the view (CSRFProtect)
    remove_topic(session, current_account(), letter_id, topic_id, policy())
    session.commit()
    flash(_("The topic is removed."), "success")
    return redirect(_back(letter_id))
