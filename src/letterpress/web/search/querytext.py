"""The form's filters written in the search language, after the text the reader typed.

The seam takes one search text (:mod:`letterpress.search.querylang`), so the form's fields
become the filters a reader could have typed (``kind:letter counterparty:"ООО «Ромашка»"
after:2025-03-01``): the seam parses, resolves and applies them, permissions included. Values
are quoted with a pair of quotes they do not contain, so nothing in a value can end the filter
early or start another one.
"""

from __future__ import annotations

import datetime as dt

from letterpress.search.querylang import OPEN_QUOTES
from letterpress.web.search.forms import SearchRequest

#: Pairs of quotes the search language accepts, tried in order.
_QUOTES = tuple((opening, OPEN_QUOTES[opening]) for opening in ('"', "«", "“"))


def quoted(value: str) -> str:
    """``value`` in quotes that the lexer will close at its end, never inside it."""
    for opening, closing in _QUOTES:
        if closing not in value:
            return f"{opening}{value}{closing}"
    # Every closing quote occurs in the value: drop them (they are not words anyway).
    for _opening, closing in _QUOTES:
        value = value.replace(closing, " ")
    return f'"{value}"'


def compose(wanted: SearchRequest) -> str:
    """The search text for the seam: the typed words, then a filter per filled-in field."""
    parts = [wanted.q] if wanted.q else []
    if wanted.kind:
        parts.append(f"kind:{wanted.kind}")
    for name, value in (("counterparty", wanted.counterparty), ("from", wanted.sender),
                        ("to", wanted.recipient), ("mailbox", wanted.mailbox),
                        ("topic", wanted.topic)):
        if value.strip():
            parts.append(f"{name}:{quoted(value.strip())}")
    if wanted.attachment:
        parts.append("has:attachment")
    if wanted.since is not None:
        parts.append(f"after:{wanted.since.isoformat()}")
    if wanted.until is not None and wanted.until < dt.date.max:
        # The form's end date is inclusive; the language's before: is not.
        parts.append(f"before:{(wanted.until + dt.timedelta(days=1)).isoformat()}")
    return " ".join(parts)
