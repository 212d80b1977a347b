"""Builders of test letters: realistic RFC 5322 / MIME bytes, well-formed and broken.

Everything here returns ``bytes`` exactly as an IMAP server would hand them over (CRLF line
ends), and everything is deterministic: the same arguments (and the same ``seed``) give the same
bytes. The builders write the wire format by hand instead of going through
``email.message.EmailMessage`` so that tests can produce what real Russian mail contains and the
stdlib would refuse to write: raw 8-bit headers, wrong or unknown charset names, RFC 2047 words
split inside a character, broken boundaries.

- :func:`letter` is the general builder (plain, HTML, attachments, an invitation, replies, bulk
  headers); :func:`reply`, :func:`invitation` and :func:`bulk_letter` are thin wrappers.
- :func:`price_list_xlsx`, :func:`layout_pdf` and :func:`invoice_pdf` make attachment blobs.
- :func:`mixed_corpus` is the benchmark mix, :func:`malformed_corpus` the hostile one
  (:func:`malformed_samples` also names the kind of each letter); both are built in
  :mod:`letterpress.testing.corpora`.
"""

from __future__ import annotations

import base64
import email.quoprimime
import hashlib
import io
import random
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from letterpress.testing.corpora import Sample

CRLF = b"\r\n"
MSK = timezone(timedelta(hours=3))
DEFAULT_DATE = datetime(2024, 6, 5, 10, 30, 0, tzinfo=MSK)

HeaderMode = Literal["B", "Q", "raw"]
BodyEncoding = Literal["7bit", "8bit", "base64", "quoted-printable"]
NameEncoding = Literal["plain", "rfc2231", "rfc2047", "raw"]
Address = tuple[str, str]  # (display name, e-mail)


@dataclass(frozen=True)
class Attachment:
    """One attached file as it should appear in the letter."""

    filename: str
    content_type: str
    payload: bytes
    name_encoding: NameEncoding = "rfc2231"
    inline: bool = False
    content_id: str | None = None


# --------------------------------------------------------------------------- header encoding


def encoded_words(text: str, charset: str = "utf-8", mode: Literal["B", "Q"] = "B") -> str:
    """RFC 2047 encoded words for ``text``, each at most 75 characters, joined by folding."""
    words: list[str] = []
    chunk = ""
    limit = 45 if mode == "B" else 22  # raw octets per word, so each word stays <= 75 chars
    for char in text:
        candidate = chunk + char
        if chunk and len(candidate.encode(charset)) > limit:
            words.append(_one_word(chunk, charset, mode))
            chunk = char
        else:
            chunk = candidate
    if chunk:
        words.append(_one_word(chunk, charset, mode))
    return "\r\n ".join(words)


def _one_word(text: str, charset: str, mode: str) -> str:
    data = text.encode(charset)
    if mode == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="
    out = []
    for byte in data:
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "!*+-/"):
            out.append(char)
        elif char == " ":
            out.append("_")
        else:
            out.append(f"={byte:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def header_text(text: str, charset: str = "utf-8", mode: HeaderMode = "B") -> bytes:
    """An unstructured header value: ASCII as is, else encoded words or raw 8-bit bytes."""
    if text.isascii():
        return text.encode("ascii")
    if mode == "raw":
        return text.encode(charset)
    return encoded_words(text, charset, mode).encode("ascii")


def format_address(address: Address | str, charset: str = "utf-8", mode: HeaderMode = "B") -> bytes:
    """``Name <mail>`` with the name quoted, encoded or raw as ``mode`` says."""
    if isinstance(address, str):
        return address.encode("ascii")
    name, mail = address
    if not name:
        return mail.encode("ascii")
    if name.isascii():
        if any(c in name for c in '()<>[]:;@\\,."'):
            escaped = name.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{escaped}" <{mail}>'.encode("ascii")
        return f"{name} <{mail}>".encode("ascii")
    if mode == "raw":
        return b'"' + name.encode(charset) + b'" <' + mail.encode("ascii") + b">"
    return f"{encoded_words(name, charset, mode)} <{mail}>".encode("ascii")


def _address_list(addresses: Sequence[Address | str], charset: str, mode: HeaderMode) -> bytes:
    return b",\r\n ".join(format_address(a, charset, mode) for a in addresses)


def _filename_params(att: Attachment, charset: str) -> tuple[bytes, bytes]:
    """(Content-Type name param, Content-Disposition filename param) for an attachment."""
    name = att.filename
    if name.isascii() or att.name_encoding == "plain":
        quoted = b'"' + name.encode("utf-8") + b'"'
        return b"; name=" + quoted, b"; filename=" + quoted
    if att.name_encoding == "raw":
        quoted = b'"' + name.encode(charset) + b'"'
        return b"; name=" + quoted, b"; filename=" + quoted
    if att.name_encoding == "rfc2047":
        word = b'"' + encoded_words(name, "utf-8", "B").replace("\r\n ", " ").encode() + b'"'
        return b"; name=" + word, b"; filename=" + word
    # RFC 2231, split into continuations the way Thunderbird does for long names.
    tokens = [
        chr(b) if (b < 128 and chr(b).isalnum()) or chr(b) in "-_." else f"%{b:02X}"
        for b in name.encode("utf-8")
    ]
    encoded = "".join(tokens)
    pieces = [""]
    for token in tokens:  # split between escapes, never inside one
        if len(pieces[-1]) + len(token) > 60:
            pieces.append("")
        pieces[-1] += token
    if len(pieces) == 1:
        disp = f"; filename*=utf-8''{encoded}"
    else:
        disp = "".join(
            f";\r\n filename*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{piece}"
            for i, piece in enumerate(pieces)
        )
    return f"; name*=utf-8''{encoded}".encode(), disp.encode()


# --------------------------------------------------------------------------- bodies


def _text_bytes(text: str, charset: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(charset)


def encode_body(data: bytes, encoding: BodyEncoding) -> bytes:
    """Apply a Content-Transfer-Encoding to already charset-encoded bytes."""
    if encoding == "base64":
        b64 = base64.b64encode(data)
        return CRLF.join(b64[i : i + 76] for i in range(0, len(b64), 76))
    if encoding == "quoted-printable":
        return email.quoprimime.body_encode(data.decode("latin-1"), eol="\r\n").encode("latin-1")
    return data


def text_part(
    text: str,
    subtype: str = "plain",
    charset: str = "utf-8",
    encoding: BodyEncoding = "quoted-printable",
    *,
    declared_charset: str | None = None,
    extra_params: str = "",
) -> bytes:
    """A complete text/* MIME part (headers, blank line, body)."""
    label = charset if declared_charset is None else declared_charset
    ctype = f"Content-Type: text/{subtype}"
    if label:
        ctype += f'; charset="{label}"'
    head = [
        ctype.encode() + extra_params.encode(),
        f"Content-Transfer-Encoding: {encoding}".encode(),
    ]
    return CRLF.join(head) + CRLF + CRLF + encode_body(_text_bytes(text, charset), encoding)


def attachment_part(att: Attachment, charset: str = "utf-8") -> bytes:
    """An attachment MIME part, base64-encoded, with its name encoded as ``att`` says."""
    type_param, disp_param = _filename_params(att, charset)
    disposition = b"inline" if att.inline else b"attachment"
    head = [
        b"Content-Type: " + att.content_type.encode() + type_param,
        b"Content-Transfer-Encoding: base64",
        b"Content-Disposition: " + disposition + disp_param,
    ]
    if att.content_id:
        head.append(f"Content-ID: <{att.content_id}>".encode())
    return CRLF.join(head) + CRLF + CRLF + encode_body(att.payload, "base64")


def multipart(
    subtype: str, parts: Sequence[bytes], boundary: str, *, preamble: bool = False
) -> bytes:
    """A multipart entity (headers included) around already built ``parts``."""
    b = boundary.encode()
    out = [f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"'.encode(), b""]
    if preamble:
        out.append(b"This is a multi-part message in MIME format.")
    for part in parts:
        out += [b"--" + b, part]
    out += [b"--" + b + b"--", b""]
    return CRLF.join(out)


# --------------------------------------------------------------------------- blobs


def price_list_xlsx(rows: int = 40, seed: int = 0) -> bytes:
    """A small but real .xlsx (a ZIP of SpreadsheetML) with a price list."""
    rng = random.Random(seed)
    goods = [
        "Труба стальная 57х3,5",
        "Отвод 90° Ду50",
        "Фланец Ду80",
        "Задвижка 30с41нж",
        "Кран шаровой Ду25",
    ]
    cells = []
    for r in range(1, rows + 1):
        name = rng.choice(goods)
        price = rng.randint(100, 90000) / 100
        cells.append(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{name}</t></is></c>'
            f'<c r="B{r}"><v>{price}</v></c></row>'
        )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>' + "".join(cells) + "</sheetData></worksheet>"
    )
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"/>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 6, 1, 0, 0, 0)), text.encode())
    return buf.getvalue()


def layout_pdf(size: int = 60_000, seed: int = 0) -> bytes:
    """A PDF-looking blob of about ``size`` bytes (header, binary stream, trailer)."""
    rng = random.Random(seed)
    head = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length " + str(size).encode() + b" >>\nstream\n"
    )
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return head + rng.randbytes(max(0, size - len(head) - len(tail))) + tail


def invoice_pdf(number: str = "1234", amount: str = "125 400,00") -> bytes:
    """A tiny PDF-looking invoice naming its number and amount."""
    text = f"BT /F1 12 Tf (Schet na oplatu N {number} summa {amount} RUB) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Length "
        + str(len(text)).encode()
        + b" >>\nstream\n"
        + text
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


# --------------------------------------------------------------------------- calendar


def _fold_ics(line: str) -> bytes:
    data = line.encode("utf-8")
    out: list[bytes] = []
    current = b""
    for char in line:
        enc = char.encode("utf-8")
        if len(current) + len(enc) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += enc
    out.append(current)
    return b"\r\n ".join(out) if len(data) > 75 else data


def icalendar(
    method: str = "REQUEST",
    *,
    uid: str = "meeting-1@letterpress.test",
    summary: str = "Обсуждение поставки труб",
    start: datetime = datetime(2024, 6, 10, 11, 0, tzinfo=MSK),
    minutes: int = 60,
    organizer: Address = ("Иван Петров", "ivan.petrov@stroymash.ru"),
    attendees: Sequence[Address] = (("Мария Сидорова", "m.sidorova@letterpress.test"),),
    sequence: int = 0,
    location: str = "Переговорная 2",
) -> bytes:
    """A VCALENDAR with one VEVENT; CANCEL marks the event cancelled."""

    def utc(dt: datetime) -> str:
        return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Letterpress tests//letters//RU",
        "VERSION:2.0",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc(DEFAULT_DATE)}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(start + timedelta(minutes=minutes))}",
        f"SEQUENCE:{sequence}",
        f"SUMMARY:{summary}",
        f"LOCATION:{location}",
        f'ORGANIZER;CN="{organizer[0]}":mailto:{organizer[1]}',
    ]
    lines += [
        f'ATTENDEE;CN="{n}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{m}'
        for n, m in attendees
    ]
    lines += [
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return CRLF.join(_fold_ics(line) for line in lines)


# --------------------------------------------------------------------------- letters


def _message_id(*parts: object) -> str:
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:16]
    return f"{digest}@letterpress.test"


def _boundary(tag: str, *parts: object) -> str:
    return f"----=_{tag}_" + hashlib.md5(repr(parts).encode()).hexdigest()[:20]


def letter(
    *,
    subject: str = "Прайс-лист на июнь",
    sender: Address | str = ("Иван Петров", "ivan.petrov@stroymash.ru"),
    to: Sequence[Address | str] = (("Мария Сидорова", "m.sidorova@letterpress.test"),),
    cc: Sequence[Address | str] = (),
    bcc: Sequence[Address | str] = (),
    reply_to: Sequence[Address | str] = (),
    body: str = "Добрый день!\n\nНаправляем актуальный прайс-лист.\n\nС уважением,\nИван Петров",
    html: str | None = None,
    charset: str = "utf-8",
    declared_charset: str | None = None,
    body_encoding: BodyEncoding = "quoted-printable",
    header_charset: str | None = None,
    header_mode: HeaderMode = "B",
    attachments: Sequence[Attachment] = (),
    calendar: bytes | None = None,
    calendar_method: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    date: datetime | str | None = DEFAULT_DATE,
    extra_headers: Sequence[tuple[str, str | bytes]] = (),
) -> bytes:
    """A letter as raw bytes.

    ``charset`` encodes the body, ``declared_charset`` (if given) is what the letter claims
    (set it to a wrong or unknown name for broken letters, or to "" to declare none).
    ``header_charset``/``header_mode`` control subject and display names: RFC 2047 ``B``/``Q``
    words or ``raw`` 8-bit bytes. ``calendar`` adds a text/calendar part (Outlook style: inside
    the alternative, plus an ``invite.ics`` attachment).
    """
    hcs = header_charset or charset
    if message_id is None:
        message_id = _message_id(subject, sender, to, date, body[:40])
    headers: list[bytes] = []
    headers.append(b"From: " + format_address(sender, hcs, header_mode))
    if to:
        headers.append(b"To: " + _address_list(to, hcs, header_mode))
    if cc:
        headers.append(b"Cc: " + _address_list(cc, hcs, header_mode))
    if bcc:
        headers.append(b"Bcc: " + _address_list(bcc, hcs, header_mode))
    if reply_to:
        headers.append(b"Reply-To: " + _address_list(reply_to, hcs, header_mode))
    headers.append(b"Subject: " + header_text(subject, hcs, header_mode))
    if date is not None:
        value = date if isinstance(date, str) else date.strftime("%a, %d %b %Y %H:%M:%S %z")
        headers.append(b"Date: " + value.encode())
    headers.append(f"Message-ID: <{message_id}>".encode())
    if in_reply_to:
        headers.append(f"In-Reply-To: <{in_reply_to}>".encode())
    if references:
        headers.append(b"References: " + b"\r\n ".join(f"<{r}>".encode() for r in references))
    headers.append(b"MIME-Version: 1.0")
    for name, extra in extra_headers:
        headers.append(
            name.encode() + b": " + (extra if isinstance(extra, bytes) else extra.encode())
        )
    headers.append(b"X-Mailer: Letterpress test builder")

    plain = text_part(body, "plain", charset, body_encoding, declared_charset=declared_charset)
    alternatives = [plain]
    if html is not None:
        alternatives.append(
            text_part(html, "html", charset, body_encoding, declared_charset=declared_charset)
        )
    if calendar is not None:
        method = calendar_method or _calendar_method(calendar)
        alternatives.append(
            text_part(
                calendar.decode("utf-8"),
                "calendar",
                "utf-8",
                "base64",
                extra_params=f"; method={method}",
            )
        )
    seed = (message_id, subject)
    if len(alternatives) == 1:
        content = plain
    else:
        content = multipart("alternative", alternatives, _boundary("Alt", *seed))
    extras = list(attachments)
    if calendar is not None:
        extras.append(Attachment("invite.ics", "application/ics", calendar, "plain"))
    if extras:
        parts = [content] + [attachment_part(a, hcs) for a in extras]
        content = multipart("mixed", parts, _boundary("Mix", *seed), preamble=True)
    return CRLF.join(headers) + CRLF + content


def _calendar_method(ics: bytes) -> str:
    for line in ics.splitlines():
        if line.upper().startswith(b"METHOD:"):
            return line[7:].decode("ascii", "replace").strip()
    return "PUBLISH"


def reply(parent_id: str, parent_refs: Sequence[str] = (), **kwargs: object) -> bytes:
    """A reply: In-Reply-To the parent, References = parent's references + parent."""
    kwargs.setdefault("subject", "Re: Прайс-лист на июнь")
    kwargs.setdefault("sender", ("Мария Сидорова", "m.sidorova@letterpress.test"))
    kwargs.setdefault("to", (("Иван Петров", "ivan.petrov@stroymash.ru"),))
    kwargs.setdefault("body", "Спасибо, получили.\n\n> Направляем актуальный прайс-лист.")
    return letter(in_reply_to=parent_id, references=(*parent_refs, parent_id), **kwargs)  # type: ignore[arg-type]


def invitation(method: str = "REQUEST", **kwargs: object) -> bytes:
    """An Outlook-style meeting invitation (``REQUEST``) or cancellation (``CANCEL``)."""
    ics_args = {
        k: kwargs.pop(k) for k in ("uid", "summary", "start", "minutes", "sequence") if k in kwargs
    }
    ics = icalendar(method, **ics_args)  # type: ignore[arg-type]
    summary = str(ics_args.get("summary", "Обсуждение поставки труб"))
    kwargs.setdefault(
        "subject", ("Отменено: " if method == "CANCEL" else "Приглашение: ") + summary
    )
    kwargs.setdefault("body", "Приглашаю на встречу по поставке.\nПереговорная 2, 10 июня, 11:00.")
    kwargs.setdefault("html", "<p>Приглашаю на встречу по поставке.</p>")
    return letter(calendar=ics, calendar_method=method, **kwargs)  # type: ignore[arg-type]


def bulk_letter(
    list_id: str = "Новости СтройМаш <news.stroymash.ru>",
    precedence: str | None = "bulk",
    auto_submitted: str | None = None,
    **kwargs: object,
) -> bytes:
    """A newsletter (List-Id, Precedence, List-Unsubscribe) or an auto-reply."""
    extra: list[tuple[str, str | bytes]] = []
    if list_id:
        name, _, rest = list_id.partition("<")
        value = (
            (encoded_words(name.strip()) + " <" + rest) if rest and not name.isascii() else list_id
        )
        extra.append(("List-Id", value))
        extra.append(("List-Unsubscribe", "<mailto:unsubscribe@stroymash.ru>"))
    if precedence:
        extra.append(("Precedence", precedence))
    if auto_submitted:
        extra.append(("Auto-Submitted", auto_submitted))
    kwargs.setdefault("subject", "Новинки июня: скидки на трубы до 15%")
    kwargs.setdefault("sender", ("СтройМаш", "news@stroymash.ru"))
    kwargs.setdefault("html", "<h1>Новинки июня</h1><p>Скидки на трубы до 15%</p>")
    return letter(extra_headers=extra, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- corpora
# The corpora live in letterpress.testing.corpora (this module would pass 800 lines); these
# wrappers keep them reachable from here, imported late because corpora builds on this module.


def mixed_corpus(n: int, seed: int = 0) -> Iterator[bytes]:
    """``n`` ordinary letters in a sales mailbox's proportions (see :mod:`.corpora`)."""
    from letterpress.testing.corpora import mixed_corpus as build

    return build(n, seed)


def malformed_samples(n: int, seed: int = 0, *, huge: int = 1) -> Iterator[Sample]:
    """``n`` hostile letters with the kind of damage named (see :mod:`.corpora`)."""
    from letterpress.testing.corpora import malformed_samples as build

    return build(n, seed, huge=huge)


def malformed_corpus(n: int, seed: int = 0, *, huge: int = 1) -> Iterator[bytes]:
    """``n`` hostile letters as raw bytes, ``huge`` of them with a 10 MB attachment."""
    from letterpress.testing.corpora import malformed_corpus as build

    return build(n, seed, huge=huge)
