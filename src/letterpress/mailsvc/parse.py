"""Raw letter bytes to a :class:`ParsedLetter` (RFC 5322, MIME, RFC 2047/2231, RFC 2919, 3834).

Pure: bytes in, frozen dataclass out; no database, no network, no global state beyond silencing
mail-parser's logger. :func:`parse_letter` returns for every input that has at least one header
field and raises :class:`~letterpress.errors.ParseFailure` otherwise (empty input, bytes that are
not a letter); nothing else escapes, whatever the bytes. The caller keeps the raw bytes either
way.

How the work is split, and why (``mixed_corpus(2000)``, 13.6 KB a letter, one core, CPU time;
``python -m bench.parse_rate``): ``mailparser.parse_from_bytes`` alone runs at 1,050-1,200
letters/s, and its output still has to be checked against the raw bytes, because it drops or
garbles exactly the text that matters here (a raw 8-bit cp1251 Subject becomes ``','``, an
unknown charset such as ``cp-1251`` gives empty text, bodies without a charset get U+FFFD,
attachments come back as base64 text, text/calendar lands in "not managed"). mail-parser
followed by that check ran at 520-650/s, under the 700/s wanted. So the letter is parsed once
by the stdlib (compat32, the tree mail-parser builds internally: 2,900-3,700/s for the tree
alone) and the result, :func:`parse_letter`, runs at 1,300-1,600/s:

- mail-parser's structural address scanner turns address headers into mailboxes
  (:mod:`letterpress.mailsvc.addresses`), and its tolerant date parser reads what
  ``email.utils`` cannot;
- our RFC 2047 decoder and the fallback decoder (:mod:`~letterpress.mailsvc.charsets`) read
  every header and text body from the raw bytes, so nothing has to be "repaired" after the
  fact: ``warnings`` records each place where the raw bytes needed the fallback, i.e. each place
  where plain mail-parser loses or garbles text;
- :mod:`~letterpress.mailsvc.mime` walks the MIME tree (attachments whole, calendars, depth cut,
  broken boundaries re-split).

If the stdlib parser itself recurses too deeply (about 1,000 nested multiparts), the headers are
parsed alone and the body is reported as a defect.
"""

from __future__ import annotations

import email
import email.parser
import email.utils
import hashlib
import logging
import re
from datetime import UTC, datetime
from email import policy
from email.message import Message

from mailparser.dates import parse_mail_date  # type: ignore[import-untyped]

from letterpress.errors import ParseFailure
from letterpress.mailsvc import boundary
from letterpress.mailsvc.addresses import parse_addresses
from letterpress.mailsvc.charsets import normalise_charset
from letterpress.mailsvc.headers import decode_header_value, message_ids, single_line, unfold
from letterpress.mailsvc.letter import ROLES, Address, Attachment, CalendarPart, ParsedLetter
from letterpress.mailsvc.mime import MAX_DEPTH, Body, walk
from letterpress.search.extract import html_to_text

boundary.install()  # every multipart's boundary without a regex compile

__all__ = [
    "MAX_DEPTH",
    "Address",
    "Attachment",
    "CalendarPart",
    "ParseFailure",
    "ParsedLetter",
    "parse_letter",
]

# mail-parser logs through loggers named "mailparser.*", which propagate to the root logger:
# "Email content 'x-two' not handled" on every odd letter. Only its own logger is quietened;
# the root logger and everyone else's are left alone.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)

_HEADER_OF_ROLE = {
    "from": "from",
    "sender": "sender",
    "reply_to": "reply-to",
    "to": "to",
    "cc": "cc",
    "bcc": "bcc",
}
_WANTED = frozenset(
    {
        *_HEADER_OF_ROLE.values(),
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "list-id",
        "list-unsubscribe",
        "precedence",
        "auto-submitted",
        "received",
    }
)
_MAX_REFERENCES = 100
_ZONES = {"MSK": "+0300", "MSD": "+0400", "CET": "+0100", "CEST": "+0200", "EET": "+0200"}
_ZONE_NAME = re.compile(r"\d\d(?::\d\d)?\s+(MSK|MSD|CET|CEST|EET)\b", re.IGNORECASE)
_ASCII_HOSTILE = frozenset(
    {"utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be", "utf_7"}
)
# A common header name at a line start or right after a byte that cannot be in one.
_HEADER_START = re.compile(
    rb"(?:^|(?<![!-~]))(?:return-path|received|delivered-to|from|to|cc|subject|date|message-id"
    rb"|mime-version|reply-to|x-[!-9;-~]+|content-[a-z-]+)[ \t]*:",
    re.MULTILINE | re.IGNORECASE,
)
_KNOWN_FIELDS = frozenset(
    {"from", "to", "subject", "date", "message-id", "received", "return-path"}
)
_PARAM_FIELD = re.compile(
    rb"^(content-(?:type|disposition)[ \t]*:)([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)",
    re.MULTILINE | re.IGNORECASE,
)
_MAX_PARAMS = 100
_HEADERS_ONLY = email.parser.BytesParser(policy=policy.compat32)


def parse_letter(raw: bytes) -> ParsedLetter:
    """Parse one letter's raw bytes; raise only :class:`ParseFailure`."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_letter() takes bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    try:
        return _parse(raw)
    except ParseFailure:
        raise
    except Exception as exc:  # the one boundary where any failure becomes a ParseFailure
        raise ParseFailure(
            f"letter could not be parsed: {type(exc).__name__}: {exc}"[:500]
        ) from exc


def _parse(raw: bytes) -> ParsedLetter:
    if not raw.strip():
        raise ParseFailure("empty letter")
    raw_for_parser, defects = _defuse(raw)
    message, too_deep = _message(raw_for_parser)
    if not message.keys():
        # Junk before the header (blank lines, a stray byte, a transport banner) makes the
        # stdlib read everything as body. Start again at the first line that opens a header.
        start = _HEADER_START.search(raw_for_parser, 0, 4096)
        if start is not None:
            message, too_deep = _message(raw_for_parser[start.start() :])
            if _KNOWN_FIELDS & {key.lower() for key in message}:
                defects.append(f"{start.start()} byte(s) before the first header field skipped")
                raw_for_parser = raw_for_parser[start.start() :]
            else:
                message = Message()
    if not message.keys():
        raise ParseFailure("no header fields: not an RFC 5322 message")
    if too_deep:
        defects.append("MIME structure too deeply nested for the parser; body not read")
        body = Body()
    else:
        body = walk(message)
    defects.extend(_line_end_defects(raw_for_parser))
    warnings = list(body.warnings)
    defects.extend(body.defects)

    headers = _collect(message, defects)
    hint = _ascii_compatible(body.charset)

    def text(name: str) -> str | None:
        values = headers.get(name)
        if not values:
            return None
        decoded = decode_header_value(values[0], hint)
        warnings.extend(f"{name} {note}" for note in decoded.notes)
        value, dirty = single_line(decoded)
        if dirty:
            defects.append(f"{name}: control characters (CR, LF, NUL) removed")
        return value

    subject = text("subject") or ""
    addresses: list[Address] = []
    seen: set[tuple[str, str]] = set()
    for role in ROLES:
        for value in headers.get(_HEADER_OF_ROLE[role], ()):
            for address in parse_addresses(role, value, hint, defects, warnings):
                if (role, address.email) not in seen:
                    seen.add((role, address.email))
                    addresses.append(address)

    ids = message_ids(_first(headers, "message-id"))
    reply_ids = message_ids(_first(headers, "in-reply-to"))
    references = message_ids(" ".join(headers.get("references", ())))
    if len(references) > _MAX_REFERENCES:  # the root and the nearest ancestors, as RFC 5322 3.6.4
        defects.append(f"references: {len(references)} ids; the first and the last kept")
        references = references[:1] + references[-(_MAX_REFERENCES - 1) :]

    list_id = text("list-id")
    if list_id:
        bracketed = re.search(r"<([^<>]+)>", list_id)
        list_id = (bracketed.group(1) if bracketed else list_id).strip().lower() or None
    precedence = (text("precedence") or "").split(";")[0].strip().lower() or None
    auto_submitted = (text("auto-submitted") or "").split(";")[0].strip().lower() or None

    return ParsedLetter(
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        message_id=ids[0] if ids else None,
        in_reply_to=reply_ids[0] if reply_ids else None,
        references=tuple(references),
        subject=subject,
        date=_date(headers, defects, warnings),
        addresses=tuple(addresses),
        text_plain="\n".join(body.plain) or html_to_text("\n".join(body.html)),
        text_html="\n".join(body.html),
        attachments=tuple(body.attachments),
        calendars=tuple(body.calendars),
        list_id=list_id,
        list_unsubscribe=text("list-unsubscribe") or None,
        precedence=precedence,
        auto_submitted=auto_submitted,
        defects=tuple(dict.fromkeys(defects)),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _message(raw: bytes) -> tuple[Message, bool]:
    """The compat32 tree, or only the headers (and True) if the MIME nesting is too deep."""
    try:
        return email.message_from_bytes(raw), False
    except RecursionError:
        return _HEADERS_ONLY.parsebytes(raw, headersonly=True), True


def _defuse(raw: bytes) -> tuple[bytes, list[str]]:
    """A copy of ``raw`` safe for the stdlib parser, and what was changed in it.

    The stdlib splits MIME parameters in time quadratic in the number of ``;`` inside an
    unclosed quote (40,000 cost a second, in the parser itself, before any of our code runs).
    Content-Type / Content-Disposition fields with more than :data:`_MAX_PARAMS` parameters
    are cut for parsing; the stored raw bytes are not touched. Counting ``;`` first keeps this
    free for ordinary letters.
    """
    if raw.count(b";") <= 1000:
        return raw, []
    defects: list[str] = []

    def cut(match: re.Match[bytes]) -> bytes:
        value = match.group(2)
        if value.count(b";") <= _MAX_PARAMS:
            return match.group(0)
        defects.append(
            f"{match.group(1).decode('ascii', 'replace')} field with {value.count(b';')} "
            f"parameters cut to {_MAX_PARAMS} for parsing"
        )
        return match.group(1) + b";".join(value.split(b";")[:_MAX_PARAMS])

    return _PARAM_FIELD.sub(cut, raw), defects


def _collect(message: Message, defects: list[str]) -> dict[str, list[str]]:
    """The wanted top-level header values, raw (compat32 keeps 8-bit bytes as escapes)."""
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = name.strip().lower()
        if key in _WANTED:
            headers.setdefault(key, []).append(str(value))
    for key in ("subject", "date", "message-id", "from", "in-reply-to"):
        if len(headers.get(key, ())) > 1:
            defects.append(f"{len(headers[key])} {key} header fields; the first is used")
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _ascii_compatible(charset: str | None) -> str | None:
    codec = normalise_charset(charset)
    return charset if codec is not None and codec not in _ASCII_HOSTILE else None


def _line_end_defects(raw: bytes) -> list[str]:
    """Bare CR or LF among CRLF line ends in the header section: a sign of header injection."""
    end = raw.find(b"\r\n\r\n")
    head = raw[: end if end >= 0 else 65536]
    crlf = head.count(b"\r\n")
    if crlf and (head.count(b"\n") != crlf or head.count(b"\r") != crlf):
        return [
            "header section mixes bare CR or LF with CRLF line ends (possible header injection)"
        ]
    return []


def _date(
    headers: dict[str, list[str]], defects: list[str], warnings: list[str]
) -> datetime | None:
    value = _first(headers, "date")
    if value is not None:
        parsed = _parse_date(value)
        if parsed is not None:
            return parsed
        defects.append(f"date: cannot read {single_line(unfold(value))[0][:80]!r}")
    for received in headers.get("received", ())[:1]:
        stamp = unfold(received).rpartition(";")[2]
        parsed = _parse_date(stamp)
        if parsed is not None:
            warnings.append("date taken from the Received header")
            return parsed
    return None


def _parse_date(value: str) -> datetime | None:
    value = single_line(unfold(value))[0]
    if not value or not value.isascii():
        return None
    zone = _ZONE_NAME.search(value)
    if zone is not None:  # zone names RFC 5322 does not know, common in Russian mail
        value = value[: zone.start(1)] + _ZONES[zone.group(1).upper()] + value[zone.end(1) :]
    parsed: datetime | None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        result = parse_mail_date(value)  # mail-parser reads obsolete and sloppy forms
        if isinstance(result.value, datetime):
            return result.value
        try:  # "2024-06-05 10:30:00", as some scripts write it
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if parsed.tzinfo is None:  # "-0000" or no zone: time in UTC, zone unknown (RFC 5322 3.3)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
