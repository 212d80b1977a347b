"""parse_letter on letters built by letterpress.testing.letters: charsets, parts, headers."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import mailparser
import pytest

from letterpress.errors import LetterError, ParseFailure
from letterpress.mailsvc import mime
from letterpress.mailsvc.parse import Address, ParsedLetter, parse_letter
from letterpress.testing import letters as L
from letterpress.testing.corpora import nested

SUBJECT = "Счёт на оплату и прайс-лист"
BODY = (
    "Добрый день!\n\nВо вложении счёт на оплату.\nЦены указаны с НДС.\n\nС уважением,\nИван Петров"
)
SENDER = ("Иван Петров", "Ivan.Petrov@StroyMash.ru")
TO = ("Мария Сидорова", "m.sidorova@letterpress.test")


def _letter(**kwargs: object) -> bytes:
    kwargs.setdefault("subject", SUBJECT)
    kwargs.setdefault("body", BODY)
    kwargs.setdefault("sender", SENDER)
    kwargs.setdefault("to", (TO,))
    return L.letter(**kwargs)  # type: ignore[arg-type]


CHARSET_CASES = [
    (charset, encoding, mode)
    for charset, encodings in (
        ("utf-8", ("quoted-printable", "base64", "8bit")),
        ("windows-1251", ("8bit", "quoted-printable", "base64")),
        ("koi8-r", ("8bit", "base64", "quoted-printable")),
    )
    for encoding in encodings
    for mode in ("B", "Q")
]


@pytest.mark.parametrize(("charset", "encoding", "mode"), CHARSET_CASES)
def test_declared_charsets_give_the_right_cyrillic(charset: str, encoding: str, mode: str) -> None:
    html = "<p>Во вложении счёт на оплату.</p>"
    parsed = parse_letter(
        _letter(
            charset=charset,
            body_encoding=encoding,
            header_mode=mode,
            html=html,
            cc=(("Ольга Кузнецова", "olga@teplocom.ru"),),
        )
    )
    assert parsed.subject == SUBJECT
    assert parsed.text_plain == BODY
    assert parsed.text_html == html
    assert parsed.role("from") == (Address("from", "Иван Петров", "ivan.petrov@stroymash.ru"),)
    assert parsed.role("to") == (Address("to", "Мария Сидорова", "m.sidorova@letterpress.test"),)
    assert parsed.role("cc") == (Address("cc", "Ольга Кузнецова", "olga@teplocom.ru"),)
    assert parsed.defects == ()
    assert parsed.warnings == ()


@pytest.mark.parametrize("body_charset", ["windows-1251", "utf-8"])
def test_raw_8bit_cp1251_headers_are_recovered_where_mail_parser_drops_them(
    body_charset: str,
) -> None:
    raw = _letter(
        charset=body_charset, header_charset="windows-1251", header_mode="raw", body_encoding="8bit"
    )
    plain = mailparser.parse_from_bytes(raw)
    assert plain.subject != SUBJECT  # mail-parser drops the Cyrillic (the notes: "','")
    assert "Иван" not in str(plain.from_)
    parsed = parse_letter(raw)
    assert parsed.subject == SUBJECT
    assert parsed.sender == Address("from", "Иван Петров", "ivan.petrov@stroymash.ru")
    assert parsed.role("to")[0].name == "Мария Сидорова"
    assert parsed.text_plain == BODY
    assert "subject decoded from raw 8-bit as windows-1251" in parsed.warnings
    assert "from decoded from raw 8-bit as windows-1251" in parsed.warnings


def test_raw_8bit_koi8r_headers() -> None:
    raw = _letter(charset="koi8-r", header_mode="raw", body_encoding="8bit")
    parsed = parse_letter(raw)
    assert (parsed.subject, parsed.sender and parsed.sender.name) == (SUBJECT, "Иван Петров")
    assert "subject decoded from raw 8-bit as koi8-r" in parsed.warnings


def test_unknown_charset_cp_1251_is_recovered_where_mail_parser_gives_nothing() -> None:
    raw = _letter(
        charset="windows-1251",
        declared_charset="cp-1251",
        body_encoding="quoted-printable",
        header_mode="B",
    )
    raw = raw.replace(b"=?windows-1251?", b"=?cp-1251?")
    plain = mailparser.parse_from_bytes(raw)
    assert not any("\u0400" <= char <= "\u04ff" for char in plain.subject)  # all Cyrillic gone
    assert BODY.split("\n")[0] not in "".join(plain.text_plain)
    parsed = parse_letter(raw)
    assert parsed.subject == SUBJECT
    assert parsed.sender and parsed.sender.name == "Иван Петров"
    assert parsed.text_plain == BODY
    assert any("cp-1251" in w and w.startswith("text/plain body") for w in parsed.warnings)
    assert any(
        w.startswith("subject encoded word decoded as windows-1251") for w in parsed.warnings
    )


@pytest.mark.parametrize("declared", ["", "us-ascii", "koi8-r", "iso-8859-1", "utf-8", "x-unknown"])
def test_body_without_or_with_a_wrong_charset(declared: str) -> None:
    raw = _letter(charset="windows-1251", declared_charset=declared, body_encoding="8bit")
    parsed = parse_letter(raw)
    assert parsed.text_plain == BODY
    assert len(parsed.warnings) == 1 and parsed.warnings[0].startswith("text/plain body decoded")


def test_attachments_with_russian_names_in_every_encoding() -> None:
    xlsx = L.price_list_xlsx(30, seed=1)
    pdf = L.layout_pdf(50_000, seed=2)
    invoice = L.invoice_pdf("1517", "98 000,00")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    raw = _letter(
        html="<p>Макет: <img src='cid:logo@x'></p>",
        attachments=[
            L.Attachment(
                "Прайс-лист на июнь 2024 года, оптовые цены.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
                "rfc2231",
            ),
            L.Attachment("Макет буклета.pdf", "application/pdf", pdf, "rfc2047"),
            L.Attachment("Счёт № 1517.pdf", "application/pdf", invoice, "raw"),
            L.Attachment("logo.png", "image/png", png, "plain", inline=True, content_id="logo@x"),
        ],
    )
    parsed = parse_letter(raw)
    names = [a.filename for a in parsed.attachments]
    assert names == [
        "Прайс-лист на июнь 2024 года, оптовые цены.xlsx",
        "Макет буклета.pdf",
        "Счёт № 1517.pdf",
        "logo.png",
    ]
    xlsx_part, pdf_part, invoice_part, png_part = parsed.attachments
    assert xlsx_part.payload == xlsx and xlsx_part.size == len(xlsx)
    assert (
        zipfile.ZipFile(io.BytesIO(xlsx_part.payload)).namelist()[-1] == "xl/worksheets/sheet1.xml"
    )
    assert pdf_part.payload == pdf and pdf_part.content_type == "application/pdf"
    assert pdf_part.sha256 == hashlib.sha256(pdf).hexdigest()
    assert invoice_part.payload == invoice and not invoice_part.is_inline
    assert (png_part.content_id, png_part.is_inline, png_part.payload) == ("logo@x", True, png)
    assert parsed.text_plain == BODY  # attachments never leak into the body


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_calendar_part_is_extracted(method: str) -> None:
    parsed = parse_letter(L.invitation(method, uid="meet-42@stroymash.ru", sequence=2))
    assert len(parsed.calendars) == 1  # inline and attached copies are the same bytes
    calendar = parsed.calendars[0]
    assert calendar.method == method
    assert b"UID:meet-42@stroymash.ru" in calendar.data
    assert calendar.data == L.icalendar(method, uid="meet-42@stroymash.ru", sequence=2)
    assert [a.filename for a in parsed.attachments] == ["invite.ics"]
    assert parsed.text_plain.startswith("Приглашаю на встречу")
    assert parsed.subject.startswith("Отменено: " if method == "CANCEL" else "Приглашение: ")


def test_threading_headers() -> None:
    raw = L.reply(
        "parent@stroymash.ru", ("root@letterpress.test",), message_id="child@letterpress.test"
    )
    parsed = parse_letter(raw)
    assert parsed.message_id == "child@letterpress.test"
    assert parsed.in_reply_to == "parent@stroymash.ru"
    assert parsed.references == ("root@letterpress.test", "parent@stroymash.ru")


def test_letter_without_threading_headers() -> None:
    raw = _letter().replace(b"Message-ID:", b"X-Old-Message-ID:")
    parsed = parse_letter(raw)
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == (None, None, ())


def test_bulk_flags() -> None:
    newsletter = parse_letter(L.bulk_letter())
    assert newsletter.list_id == "news.stroymash.ru"
    assert newsletter.precedence == "bulk"
    assert newsletter.list_unsubscribe == "<mailto:unsubscribe@stroymash.ru>"
    assert newsletter.is_bulk
    auto = parse_letter(L.bulk_letter(list_id="", precedence=None, auto_submitted="auto-replied"))
    assert (auto.list_id, auto.auto_submitted, auto.is_bulk) == (None, "auto-replied", True)
    human = parse_letter(L.bulk_letter(list_id="", precedence=None, auto_submitted="no"))
    assert not human.is_bulk
    assert not parse_letter(_letter()).is_bulk


def test_every_address_role() -> None:
    raw = _letter(
        to=(TO, "plain@letterpress.test"),
        cc=(("Petrov, Ivan", "IVAN@X.RU"),),
        bcc=(("Скрытый Получатель", "hidden@x.ru"),),
        reply_to=(("Отдел продаж", "sales@stroymash.ru"),),
        extra_headers=[("Sender", "Robot <robot@stroymash.ru>")],
    )
    parsed = parse_letter(raw)
    assert [tuple(a) for a in parsed.addresses] == [
        ("from", "Иван Петров", "ivan.petrov@stroymash.ru"),
        ("sender", "Robot", "robot@stroymash.ru"),
        ("reply_to", "Отдел продаж", "sales@stroymash.ru"),
        ("to", "Мария Сидорова", "m.sidorova@letterpress.test"),
        ("to", "", "plain@letterpress.test"),
        ("cc", "Petrov, Ivan", "ivan@x.ru"),
        ("bcc", "Скрытый Получатель", "hidden@x.ru"),
    ]


def test_unparseable_address_is_recovered_with_a_defect() -> None:
    raw = _letter(sender="Ivan <ivan@stroymash.ru")
    parsed = parse_letter(raw)
    assert parsed.sender == Address("from", "Ivan", "ivan@stroymash.ru")
    assert any(d.startswith("from: unclosed-delimiter") for d in parsed.defects)


def test_date_is_timezone_aware() -> None:
    parsed = parse_letter(_letter())
    assert parsed.date == datetime(2024, 6, 5, 10, 30, tzinfo=timezone(timedelta(hours=3)))
    assert parsed.date is not None and parsed.date.utcoffset() == timedelta(hours=3)
    utc = parse_letter(_letter(date="Wed, 05 Jun 2024 07:30:00 -0000"))
    assert utc.date == datetime(2024, 6, 5, 7, 30, tzinfo=UTC)
    assert parse_letter(_letter(date=None)).date is None


def test_broken_date_falls_back_to_received() -> None:
    raw = b"Received: from mx by mail; Thu, 06 Jun 2024 09:00:00 +0300\r\n" + _letter(
        date="31 Feb 2024 25:61"
    )
    parsed = parse_letter(raw)
    assert parsed.date == datetime(2024, 6, 6, 6, 0, tzinfo=UTC)
    assert "date taken from the Received header" in parsed.warnings
    assert any(d.startswith("date: cannot read") for d in parsed.defects)


def test_raw_hash_and_size() -> None:
    raw = _letter()
    parsed = parse_letter(raw)
    assert (parsed.sha256, parsed.size) == (hashlib.sha256(raw).hexdigest(), len(raw))
    assert isinstance(parsed, ParsedLetter)
    with pytest.raises(AttributeError):
        parsed.subject = "changed"  # type: ignore[misc]


def test_nul_bytes_are_removed_with_a_defect() -> None:
    raw = _letter(body_encoding="8bit").replace("Цены".encode(), b"\x00\x00" + "Цены".encode())
    parsed = parse_letter(raw)
    assert "\x00" not in parsed.text_plain and "Цены указаны" in parsed.text_plain
    assert any("NUL" in d for d in parsed.defects)


def test_encoded_crlf_in_subject_cannot_inject_a_header() -> None:
    evil = "Счёт\r\nBcc: victim@evil.example"
    parsed = parse_letter(_letter(subject=evil))
    assert parsed.subject == "Счёт Bcc: victim@evil.example"
    assert not parsed.role("bcc")
    assert "subject: control characters (CR, LF, NUL) removed" in parsed.defects


@pytest.mark.parametrize(("depth", "defect"), [(100, "levels cut"), (2000, "too deeply nested")])
def test_deep_nesting_is_cut(depth: int, defect: str) -> None:
    parsed = parse_letter(nested(depth))
    assert parsed.subject == "Deep nesting"
    assert any(defect in d for d in parsed.defects)


def test_nesting_within_the_limit_is_read() -> None:
    parsed = parse_letter(nested(mime.MAX_DEPTH - 1))
    assert parsed.text_plain.strip() == "Самое дно"


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"<html><body>502 Bad Gateway</body></html>\r\n"])
def test_not_a_letter_raises_parse_failure(raw: bytes) -> None:
    with pytest.raises(ParseFailure) as info:
        parse_letter(raw)
    assert isinstance(info.value, LetterError)


def test_unexpected_errors_become_parse_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(message: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("letterpress.mailsvc.parse.walk", explode)
    with pytest.raises(ParseFailure, match="RuntimeError: boom") as info:
        parse_letter(_letter())
    assert isinstance(info.value.__cause__, RuntimeError)


def test_str_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_letter("From: a@b\r\n\r\n")  # type: ignore[arg-type]


def test_bytearray_and_memoryview_are_accepted() -> None:
    raw = _letter()
    assert parse_letter(bytearray(raw)).sha256 == parse_letter(memoryview(raw)).sha256


def test_mail_parser_chatter_stays_off_the_root_logger(caplog: pytest.LogCaptureFixture) -> None:
    raw = _letter().replace(b"Content-Type: text/plain", b"Content-Type: text/x-two")
    root_level = logging.getLogger().level
    with caplog.at_level(logging.DEBUG):
        mailparser.parse_from_bytes(raw)  # would warn "Email content 'x-two' not handled"
        parsed = parse_letter(raw)
    assert not [r for r in caplog.records if r.name.startswith("mailparser")]
    assert logging.getLogger().level == root_level
    assert [a.content_type for a in parsed.attachments] == ["text/x-two"]


@pytest.mark.parametrize("junk", [b"\r\n", b"\xff", b"\x00\x00", b"+OK 2345 octets\r\n"])
def test_junk_before_the_header_is_skipped(junk: bytes) -> None:
    raw = junk + _letter()
    parsed = parse_letter(raw)
    assert (parsed.subject, parsed.text_plain) == (SUBJECT, BODY)
    assert parsed.sha256 == hashlib.sha256(raw).hexdigest()  # of the bytes as received
    assert parsed.defects == (f"{len(junk)} byte(s) before the first header field skipped",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 05 Jun 2024 10:30:00 +0300 (MSK)", datetime(2024, 6, 5, 7, 30, tzinfo=UTC)),
        ("5 Jun 2024 10:30 MSK", datetime(2024, 6, 5, 7, 30, tzinfo=UTC)),
        ("Wed, 5 Jun 24 10:30:00 GMT", datetime(2024, 6, 5, 10, 30, tzinfo=UTC)),
        ("2024-06-05 10:30:00", datetime(2024, 6, 5, 10, 30, tzinfo=UTC)),
        ("Wed, 31 Feb 2024 10:00:00 +0300", None),
    ],
)
def test_date_forms(value: str, expected: datetime | None) -> None:
    assert parse_letter(_letter(date=value)).date == expected


def test_an_html_only_letter_gets_its_readable_text_as_plain_text() -> None:
    raw = (
        "From: =?utf-8?b?0JjQstCw0L0=?= <ivan.petrov@stroymash.ru>\r\n"
        "To: m.sidorova@letterpress.test\r\nSubject: HTML\r\nMessage-ID: <h@stroymash.ru>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
        "<body><p>Счёт&nbsp;№ 42 &laquo;на оплату&raquo;</p><p>Срок: 5 дней</p></body></html>\r\n"
    ).encode()
    parsed = parse_letter(raw)
    assert "Счёт № 42 «на оплату»" in parsed.text_plain and "Срок: 5 дней" in parsed.text_plain
    assert "alert" not in parsed.text_plain and "color" not in parsed.text_plain
    assert parsed.text_html.startswith("<html>")
