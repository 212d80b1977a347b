"""The card's repeated rows as HTML, written in Python: its events (the planned ones and the
history page), the unfulfilled orders and the rows of the four tables of documents.

A large counterparty's card shows forty events and some eighty documents. Through Jinja each
value cost a lookup, an escape and a generator step, each date or amount a filter call (the
request's language and time zone looked up again), each row a macro call or two and each link
a ``url_for``: a third of the card's CPU. Written here, with the formats looked up once
(:func:`~letterpress.web.templating.formats`) and the links made from one ``url_for`` each
(:func:`url_maker`), the rows cost a fraction of that.

``card.html`` keeps the page: its sections, the tables' heads, and the words, which it
translates and hands to :class:`CardWriter` (the column names repeated on every row for narrow
screens, the events' words). The markup is the one the templates had (an event's was
``_event.html``), moved. Every value from the database is escaped
(:func:`~letterpress.web.templating.escape_text`); a cell with nothing to show is written
empty, with no whitespace (``td:empty`` hides it on narrow screens).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from letterpress.crm.model import EventState
from letterpress.web.counterparties.card import Document, EventView
from letterpress.web.templating import Formats, escape_text

URL_ID = 2_147_483_647  # a stand-in id: one url_for per page, the real ids put in its place


def url_maker(url_with_stand_in: str) -> Callable[[int], str]:
    """``f(id)``: ``url_with_stand_in`` (an ``url_for`` with :data:`URL_ID` for the id) with
    ``id`` in its place."""
    head, _stand_in, tail = url_with_stand_in.partition(str(URL_ID))
    return lambda object_id: f"{head}{object_id}{tail}"


class CardWriter:
    """Writes the card's rows (the template calls it with its words).

    ``phrases``: ``routes._card_phrases`` (the formats of a document's title, the names of the
    vocabularies); ``today`` decides what is overdue; ``letter_url`` and ``close_url``: a
    letter's page and a planned event's close form by id (:func:`url_maker`)."""

    def __init__(self, phrases: Mapping[str, Any], fmt: Formats, today: dt.date, *,
                 order_numbers: Mapping[int, str], letter_url: Callable[[int], str],
                 close_url: Callable[[int], str]) -> None:
        self.phrases = phrases
        self.fmt = fmt
        self.today = today
        self.order_numbers = order_numbers
        self.letter_url, self.close_url = letter_url, close_url

    # --- events ------------------------------------------------------------------------------

    def events(self, views: Sequence[EventView], text: Mapping[str, str]) -> Markup:
        """The ``<article>`` of each event. ``text``: the words every event repeats (card.html's
        ``event_text``; escaped here, once)."""
        words = {key: escape(value) for key, value in text.items()}
        kinds: Mapping[str, str] = self.phrases["event_kind"]
        with_contact: str = self.phrases["with_contact"]
        datetime = self.fmt.datetime
        planned = EventState.PLANNED.value
        out: list[str] = []
        for view in views:
            event = view.event
            state, kind = escape_text(event.state), escape_text(event.kind)
            head = (f'<span class="badge badge--{kind}">'
                    f'{escape_text(kinds.get(event.kind, event.kind))}</span>\n')
            if event.state == EventState.CANCELLED.value:
                head += f'<span class="badge badge--cancelled">{words["cancelled"]}</span>\n'
            head += (f'<time datetime="{event.start_at.isoformat()}">'
                     f'{escape_text(datetime(event.start_at))}</time>\n')
            if event.end_at:
                head += (f'– <time datetime="{event.end_at.isoformat()}">'
                         f'{escape_text(datetime(event.end_at))}</time>\n')
            if view.responsible_name:
                head += f'<span class="event__who">{escape_text(view.responsible_name)}</span>\n'
            if view.contact_name:
                contact = with_contact % {"name": view.contact_name}
                head += f'<span class="event__contact">{escape_text(contact)}</span>\n'
            if view.redacted:
                body = f'<p class="event__subject muted">{words["no_access"]}</p>\n'
            else:
                subject = escape_text(event.subject) if event.subject else words["no_subject"]
                body = f'<h3 class="event__subject">{subject}</h3>\n'
                if event.content:
                    body += f'<div class="event__content">{escape_text(event.content)}</div>\n'
                if event.letter_id:
                    body += (f'<p class="event__letter"><a href="'
                             f'{escape_text(self.letter_url(event.letter_id))}">'
                             f'{words["open_letter"]}</a></p>\n')
            if event.state == planned and view.can_edit:
                body += self._close_form(event.id, words)
            out.append(f'<article class="event event--{state}" id="event-{event.id}">\n'
                       f'<header class="event__head">\n{head}</header>\n{body}</article>\n')
        return Markup("".join(out))

    def _close_form(self, event_id: int, words: Mapping[str, str]) -> str:
        return (
            f'<details class="event__close">\n<summary>{words["close"]}</summary>\n'
            f'<form method="post" action="{escape_text(self.close_url(event_id))}">\n'
            f'<input type="hidden" name="csrf_token" value="{words["csrf_token"]}">\n'
            f'<div class="field">\n<label class="field__label" for="result-{event_id}">'
            f'{words["result"]}</label>\n'
            f'<textarea class="field__input" id="result-{event_id}" name="result" rows="3">'
            f'</textarea>\n</div>\n<div class="form-actions">\n'
            f'<button type="submit" name="state" value="done" class="button button--primary">'
            f'{words["mark_done"]}</button>\n'
            f'<button type="submit" name="state" value="cancelled" class="button">'
            f'{words["cancel"]}</button>\n</div>\n</form>\n</details>\n'
        )

    # --- documents ---------------------------------------------------------------------------

    def _title(self, doc: Document, vocabulary: str, order_number: str | None = None) -> str:
        """A document's number and date over its direction (and order)."""
        title = self.phrases["dated"] % {"number": doc.number, "date": self.fmt.date(doc.date)}
        words: Mapping[str, str] = self.phrases[vocabulary]
        note = words.get(doc.direction, doc.direction) if doc.direction else ""
        if order_number:
            note = f"{note} · {self.phrases['of_order'] % {'number': order_number}}"
        return (f'<span>{escape_text(title)}</span>\n'
                f'<span class="cell-sub">{escape_text(note)}</span>')

    def _due(self, day: dt.date | None, overdue: str) -> str:
        """A date that may have passed: with the ``overdue`` badge then."""
        if day is None:
            return ""
        late = overdue if day < self.today else ""
        return f"<span>{escape_text(self.fmt.date(day))}</span>{late}"

    def _money(self, amount: Decimal | None, currency: str) -> str:
        return escape_text(self.fmt.money(amount, currency))

    @staticmethod
    def _labels(column: Mapping[str, str], *keys: str) -> list[Markup]:
        return [escape(column[key]) for key in keys]

    @staticmethod
    def _badge(overdue: str) -> str:
        return f' <span class="badge badge--late">{escape(overdue)}</span>'

    def open_orders(self, docs: Sequence[Document], column: Mapping[str, str],
                    overdue: str) -> Markup:
        """The unfulfilled orders' ``<tr>``: title, amount, planned shipment and payment."""
        order, amount, shipment, payment = self._labels(
            column, "Order", "Amount", "Planned shipment", "Planned payment")
        badge = self._badge(overdue)
        return Markup("".join(
            f'<tr>\n<td data-label="{order}">{self._title(doc, "order_direction")}</td>\n'
            f'<td data-label="{amount}" class="num">{self._money(doc.amount, doc.currency)}</td>\n'
            f'<td data-label="{shipment}">{self._due(doc.planned_shipment, badge)}</td>\n'
            f'<td data-label="{payment}">{self._due(doc.planned_payment, badge)}</td>\n</tr>\n'
            for doc in docs))

    def orders(self, docs: Sequence[Document], column: Mapping[str, str]) -> Markup:
        order, state, amount = self._labels(column, "Order", "State", "Amount")
        states: Mapping[str, str] = self.phrases["order_state"]
        return Markup("".join(
            f'<tr>\n<td data-label="{order}">{self._title(doc, "order_direction")}</td>\n'
            f'<td data-label="{state}">'
            f'{escape_text(states.get(doc.state, doc.state) if doc.state else "")}</td>\n'
            f'<td data-label="{amount}" class="num">{self._money(doc.amount, doc.currency)}</td>\n'
            f'</tr>\n' for doc in docs))

    def shipments(self, docs: Sequence[Document], column: Mapping[str, str]) -> Markup:
        date, order, revenue = self._labels(column, "Date", "Order", "Revenue")
        return Markup("".join(
            f'<tr>\n<td data-label="{date}">{escape_text(self.fmt.date(doc.date))}</td>\n'
            f'<td data-label="{order}">{self._order_number(doc)}</td>\n'
            f'<td data-label="{revenue}" class="num">{self._money(doc.amount, doc.currency)}'
            f'</td>\n</tr>\n' for doc in docs))

    def payments(self, docs: Sequence[Document], column: Mapping[str, str]) -> Markup:
        date, order, direction, amount = self._labels(
            column, "Date", "Order", "Direction", "Amount")
        directions: Mapping[str, str] = self.phrases["payment_direction"]
        return Markup("".join(
            f'<tr>\n<td data-label="{date}">{escape_text(self.fmt.date(doc.date))}</td>\n'
            f'<td data-label="{order}">{self._order_number(doc)}</td>\n'
            f'<td data-label="{direction}">'
            f'{escape_text(directions.get(doc.direction, doc.direction) if doc.direction else "")}'
            f'</td>\n'
            f'<td data-label="{amount}" class="num">{self._money(doc.amount, doc.currency)}</td>\n'
            f'</tr>\n' for doc in docs))

    def invoices(self, docs: Sequence[Document], column: Mapping[str, str],
                 overdue: str) -> Markup:
        """An invoice is overdue when its term has passed and it is not paid in full."""
        invoice, amount, paid, due = self._labels(column, "Invoice", "Amount", "Paid", "Due")
        badge = self._badge(overdue)
        out = []
        for doc in docs:
            order_number = self.order_numbers.get(doc.order_id) if doc.order_id else None
            unpaid = doc.paid is None or doc.paid < doc.amount
            out.append(
                f'<tr>\n<td data-label="{invoice}">'
                f'{self._title(doc, "invoice_direction", order_number)}</td>\n'
                f'<td data-label="{amount}" class="num">{self._money(doc.amount, doc.currency)}'
                f'</td>\n'
                f'<td data-label="{paid}" class="num">{self._money(doc.paid, doc.currency)}</td>\n'
                f'<td data-label="{due}">{self._due(doc.due, badge if unpaid else "")}</td>\n'
                f'</tr>\n')
        return Markup("".join(out))

    def _order_number(self, doc: Document) -> str:
        number = self.order_numbers.get(doc.order_id) if doc.order_id is not None else None
        return escape_text(number) if number else "—"
