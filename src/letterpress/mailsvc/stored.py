"""A parsed letter's values as the store writes them, and its search document from those values.

The store (:mod:`.store`) cuts names and file names to their columns with these functions, and
the parser workers (:mod:`.parse_pool`) analyse the letter for the search index from the same cut
values, so that a letter indexed as it is stored has exactly the document ``letterpress reindex``
would make from its rows (:func:`letterpress.search.documents.load_letters`; a test holds the two
to that). Imported by the workers: nothing heavy here.
"""

from __future__ import annotations

from letterpress.mailsvc.letter import Address, Attachment, ParsedLetter
from letterpress.search.analysis import get_analyzer
from letterpress.search.extract import attachment_text
from letterpress.search.letterdoc import (
    EMPTY,
    LetterFields,
    analyse_texts,
    letter_texts,
    wants_attachment_text,
)

__all__ = ["address_values", "attachment_values", "search_fields"]


def address_values(address: Address) -> tuple[str, str, str]:
    """(role, name, e-mail) cut to the columns of ``letter_addresses``."""
    return address.role, address.name[:500], address.email[:320]


def attachment_values(att: Attachment) -> tuple[str, str]:
    """(file name, content type) as ``letter_attachments`` holds them."""
    return (att.filename or "")[:500], (att.content_type or "application/octet-stream")[:200]


def search_fields(parsed: ParsedLetter | None, analyzer: str) -> LetterFields:
    """The analysed search fields of a letter about to be stored (unparsed: all empty)."""
    chosen = get_analyzer(analyzer)
    if parsed is None:
        return analyse_texts(chosen, EMPTY)
    files: list[tuple[str, str]] = []
    for att in parsed.attachments:
        filename, ctype = attachment_values(att)
        text = (attachment_text(filename, ctype, att.payload)
                if wants_attachment_text(filename, ctype, att.size) else "")
        files.append((filename, text))
    texts = letter_texts(parsed.subject, parsed.text_plain, parsed.text_html,
                         [address_values(a) for a in parsed.addresses], files)
    return analyse_texts(chosen, texts)
