"""The MIME tree (RFC 2045-2049, 2183, 2231) to bodies, attachments and calendar parts.

Works on the stdlib's compat32 tree, which keeps each part's bytes as they came. Text parts
are decoded with the fallback decoder; attachments keep their decoded bytes whole; a
text/calendar part (RFC 6047 iMIP) is kept as bytes with its METHOD. Damage is repaired where
the intent is evident and named in ``defects``: a multipart whose boundary is missing or wrong
is re-split on the delimiter lines it actually contains, nesting deeper than
:data:`MAX_DEPTH` is cut, NUL bytes are removed from text.
"""

from __future__ import annotations

import email
import email.message
import email.utils
import mimetypes
import re
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message

from letterpress.mailsvc.charsets import decode_bytes
from letterpress.mailsvc.headers import (
    decode_header_value,
    message_ids,
    raw_bytes,
    raw_header,
    single_line,
)
from letterpress.mailsvc.letter import Attachment, CalendarPart

__all__ = ["MAX_DEPTH", "Body", "walk"]

MAX_DEPTH = 50
CALENDAR_TYPES = frozenset(
    {
        "text/calendar",
        "application/ics",
        "text/x-vcalendar",
        "application/x-vcalendar",
    }
)
_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "text/calendar": ".ics",
    "application/ics": ".ics",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/octet-stream": ".bin",
}
_METHOD = re.compile(rb"^METHOD[ \t]*:[ \t]*([A-Za-z-]+)", re.MULTILINE | re.IGNORECASE)
# An opening delimiter line: "--boundary" followed by a header line of the part it opens.
_DELIMITER = re.compile(r"^--([^\s][^\r\n]{0,69}?)[ \t]*\r?\n(?=[A-Za-z-]+[ \t]*:)", re.MULTILINE)


@dataclass
class Body:
    """What the walk collects; ``charset`` is the first text part's label (a hint for headers)."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    calendars: list[CalendarPart] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    charset: str | None = None
    cut: int = 0


def walk(message: Message) -> Body:
    """Collect the bodies, attachments and calendar parts of a parsed message."""
    body = Body()
    _visit(message, body, depth=0, path="1")
    if body.cut:
        body.defects.append(
            f"MIME nesting deeper than {MAX_DEPTH} levels cut ({body.cut} part(s) skipped)"
        )
    return body


def _note_defects(part: Message, where: str, body: Body) -> None:
    for defect in part.defects:
        name = type(defect).__name__
        body.defects.append(f"{where}: {name}")


def _visit(part: Message, body: Body, depth: int, path: str) -> None:
    if depth > MAX_DEPTH:
        body.cut += 1
        return
    ctype = part.get_content_type()
    where = f"part {path} ({ctype})"
    if part.is_multipart():
        _note_defects(part, where, body)
        if ctype == "message/rfc822" or part.get_content_maintype() == "message":
            _attach_message(part, ctype, body, path)
            return
        for index, child in enumerate(part.get_payload(), 1):
            if isinstance(child, Message):
                _visit(child, body, depth + 1, f"{path}.{index}")
        return
    if part.get_content_maintype() == "multipart":
        _note_defects(part, where, body)
        _repair_multipart(part, body, depth, path, where)
        return
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - a broken transfer encoding must not stop the walk
        body.defects.append(
            f"{where}: payload could not be decoded ({type(exc).__name__}); kept raw"
        )
        undecoded = getattr(part, "_payload", None)  # the encoding is broken: keep what came
        payload = raw_bytes(undecoded) if isinstance(undecoded, str) else b""
    _note_defects(part, where, body)
    if not isinstance(payload, bytes):
        payload = b""
    _leaf(part, ctype, payload, body, path, where)


def _leaf(part: Message, ctype: str, payload: bytes, body: Body, path: str, where: str) -> None:
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part, body, where)
    is_calendar = ctype in CALENDAR_TYPES or (filename or "").lower().endswith((".ics", ".vcs"))
    if is_calendar:
        _calendar(part, ctype, payload, filename, body, where)
        if filename is None and disposition != "attachment":
            return
    text_body = (
        ctype in ("text/plain", "text/html") and filename is None and disposition != "attachment"
    )
    if text_body:
        charset = part.get_content_charset()
        if body.charset is None and charset:
            body.charset = charset
        decoded = decode_bytes(payload, charset)
        if decoded.note:
            body.warnings.append(f"{ctype} body {decoded.note}")
        text = decoded.text
        if "\x00" in text:
            text = text.replace("\x00", "")
            body.defects.append(f"{where}: NUL bytes removed from text")
        text = text.replace("\r\n", "\n")
        (body.plain if ctype == "text/plain" else body.html).append(text)
        return
    content_id = part.get("content-id")
    cid = None
    if content_id is not None:
        ids = message_ids(str(content_id))
        cid = ids[0] if ids else single_line(str(content_id))[0].strip("<>") or None
    if filename is None:
        extension = (
            _EXTENSIONS.get(ctype) or mimetypes.guess_extension(ctype, strict=False) or ".bin"
        )
        filename = f"part-{path}{extension}"
    is_inline = disposition == "inline" or (not disposition and cid is not None)
    body.attachments.append(Attachment(filename, ctype, payload, cid, is_inline))


def _raw_param(part: Message, header: str, param: str) -> str | tuple[str, str, str] | None:
    """A parameter read from the raw header, as ``Message.get_param`` would return it.

    ``get_param`` goes through ``Message.get``, which turns a header holding 8-bit bytes into
    an ``email.header.Header`` whose ``str()`` replaces those bytes with U+FFFD: a raw
    windows-1251 file name would be lost. The stdlib's own parameter splitter is used on the
    raw value instead (``_parseparam`` is private but has not changed since Python 2).
    """
    raw = raw_header(part, header)
    if raw is None:
        return None
    pairs = []
    for item in email.message._parseparam(raw):  # type: ignore[attr-defined]
        name, _, value = item.partition("=")
        pairs.append((name.strip().lower(), value.strip()))
    for name, value in email.utils.decode_params(pairs)[1:]:
        if name.lower() == param:
            unquoted: str | tuple[str, str, str] = email.message._unquotevalue(value)  # type: ignore[attr-defined]
            return unquoted
    return None


def _filename(part: Message, body: Body, where: str) -> str | None:
    """The decoded, sanitised file name from Content-Disposition or Content-Type, or None."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        try:
            value = _raw_param(part, header, param)
        except Exception:  # noqa: BLE001, S112 - hostile parameters: try the other header
            continue
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _language, text = value
            decoded = decode_bytes(_octets(str(text)), charset or None)
            name = decoded.text
            if decoded.note and charset:
                body.warnings.append(f"{where} file name {decoded.note}")
        else:
            header_text = decode_header_value(str(value), body.charset)
            body.warnings.extend(f"{where} file name {note}" for note in header_text.notes)
            name = str(header_text)
        return _safe_name(name, body, where)
    return None


def _octets(text: str) -> bytes:
    """The bytes of an RFC 2231 value (percent-decoded into one character per byte)."""
    try:
        return text.encode("latin-1", "surrogateescape")
    except UnicodeEncodeError:
        return raw_bytes(text)


def _safe_name(name: str, body: Body, where: str) -> str | None:
    original = name
    name = re.split(r"[\\/]", name)[-1]
    name = single_line(name)[0]
    name = name.strip(". ") if name in (".", "..") else name.strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 20 else name[:255]
    if name != original:
        body.defects.append(f"{where}: file name {original!r} sanitised to {name!r}")
    return name or None


def _calendar(
    part: Message, ctype: str, payload: bytes, filename: str | None, body: Body, where: str
) -> None:
    match = _METHOD.search(payload[:65536])
    method = match.group(1).decode("ascii").upper() if match else None
    param = part.get_param("method")
    declared = param.upper() if isinstance(param, str) and param.isascii() else None
    if method and declared and method != declared:
        body.defects.append(f"{where}: METHOD {method} in the calendar, {declared} in Content-Type")
    method = method or declared
    if not any(c.data == payload for c in body.calendars):
        body.calendars.append(CalendarPart(method, payload, ctype, filename))


def _attach_message(part: Message, ctype: str, body: Body, path: str) -> None:
    """A forwarded letter (message/rfc822) becomes an .eml attachment; its text is not ours."""
    where = f"part {path} ({ctype})"
    inner = part.get_payload()
    data = b""
    subject = ""
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        try:
            data = inner[0].as_bytes()
        except Exception:  # noqa: BLE001 - the generator refuses some broken trees
            data = raw_bytes(inner[0].as_string()) if _safe_str(inner[0]) else b""
            body.defects.append(f"{where}: forwarded message regenerated lossily")
        raw_subject = raw_header(inner[0], "subject")
        if raw_subject is not None:
            subject = single_line(str(decode_header_value(raw_subject)))[0]
    filename = _filename(part, body, where)
    if filename is None:
        stem = re.sub(r'[\\/:*?"<>|]+', "_", subject)[:100].strip() or f"message-{path}"
        filename = stem + ".eml"
    body.attachments.append(Attachment(filename, ctype, data, None, False))


def _safe_str(message: Message) -> bool:
    try:
        message.as_string()
    except Exception:  # noqa: BLE001
        return False
    return True


def _repair_multipart(part: Message, body: Body, depth: int, path: str, where: str) -> None:
    """A multipart the stdlib could not split: find the delimiter it really uses, or keep text."""
    # get_payload() would decode with the declared charset and replace 8-bit bytes; with
    # decode=True a part that is not split comes back as its raw bytes.
    data = part.get_payload(decode=True)
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else ""
    counts = Counter(m.group(1) for m in _DELIMITER.finditer(text))
    boundary = counts.most_common(1)[0][0] if counts else None
    declared = part.get_boundary()
    if boundary and boundary != declared and '"' not in boundary:
        body.defects.append(f"{where}: boundary {declared!r} not found; re-split on {boundary!r}")
        head = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\r\n\r\n'
        repaired = email.message_from_bytes(
            head.encode("utf-8", "surrogateescape") + raw_bytes(text)
        )
        if repaired.is_multipart():
            for index, child in enumerate(repaired.get_payload(), 1):
                if isinstance(child, Message):
                    _visit(child, body, depth + 1, f"{path}.{index}")
            return
    body.defects.append(f"{where}: multipart without a usable boundary kept as text")
    decoded = decode_bytes(raw_bytes(text), part.get_content_charset())
    body.plain.append(decoded.text.replace("\x00", "").replace("\r\n", "\n"))
