"""Hand-written real-world letters in tests/data/mail/, broken ones included.

Each file imitates one mail program or one kind of damage (Outlook, The Bat!, Thunderbird,
1C:Enterprise with raw 8-bit headers, an unknown ``cp-1251`` label, a truncated transfer, a
boundary that does not match, an HTML error page saved as .eml). Where plain mail-parser loses
the text, the test says so, so that the repair stays visible.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import mailparser
import pytest

from letterpress.errors import ParseFailure
from letterpress.mailsvc.parse import ParsedLetter, parse_letter

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str) -> ParsedLetter:
    return parse_letter(load(name))


def test_every_file_parses_or_fails_cleanly() -> None:
    files = sorted(DATA.glob("*.eml"))
    assert len(files) >= 12
    for path in files:
        try:
            parsed = parse_letter(path.read_bytes())
        except ParseFailure:
            assert path.name == "not-a-letter.eml"
        else:
            assert parsed.size == path.stat().st_size


def test_outlook_cp1251_quoted_printable_with_inline_image() -> None:
    p = parse("outlook-cp1251-qp-inline-image.eml")
    assert p.subject == "Коммерческое предложение по трубам"
    assert [tuple(a) for a in p.addresses] == [
        ("from", "Петров Иван Сергеевич", "i.petrov@stroymash.ru"),
        ("to", "Сидорова Мария", "m.sidorova@letterpress.test"),
        ("cc", "Отдел снабжения", "snab@stroymash.ru"),
        ("cc", "", "buh@stroymash.ru"),
    ]
    assert "Ду50–Ду100" in p.text_plain and "ООО «СтройМаш»" in p.text_plain
    assert 'src="cid:image001.png@01DAB6F0.1A2B3C40"' in p.text_html
    image, offer = p.attachments
    assert (image.filename, image.content_id, image.is_inline) == (
        "image001.png",
        "image001.png@01DAB6F0.1A2B3C40",
        True,
    )
    assert image.payload.startswith(b"\x89PNG")
    assert (offer.filename, offer.content_type, offer.is_inline) == (
        "КП СтройМаш июнь 2024.pdf",
        "application/pdf",
        False,
    )
    assert offer.payload.startswith(b"%PDF-1.4")
    assert p.date == datetime(2024, 6, 4, 6, 14, 55, tzinfo=UTC)
    assert (p.defects, p.warnings) == ((), ())


def test_the_bat_koi8r_8bit() -> None:
    p = parse("thebat-koi8r-8bit.eml")
    assert p.subject == "Отгрузка задерживается"
    assert p.sender is not None and p.sender.name == "Ольга Кузнецова"
    assert p.role("reply_to")[0][1:] == ("Снабжение", "zakaz@teplocom.ru")
    assert "ждём фланцы с завода" in p.text_plain
    assert p.date is not None and p.date.utcoffset() == timedelta(hours=5)


def test_raw_8bit_cp1251_headers_from_1c() -> None:
    raw = load("raw-8bit-cp1251-headers.eml")
    plain = mailparser.parse_from_bytes(raw)
    assert plain.subject == "1517  05.06.2024"  # what mail-parser keeps of the subject
    p = parse_letter(raw)
    assert p.subject == "Счёт на оплату № 1517 от 05.06.2024"
    assert p.sender is not None and p.sender.name == "Бухгалтерия ПромСнаб"
    assert p.text_plain.startswith("Во вложении счёт на оплату № 1517.")
    assert [a.filename for a in p.attachments] == ["Счёт 1517.pdf"]
    assert "subject decoded from raw 8-bit as windows-1251" in p.warnings
    assert "text/plain body decoded from raw 8-bit as windows-1251" in p.warnings


def test_unknown_charset_cp_1251() -> None:
    raw = load("unknown-charset-cp-1251.eml")
    plain = mailparser.parse_from_bytes(raw)
    assert plain.subject == ""
    p = parse_letter(raw)
    assert p.subject == "Акт сверки за второй квартал"
    assert p.sender is not None and p.sender.name == "Алексей Смирнов"
    assert p.text_plain.startswith("Добрый день! Направляем акт сверки")
    assert len(p.warnings) == 3 and all("cp-1251" in w for w in p.warnings)


def test_thunderbird_rfc2231_continuation_and_thread() -> None:
    p = parse("thunderbird-rfc2231-reply.eml")
    assert p.subject == "Re: Прайс-лист на июнь"
    assert p.message_id == "e3c1f7a2-5b1d-4c8e-9f00-1a2b3c4d5e6f@stroymash.ru"
    assert p.in_reply_to == "20240606.abc@letterpress.test"
    assert p.references == ("7A1B2C3D4E5F@EXCH01.stroymash.local", "20240606.abc@letterpress.test")
    assert p.role("sender")[0].email == "robot@stroymash.ru"
    assert p.role("cc")[0].name == "Petrov, Ivan"
    (attachment,) = p.attachments
    assert attachment.filename == "Прайс-лист ООО СтройМаш на июнь 2024 года (оптовые цены).xlsx"
    assert attachment.payload.startswith(b"PK\x03\x04") and attachment.size == 4 + 1024


@pytest.mark.parametrize(
    ("name", "method"),
    [("outlook-invitation-request.eml", "REQUEST"), ("outlook-invitation-cancel.eml", "CANCEL")],
)
def test_outlook_invitations(name: str, method: str) -> None:
    p = parse(name)
    (calendar,) = p.calendars
    assert calendar.method == method
    assert calendar.content_type == "text/calendar"
    assert b"UID:040000008200E00074C5B7101A82E008" in calendar.data
    assert "Совещание по поставке труб".encode() in calendar.data
    assert p.text_plain.startswith("Когда: 11 июня 2024")
    assert p.attachments == ()


def test_newsletter_and_autoreply_are_bulk() -> None:
    news = parse("newsletter-list-id.eml")
    assert (news.list_id, news.precedence, news.is_bulk) == ("news.stroymash.ru", "bulk", True)
    assert (
        news.list_unsubscribe is not None and "mailto:unsub@stroymash.ru" in news.list_unsubscribe
    )
    assert news.text_plain.startswith("Новинки июня") and "<h1>Новинки июня</h1>" in news.text_html
    auto = parse("autoreply-koi8r.eml")
    assert (auto.auto_submitted, auto.is_bulk) == ("auto-replied", True)
    assert auto.subject == "Автоответ: Отгрузка задерживается"
    assert auto.in_reply_to == "1837465203.20240603174210@teplocom.ru"


def test_broken_boundary_and_wrong_charset() -> None:
    raw = load("broken-boundary-wrong-charset.eml")
    assert mailparser.parse_from_bytes(raw).attachments == []
    p = parse_letter(raw)
    assert p.text_plain.strip() == "Договор поставки во вложении, подпишите, пожалуйста."
    assert [a.filename for a in p.attachments] == ["dogovor.pdf"]
    assert p.attachments[0].payload.startswith(b"%PDF")
    assert any("re-split on '==actual=='" in d for d in p.defects)
    assert p.warnings == (
        "text/plain body decoded as windows-1251: the bytes do not fit declared 'us-ascii'",
    )


def test_truncated_attachment_keeps_what_arrived() -> None:
    p = parse("truncated-attachment.eml")
    assert p.text_plain.strip() == "Макет во вложении."
    (attachment,) = p.attachments
    expected = bytes((i * 7) % 256 for i in range(3000))
    assert 0 < attachment.size < len(expected)
    assert expected.startswith(attachment.payload[: attachment.size - 3])
    assert any("CloseBoundaryNotFoundDefect" in d for d in p.defects)


def test_injection_and_nul_bytes() -> None:
    p = parse("injection-nul.eml")
    assert p.subject == "Счёт Bcc: victim@evil.example"
    assert p.role("bcc") == ()
    assert p.text_plain == "Текст с нулевыми байтами.\n"
    assert len(p.defects) == 2


def test_not_a_letter() -> None:
    with pytest.raises(ParseFailure, match="no header fields"):
        parse("not-a-letter.eml")
