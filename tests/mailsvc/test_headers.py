"""RFC 2047 words, raw 8-bit header text and message identifiers."""

from __future__ import annotations

import base64

import pytest

from letterpress.mailsvc.headers import decode_header_value, message_ids, single_line


def _raw(data: bytes) -> str:
    """A header value as compat32 keeps it: 8-bit bytes as surrogate escapes."""
    return data.decode("ascii", "surrogateescape")


def test_b_and_q_words_and_plain_text() -> None:
    value = "Re: =?utf-8?B?0J/RgNCw0LnRgQ==?= =?koi8-r?Q?=CC=C9=D3=D4?= (2024)"
    assert decode_header_value(value) == "Re: Прайслист (2024)"


def test_character_split_across_two_words_survives() -> None:
    data = "Счёт".encode()
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    assert decode_header_value(f"=?utf-8?B?{first}?=\r\n =?UTF-8?B?{second}?=") == "Счёт"


def test_unknown_charset_in_a_word_is_recovered_and_noted() -> None:
    word = base64.b64encode("Акт сверки".encode("cp1251")).decode()
    result = decode_header_value(f"=?cp-1251?B?{word}?=")
    assert result == "Акт сверки"
    assert result.notes and "cp-1251" in result.notes[0]


def test_raw_8bit_text_is_decoded_with_a_note() -> None:
    result = decode_header_value(_raw("Счёт на оплату № 15".encode("cp1251")))
    assert result == "Счёт на оплату № 15"
    assert result.notes == ("decoded from raw 8-bit as windows-1251",)


def test_raw_utf8_is_legal_and_not_noted() -> None:
    result = decode_header_value(_raw("Счёт".encode()))
    assert (result, result.notes) == ("Счёт", ())


def test_bad_base64_padding_is_tolerated() -> None:
    assert decode_header_value("=?utf-8?B?0J/RgNC40LLQtdGC?=") == "Привет"
    assert decode_header_value("=?utf-8?B?0J/RgNC40LLQtdGC0?=") == "Привет"


def test_single_line_removes_injected_line_breaks() -> None:
    assert single_line("Счёт\r\nBcc: x@evil.example\x00") == ("Счёт Bcc: x@evil.example", True)
    assert single_line(" clean ") == ("clean", False)


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("<a@b>", ["a@b"]),
        ("  < a@b >  ", ["a@b"]),
        ("<a@b> <c@d>\r\n <a@b>", ["a@b", "c@d"]),
        ("Your message of Mon <x@y.ru>", ["x@y.ru"]),
        ("no angle brackets a@b here", ["a@b"]),
        ("garbage", []),
        ("", []),
        (None, []),
    ],
)
def test_message_ids(value: str | None, ids: list[str]) -> None:
    assert message_ids(value) == ids


def test_message_ids_limit_keeps_first_and_last() -> None:
    value = " ".join(f"<{i}@x>" for i in range(10))
    assert message_ids(value, limit=4) == ["0@x", "7@x", "8@x", "9@x"]
