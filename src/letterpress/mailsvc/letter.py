"""The parsed letter: what :func:`letterpress.mailsvc.parse.parse_letter` returns.

Plain frozen values, no behaviour beyond a few derived properties, so that filing, indexing and
tests can rely on them without touching the parser.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

__all__ = ["ROLES", "Address", "Attachment", "CalendarPart", "ParsedLetter"]

ROLES = ("from", "sender", "reply_to", "to", "cc", "bcc")
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


class Address(NamedTuple):
    """One mailbox named in a header: role, decoded display name, lower-cased e-mail."""

    role: str
    name: str
    email: str


@dataclass(frozen=True)
class Attachment:
    """One attached (or inline, e.g. an embedded image) file, payload decoded and whole."""

    filename: str
    content_type: str
    payload: bytes = field(repr=False)
    content_id: str | None = None
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.payload)

    @cached_property
    def sha256(self) -> str:
        """Hex digest of the payload, for content-addressed storage. Computed once; a parser
        worker computes it, and it travels with the pickled attachment to the store."""
        return hashlib.sha256(self.payload).hexdigest()


@dataclass(frozen=True)
class CalendarPart:
    """A text/calendar (or .ics) part: its bytes as sent and its METHOD (REQUEST, CANCEL...)."""

    method: str | None
    data: bytes = field(repr=False)
    content_type: str = "text/calendar"
    filename: str | None = None


@dataclass(frozen=True)
class ParsedLetter:
    """Everything Letterpress reads from one letter's raw bytes.

    ``defects`` name what was wrong with the letter itself (broken MIME, NUL bytes, nesting cut,
    control characters in headers); ``warnings`` name text that had to be recovered (a charset
    that was unknown, wrong or missing). Both are empty for a clean letter.
    """

    sha256: str
    size: int
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    date: datetime | None
    addresses: tuple[Address, ...]
    text_plain: str
    text_html: str
    attachments: tuple[Attachment, ...]
    calendars: tuple[CalendarPart, ...]
    list_id: str | None
    list_unsubscribe: str | None
    precedence: str | None
    auto_submitted: str | None
    defects: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def is_bulk(self) -> bool:
        """Mailing-list, bulk or machine-sent mail (RFC 2919 List-Id, Precedence, RFC 3834)."""
        return (
            self.list_id is not None
            or self.list_unsubscribe is not None
            or self.precedence in BULK_PRECEDENCE
            or (self.auto_submitted is not None and self.auto_submitted != "no")
        )

    def role(self, role: str) -> tuple[Address, ...]:
        """The addresses of one role: from, sender, reply_to, to, cc or bcc."""
        return tuple(a for a in self.addresses if a.role == role)

    @property
    def sender(self) -> Address | None:
        """The first From address, or None."""
        return next((a for a in self.addresses if a.role == "from"), None)
