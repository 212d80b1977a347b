"""The search form (GET, no CSRF token: it changes nothing) and the request it stands for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional, ValidationError

from letterpress.search.kinds import Kind

Order = Literal["newest", "relevance"]
MAX_TEXT = 200

KIND_LABELS = {
    Kind.LETTER: _l("Letters"), Kind.COUNTERPARTY: _l("Counterparties"),
    Kind.CONTACT: _l("Contact persons"), Kind.EVENT: _l("Events"), Kind.TASK: _l("Tasks"),
}


@dataclass(frozen=True)
class SearchRequest:
    """What the reader asked for: the typed text, the filters from the form, order and page."""

    q: str = ""
    kind: str = ""
    counterparty: str = ""
    sender: str = ""
    recipient: str = ""
    mailbox: str = ""
    topic: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    attachment: bool = False
    order: Order = "newest"
    page: int = 1

    @property
    def filtered(self) -> bool:
        """Whether any filter of the form (not of the typed text) is set."""
        return bool(self.kind or self.counterparty or self.sender or self.recipient
                    or self.mailbox or self.topic or self.since or self.until or self.attachment)


def _text(label: str, placeholder: str | None = None) -> StringField:
    kw = {"placeholder": placeholder} if placeholder else None
    return StringField(label, validators=[Optional(), Length(max=MAX_TEXT)], render_kw=kw)


class SearchForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = False

    # The seam refuses a search over its length with a message; no validator duplicates that.
    q = SearchField(_l("Search for"), render_kw={
        "placeholder": _l('Words, "a phrase", -excluded, prefix*'), "autocomplete": "off"})
    kind = SelectField(_l("What"), default="", choices=[
        SelectChoice("", _l("Everything")),
        *(SelectChoice(kind.label, label) for kind, label in KIND_LABELS.items()),
    ])
    counterparty = _text(_l("Counterparty"), _l("Name, INN or external id"))
    sender = _text(_l("Sender"), _l("Name or address"))
    recipient = _text(_l("Recipient"), _l("Name or address"))
    mailbox = SelectField(_l("Mailbox"), default="")
    topic = _text(_l("Topic"))
    since = DateField(_l("From date"), validators=[Optional()])
    until = DateField(_l("To date (inclusive)"), validators=[Optional()])
    attachment = BooleanField(_l("With attachments"))
    order = SelectField(_l("Sort by"), default="newest", choices=[
        SelectChoice("newest", _l("Newest first")), SelectChoice("relevance", _l("By relevance")),
    ])

    def set_mailboxes(self, names: Sequence[str]) -> None:
        self.mailbox.choices = [SelectChoice("", _l("All mailboxes")),
                                *(SelectChoice(name) for name in names)]

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_request(self, args: Mapping[str, str]) -> SearchRequest | None:
        """The request, or None when a field the reader typed is wrong (its error is set).

        A choice that is not on offer (a tampered link, a mailbox no longer readable) is dropped
        quietly, as the other filter forms do: a filter is a view, not a submission."""
        self.validate()
        for field in (self.kind, self.mailbox, self.order):
            if field.errors:
                field.errors = []
                field.data = field.default
        if self.errors:
            return None
        page = args.get("page", "")
        return SearchRequest(
            q=(self.q.data or "").strip(), kind=self.kind.data or "",
            counterparty=(self.counterparty.data or "").strip(),
            sender=(self.sender.data or "").strip(),
            recipient=(self.recipient.data or "").strip(),
            mailbox=self.mailbox.data or "", topic=(self.topic.data or "").strip(),
            since=self.since.data, until=self.until.data, attachment=bool(self.attachment.data),
            order="relevance" if self.order.data == "relevance" else "newest",
            page=int(page) if page.isdigit() and 0 < len(page) < 9 and int(page) > 0 else 1,
        )
