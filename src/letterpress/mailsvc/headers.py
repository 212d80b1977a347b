"""Header values: RFC 2047 encoded words, raw 8-bit text, message identifiers (RFC 5322 3.6.4).

The stdlib parser (compat32) keeps each header value as the wire bytes, 8-bit bytes carried as
surrogate escapes; everything here starts from those. Encoded words are decoded with
:func:`~letterpress.mailsvc.charsets.decode_bytes`, so an unknown charset name (``cp-1251``) or
bytes that do not fit the named charset are recovered instead of dropped, and adjacent words in
one charset are joined before decoding, so a character split across two words survives. Words
inside quoted strings and words glued to other text are decoded too, as Thunderbird and Outlook
do, although RFC 2047 forbids writing them.
"""

from __future__ import annotations

import base64
import binascii
import re
from email.message import Message
from typing import Self

from letterpress.mailsvc.charsets import decode_bytes

__all__ = [
    "HeaderText",
    "decode_header_value",
    "message_ids",
    "raw_bytes",
    "raw_header",
    "single_line",
    "unfold",
]

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_SPACES = re.compile(r"[ \t]{2,}")
_ANGLE_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_BARE_ID = re.compile(r"[^\s<>(),;\"]+@[^\s<>(),;\"]+")


class HeaderText(str):
    """A decoded header value; ``notes`` say how it was repaired (empty if it was not)."""

    notes: tuple[str, ...]

    def __new__(cls, text: str, notes: tuple[str, ...] = ()) -> Self:
        obj = super().__new__(cls, text)
        obj.notes = notes
        return obj


def raw_bytes(value: str) -> bytes:
    """The wire bytes of a compat32 header value (8-bit bytes are surrogate escapes).

    Text that is already Unicode (from a str-built message) comes back as UTF-8.
    """
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return value.encode("utf-8", "backslashreplace")


def raw_header(message: Message, name: str) -> str | None:
    """The first raw value of header ``name`` (8-bit bytes kept as escapes), or None.

    ``Message.get`` would wrap such a value in ``email.header.Header``, whose ``str()`` turns
    the 8-bit bytes into U+FFFD.
    """
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def unfold(value: str) -> str:
    """Remove folding line breaks (RFC 5322 2.2.3); other CR/LF stay for :func:`single_line`."""
    return _FOLD.sub("", value) if "\n" in value else value


def single_line(text: str) -> tuple[str, bool]:
    """Text fit for one line: control characters become spaces; True if any were there."""
    if not _CONTROL.search(text):
        return text.strip(), False
    cleaned = _SPACES.sub(" ", _CONTROL.sub(" ", text.replace("\x00", "")))
    return cleaned.strip(), True


def _decode_b(text: str) -> bytes | None:
    text = re.sub(r"[^A-Za-z0-9+/]", "", text.split("=", 1)[0])
    if len(text) % 4 == 1:
        text = text[:-1]
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the cleaning above prevents it
        return None


def _decode_q(text: str) -> bytes:
    # a2b_qp in header mode reads "_" as a space and leaves invalid "=XY" sequences as they are.
    return binascii.a2b_qp(raw_bytes(text), header=True)


def _plain(segment: str, hint: str | None, notes: list[str]) -> str:
    if segment.isascii():
        return segment
    decoded = decode_bytes(raw_bytes(segment), hint)
    # Raw UTF-8 is legal since RFC 6532 and mail-parser reads it; anything else is a repair.
    if decoded.charset != "utf-8" or (decoded.note and "stray" in decoded.note):
        notes.append(f"decoded from raw 8-bit as {decoded.charset}")
    return decoded.text


def decode_header_value(value: str, hint: str | None = None) -> HeaderText:
    """Decode an unstructured header value (RFC 2047 words and raw 8-bit text).

    ``hint`` is the charset to try first for raw 8-bit text (the body's, as mail clients do).
    The result is unfolded but may still hold control characters: see :func:`single_line`.
    """
    value = unfold(value)
    notes: list[str] = []
    if "=?" not in value:
        return HeaderText(_plain(value, hint, notes), tuple(notes))
    out: list[str] = []
    pos = 0
    pending: tuple[str, bytearray] | None = None  # adjacent words in one charset, joined

    def flush() -> None:
        nonlocal pending
        if pending is None:
            return
        charset, data = pending
        decoded = decode_bytes(bytes(data), charset)
        if decoded.note:
            notes.append(f"encoded word {decoded.note}")
        out.append(decoded.text)
        pending = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if pending is not None and _BETWEEN_WORDS.fullmatch(between) is None:
            flush()
        if pending is None and between:
            out.append(_plain(between, hint, notes))
        charset = match.group(1).split("*", 1)[0]
        encoding = match.group(2).upper()
        data = _decode_b(match.group(3)) if encoding == "B" else _decode_q(match.group(3))
        if data is None:
            flush()
            out.append(match.group(0))
            notes.append("undecodable encoded word kept as is")
        elif pending is not None and pending[0].lower() == charset.lower():
            pending[1].extend(data)
        else:
            flush()
            pending = (charset, bytearray(data))
        pos = match.end()
    flush()
    if pos < len(value):
        out.append(_plain(value[pos:], hint, notes))
    return HeaderText("".join(out), tuple(dict.fromkeys(notes)))


def message_ids(value: str | None, limit: int = 0) -> list[str]:
    """Message identifiers in a Message-ID / In-Reply-To / References value, without <>.

    Angle-bracketed ids win; failing those, bare tokens that look like ``left@right``. Order
    kept, duplicates dropped; ``limit`` > 0 keeps the first id and the last ``limit - 1``.
    """
    if not value:
        return []
    value = unfold(value)
    if not value.isascii():
        value = raw_bytes(value).decode("utf-8", "replace")
    found = _ANGLE_ID.findall(value) or _BARE_ID.findall(value)
    ids = list(dict.fromkeys(i.strip("<>") for i in found if i.strip("<>")))
    if limit and len(ids) > limit:
        ids = ids[:1] + ids[-(limit - 1) :]
    return ids
