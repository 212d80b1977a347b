"""``/counterparties/``: the list, the card, and registering or closing events from the card."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from letterpress.crm.analytics.history import ClassHistory
from letterpress.crm.events import register_event, set_state
from letterpress.crm.model import Event, EventState
from letterpress.crm.permissions import can_add_event, readable_mailbox_ids
from letterpress.errors import ValidationError
from letterpress.web import i18n
from letterpress.web.analytics.labels import MEASURE
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.counterparties import card as card_queries
from letterpress.web.counterparties import correspondence, display, queries, rows
from letterpress.web.counterparties.forms import (
    STAGE_SHORT,
    EventForm,
    EventStateForm,
    FilterForm,
)
from letterpress.web.labels import (
    COUNTERPARTY_KIND,
    EVENT_KIND,
    INVOICE_DIRECTION,
    ORDER_DIRECTION,
    ORDER_STATE,
    PAYMENT_DIRECTION,
)
from letterpress.web.tasks.queries import assignable_users
from letterpress.web.templating import formats

bp = Blueprint("counterparties", __name__, url_prefix="/counterparties")
RECENT_THREADS = 5  # the newest threads on the card


@bp.get("/")
def index() -> str:
    session = db()
    context = web_context()
    form = FilterForm(formdata=request.args)
    form.set_options(queries.filter_options(session))
    query = form.to_query(request.args)
    page = queries.list_counterparties(
        session, current_account(), query, context.settings.web.page_size,
        policy=context.mail_policy, measure=context.settings.analytics.abc_measure,
    )
    return render_template(
        "counterparties/list.html", form=form, query=query, page=page, **_list_words(),
        topics=sorted({t.name for t in context.settings.mail.topics}, key=str.casefold),
        rows_html=rows.rows_html,
    )


@i18n.per_language
def _list_words() -> dict[str, dict[str, str]]:
    """The names of the list's kinds and stages, translated once per language."""
    return {"kinds": {kind: str(name) for kind, name in COUNTERPARTY_KIND.items()},
            "stages": {stage: str(name) for stage, name in STAGE_SHORT.items()}}


def _render_card(
    counterparty_id: int, event_form: EventForm | None = None, status: int = 200
) -> tuple[str, int]:
    session = db()
    context = web_context()
    user = current_account()
    policy = context.mail_policy
    mailboxes = readable_mailbox_ids(session, user, policy)
    card = card_queries.load_card(
        session, user, counterparty_id, policy=policy, mailbox_ids=mailboxes,
        analytics=context.settings.analytics,
        history_page=_number(request.args.get("history_page")) or 1,
        history_event=_number(request.args.get("event")),
        history_all=request.args.get("history") == "all",
    )
    if event_form is None:
        event_form = EventForm(formdata=None, prefix="event")
        now = dt.datetime.now(context.settings.company.tz).replace(second=0, microsecond=0)
        event_form.start_at.data = now.replace(tzinfo=None)
        if request.args.get("new_event") == EventState.PLANNED.value:  # the list's "plan"
            event_form.state.data = EventState.PLANNED.value
    event_form.set_contacts(card.contacts)
    write = display.CardWriter(
        _card_phrases(), formats(), dt.datetime.now(context.settings.company.tz).date(),
        order_numbers=card.order_numbers,
        letter_url=display.url_maker(url_for("mail.letter", letter_id=display.URL_ID)),
        close_url=display.url_maker(url_for(".close_event", counterparty_id=counterparty_id,
                                            event_id=display.URL_ID)),
    )
    return render_template(
        "counterparties/card.html", card=card, write=write, event_form=event_form,
        letters=card.letters, can_add_event=can_add_event(user, card.counterparty),
        # What /tasks/new asks: someone the viewer may set a task to.
        can_set_task=bool(assignable_users(session, user)),
        class_labels=_class_labels(card.classes),
    ), status


@i18n.per_language
def _card_phrases() -> dict[str, Any]:
    """Words the card repeats on every row, translated once per language
    (:class:`~letterpress.web.counterparties.display.CardWriter` fills the formats in with
    ``%`` and escapes the result as a whole: cheaper, on a card of a hundred rows, than a
    ``_()`` with values per row)."""
    return {
        "dated": _("%(number)s dated %(date)s"),
        "of_order": _("order %(number)s"),
        "with_contact": _("with %(name)s"),
        "event_kind": {kind: str(name) for kind, name in EVENT_KIND.items()},
        "order_direction": {key: str(name) for key, name in ORDER_DIRECTION.items()},
        "invoice_direction": {key: str(name) for key, name in INVOICE_DIRECTION.items()},
        "order_state": {key: str(name) for key, name in ORDER_STATE.items()},
        "payment_direction": {key: str(name) for key, name in PAYMENT_DIRECTION.items()},
    }


def _class_labels(classes: ClassHistory) -> dict[str, str]:
    """The measures the card's classes are of, by the analytics pages' names."""
    return {key: str(MEASURE.get(measure, measure)) for key, measure in (
        ("abc_measure", classes.abc_measure), ("xyz_measure", classes.xyz_measure))}


def _number(arg: str | None) -> int | None:
    return int(arg) if arg and arg.isdigit() and len(arg) < 9 else None


@bp.get("/<int:counterparty_id>")
def card(counterparty_id: int) -> tuple[str, int]:
    return _render_card(counterparty_id)


@bp.get("/<int:counterparty_id>/letters")
def letters(counterparty_id: int) -> str:
    """The counterparty's correspondence, by thread (полная информация о клиенте)."""
    session = db()
    context = web_context()
    user = current_account()
    counterparty = queries.visible_counterparty(session, user, counterparty_id)
    number = _number(request.args.get("page")) or 1
    policy = context.mail_policy
    mailboxes = readable_mailbox_ids(session, user, policy)
    page = correspondence.threads(session, user, counterparty_id, policy, number,
                                  context.settings.web.page_size, mailbox_ids=mailboxes)
    return render_template(
        "counterparties/correspondence.html", counterparty=counterparty, page=page,
        letters=correspondence.letter_count(session, user, counterparty_id, policy,
                                            mailbox_ids=mailboxes),
    )


@bp.get("/<int:counterparty_id>/threads")
def recent_threads(counterparty_id: int) -> str:
    """The card's panel of the newest threads, an HTML fragment the card loads after itself
    (static/js/card.js): the one aggregate over all the counterparty's letters stays out of the
    card's own answer."""
    session = db()
    user = current_account()
    queries.visible_counterparty(session, user, counterparty_id)
    policy = web_context().mail_policy
    threads = correspondence.threads(session, user, counterparty_id, policy, 1, RECENT_THREADS,
                                     detailed=False)
    return render_template("counterparties/_threads.html", counterparty_id=counterparty_id,
                           threads=threads)


@bp.post("/<int:counterparty_id>/events")
def add_event(counterparty_id: int) -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    counterparty = queries.visible_counterparty(session, user, counterparty_id)
    if not can_add_event(user, counterparty):
        abort(403)
    form = EventForm(prefix="event")
    form.set_contacts(queries.visible_contacts(session, user, counterparty_id))
    if form.validate_on_submit():
        start_at, end_at = form.local_times(web_context().settings.company.tz)
        try:
            register_event(
                session, author=user, kind=form.kind.data, state=form.state.data,
                start_at=start_at, end_at=end_at, counterparty_id=counterparty_id,
                contact_person_id=form.contact_person.data or None,
                subject=form.subject.data, content=form.content.data or "",
            )
        except ValidationError as exc:
            session.rollback()
            target = getattr(form, exc.field or "", None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, str(exc)]
            else:
                form.form_errors.append(str(exc))
        else:
            session.commit()
            planned = form.state.data == "planned"
            flash(_("The event is planned.") if planned else _("The event is registered."),
                  "success")
            anchor = "planned" if planned else "history"
            return redirect(url_for(".card", counterparty_id=counterparty_id, _anchor=anchor))
    return _render_card(counterparty_id, form, 400)


@bp.post("/<int:counterparty_id>/events/<int:event_id>/state")
def close_event(counterparty_id: int, event_id: int) -> Response:
    session = db()
    user = current_account()
    queries.visible_counterparty(session, user, counterparty_id)
    event = session.get(Event, event_id)
    if event is None or event.counterparty_id != counterparty_id:
        abort(404)
    if event.state != EventState.PLANNED.value:
        abort(409)  # closed meanwhile, or a second click
    form = EventStateForm()
    if not form.validate_on_submit():
        abort(400)
    result = (form.result.data or "").strip()
    content = f"{event.content.rstrip()}\n\n{result}".strip() if result else None
    set_state(session, user, event_id, form.state.data, content=content)
    session.commit()
    flash(_("The event is done.") if form.state.data == "done" else _("The event is cancelled."),
          "success")
    return redirect(url_for(".card", counterparty_id=counterparty_id, _anchor="history"))
