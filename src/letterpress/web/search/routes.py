"""``/search/?q=...``: the form, the results of one page, or a message saying what went wrong."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request

from letterpress import search
from letterpress.search.service import MAX_OFFSET
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.search import messages, queries, results
from letterpress.web.search.forms import SearchForm
from letterpress.web.search.querytext import compose

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__, url_prefix="/search")


@bp.get("/")
def index() -> tuple[str, int]:
    context = web_context()
    session = db()
    user = current_account()
    form = SearchForm(formdata=request.args)
    form.set_mailboxes(queries.mailbox_names(session, user, context.mail_policy))
    wanted = form.to_request(request.args)
    text = compose(wanted) if wanted is not None else ""
    page = None
    error: str | None = None
    status = 200 if wanted is not None else 400
    size = context.settings.search.page_size
    number = 1
    if wanted is not None and text:
        number = min(wanted.page, MAX_OFFSET // size + 1)
        try:
            page = search.query(
                session, user, text, settings=context.settings, order=wanted.order,
                limit=size, offset=(number - 1) * size, policy=context.mail_policy,
            )
        except search.QueryError as exc:
            error, status = messages.translate(str(exc)), 400
        except (search.IndexMissing, search.IndexMismatch) as exc:
            log.warning("search refused: %s", exc)
            error, status = messages.translate(str(exc)), 503
    return render_template(
        "search/index.html", form=form, wanted=wanted, text=text, error=error, page=page,
        number=number, has_next=page is not None and page.has_more
        and number * size <= MAX_OFFSET,
        rows=[results.from_hit(hit) for hit in page.hits] if page else [],
        notices=[messages.translate(n) for n in page.notices] if page else [],
        first=(number - 1) * size + 1,
    ), status
