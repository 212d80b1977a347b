"""The seam's hits as rows of the results page: a link to the object, escaped highlighted HTML.

Snippets and titles are the original text with character offsets of the matches
(:class:`letterpress.search.Snippet`); :meth:`Snippet.html` escapes every piece of the text and
adds only the ``<mark>`` tags, so the markup is safe to insert whatever a letter contains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from letterpress.search import Hit, Snippet
from letterpress.search.kinds import Kind

KIND_NAMES: dict[str, LazyString] = {
    Kind.LETTER.label: _l("Letter"), Kind.COUNTERPARTY.label: _l("Counterparty"),
    Kind.CONTACT.label: _l("Contact person"), Kind.EVENT.label: _l("Event"),
    Kind.TASK.label: _l("Task"),
}

TASK_ENDPOINT = "tasks.detail"
#: A counterparty's or contact person's date in the index is when it was entered: not shown.
UNDATED = frozenset({Kind.COUNTERPARTY.label, Kind.CONTACT.label})


@dataclass(frozen=True)
class Result:
    kind: str
    kind_name: str
    id: int
    title: Markup
    snippet: Markup
    date: dt.datetime | None  # None for kinds whose date means nothing to a reader
    url: str | None  # None: nothing to open (a personal contact with no counterparty)
    counterparty: str | None
    counterparty_url: str | None


def target(hit: Hit) -> str | None:
    """Where a hit opens: a letter's page, a counterparty's card, a task's page, or the part of
    the counterparty's card that shows the contact person or the event."""
    if hit.kind == Kind.LETTER.label:
        return url_for("mail.letter", letter_id=hit.id)
    if hit.kind == Kind.COUNTERPARTY.label:
        return url_for("counterparties.card", counterparty_id=hit.id)
    if hit.kind == Kind.TASK.label and TASK_ENDPOINT in current_app.view_functions:
        return url_for(TASK_ENDPOINT, task_id=hit.id)
    if hit.counterparty_id is None:
        return None
    if hit.kind == Kind.EVENT.label:  # ?event=: the card opens the history page holding it
        return url_for("counterparties.card", counterparty_id=hit.counterparty_id,
                       event=hit.id, _anchor=f"event-{hit.id}")
    anchor = "contacts" if hit.kind == Kind.CONTACT.label else None
    return url_for("counterparties.card", counterparty_id=hit.counterparty_id, _anchor=anchor)


def from_hit(hit: Hit) -> Result:
    counterparty_url = None
    if hit.counterparty_id is not None and hit.kind != Kind.COUNTERPARTY.label:
        counterparty_url = url_for("counterparties.card", counterparty_id=hit.counterparty_id)
    return Result(
        kind=hit.kind, kind_name=str(KIND_NAMES.get(hit.kind, hit.kind)), id=hit.id,
        title=Markup(Snippet(hit.title, hit.title_highlights).html()),
        snippet=Markup(hit.snippet.html()),
        date=None if hit.kind in UNDATED else hit.date, url=target(hit),
        counterparty=hit.counterparty if counterparty_url else None,
        counterparty_url=counterparty_url,
    )
