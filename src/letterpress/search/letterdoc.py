"""A letter's search document made from its parts: the one recipe for every path into the index.

Two paths build a letter's document and must agree to the token: the mail daemon's parser
workers, which analyse each letter as they parse it (so that the daemon's single writing
process only inserts rows), and :func:`letterpress.search.documents.load_letters`, which reads
stored letters back (``letterpress reindex``, a letter edited through the ORM). Both call
:func:`letter_texts` with the values as stored (addresses and file names cut to their columns)
and :func:`analyse_texts` with the index's analyzer.

This module is imported by the parser workers, so it imports nothing heavy (no models).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from letterpress.search import extract
from letterpress.search.analysis import Analyzer

#: The four weighted fields every document has (see :mod:`letterpress.search.documents`).
FIELDS: tuple[str, ...] = ("title", "keys", "more", "body")
MAX_FIELD_CHARS = 200_000
SENDER_ROLES = frozenset({"from", "sender"})
RECIPIENT_ROLES = frozenset({"to", "cc", "bcc"})

Texts = tuple[str, str, str, str]


class LetterFields(NamedTuple):
    """A letter's analysed fields: each field's tokens joined by single spaces."""

    analyzer: str  # the Analyzer.id that made them
    tokens: Texts


def join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def wants_attachment_text(filename: str, content_type: str, size: int) -> bool:
    """Whether the index reads an attachment's contents (else only its file name)."""
    return size <= extract.MAX_ATTACHMENT_BYTES and extract.is_text_like(filename, content_type)


def letter_texts(subject: str | None, text_plain: str, text_html: str,
                 addresses: Iterable[tuple[str, str, str]],
                 attachments: Iterable[tuple[str, str]]) -> Texts:
    """Title, keys, more and body of a letter, before analysis.

    ``addresses`` are (role, name, e-mail) in the letter's order; ``attachments`` are
    (file name, extracted text or "") in the letter's order.
    """
    text = text_plain if text_plain.strip() else extract.html_to_text(text_html)
    keys: list[str] = []
    more: list[str] = []
    for role, name, email in addresses:
        if role in SENDER_ROLES:
            keys.append(f"{name} {email}".strip())
        elif role in RECIPIENT_ROLES:
            more.append(f"{name} {email}".strip())
    files = list(attachments)
    body = join(text[:MAX_FIELD_CHARS], *(name for name, _ in files),
                *(content for _, content in files))
    return subject or "", join(*keys), join(*more), body[: MAX_FIELD_CHARS * 2]


def analyse_texts(analyzer: Analyzer, texts: Texts) -> LetterFields:
    tokens = tuple(" ".join(analyzer.analyze(t[:MAX_FIELD_CHARS])) for t in texts)
    return LetterFields(analyzer.id, tokens)  # type: ignore[arg-type]


EMPTY: Texts = ("", "", "", "")
