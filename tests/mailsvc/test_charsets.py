"""The fallback decoder: labels, aliases, mislabelled bytes, and never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from letterpress.mailsvc.charsets import cyrillic_score, decode_bytes, normalise_charset

RUSSIAN = [
    "Прайс-лист на июнь",
    "Счёт на оплату",
    "Отгрузка задерживается",
    "Иван Петров",
    "Мария Сидорова",
    "Добрый день!",
    "Цены указаны с НДС.",
    "СРОЧНО",
    "ООО Ромашка",
    "Спасибо за сотрудничество.",
    "Здравствуйте",
    "Акт сверки за второй квартал",
]


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("windows-1251", "cp1251"),
        ("WINDOWS-1251", "cp1251"),
        ('"koi8-r"', "koi8_r"),
        ("cp-1251", "cp1251"),
        ("win-1251", "cp1251"),
        ("x-cp1251", "cp1251"),
        ("koi8r", "koi8_r"),
        ("utf8", "utf_8"),
        ("x-mac-cyrillic", "mac_cyrillic"),
        ("gb2312", "gb18030"),
        ("utf-88", None),
        ("x-unknown", None),
        ("base64", None),
        ("undefined", None),
        ("idna", None),
        ("", None),
        (None, None),
        ("\x00utf-8", "utf_8"),
    ],
)
def test_labels(label: str | None, codec: str | None) -> None:
    assert normalise_charset(label) == codec


@pytest.mark.parametrize("text", RUSSIAN)
@pytest.mark.parametrize("charset", ["cp1251", "koi8_r"])
def test_unlabelled_single_byte_russian_is_guessed(text: str, charset: str) -> None:
    decoded = decode_bytes(text.encode(charset), None)
    assert decoded.text == text
    assert (
        decoded.note
        == f"decoded from raw 8-bit as {'windows-1251' if charset == 'cp1251' else 'koi8-r'}"
    )


@pytest.mark.parametrize("text", RUSSIAN)
def test_each_phrase_scores_higher_in_its_own_charset(text: str) -> None:
    for own, other in (("cp1251", "koi8_r"), ("koi8_r", "cp1251")):
        data = text.encode(own)
        assert cyrillic_score(data, own) > cyrillic_score(data, other)


def test_unlabelled_utf8_is_not_a_repair() -> None:
    assert decode_bytes("Привет".encode(), None).note is None


def test_declared_and_fitting_label_is_followed() -> None:
    decoded = decode_bytes("Привет, мир".encode("koi8-r"), "koi8-r")
    assert (decoded.text, decoded.charset, decoded.note) == ("Привет, мир", "koi8-r", None)


def test_unregistered_alias_is_noted() -> None:
    decoded = decode_bytes("Привет".encode("cp1251"), "cp-1251")
    assert decoded.text == "Привет"
    assert "not a registered name" in (decoded.note or "")


def test_unknown_label_falls_back() -> None:
    decoded = decode_bytes("Акт сверки".encode("cp1251"), "x-unknown")
    assert decoded.text == "Акт сверки"
    assert decoded.note == "decoded as windows-1251: charset 'x-unknown' is unknown"


@pytest.mark.parametrize(
    ("actual", "declared", "expected"),
    [
        ("cp1251", "koi8-r", "windows-1251"),
        ("koi8-r", "windows-1251", "koi8-r"),
        ("cp1251", "iso-8859-1", "windows-1251"),
        ("cp1251", "us-ascii", "windows-1251"),
        ("cp1251", "utf-8", "windows-1251"),
        ("utf-8", "windows-1251", "utf-8"),
        ("utf-8", "iso-8859-1", "utf-8"),
    ],
)
def test_wrong_label_is_overridden(actual: str, declared: str, expected: str) -> None:
    text = "Просим согласовать макет до пятницы"
    decoded = decode_bytes(text.encode(actual), declared)
    assert decoded.text == text
    assert decoded.charset == expected
    assert decoded.note is not None and declared in decoded.note


def test_genuine_latin1_keeps_its_label() -> None:
    decoded = decode_bytes("Café Müller, Straße".encode("latin-1"), "iso-8859-1")
    assert (decoded.text, decoded.note) == ("Café Müller, Straße", None)


def test_short_text_keeps_its_cyrillic_label() -> None:
    """Three letters are too few to argue with a label: НДС reads as something in both."""
    assert decode_bytes("НДС".encode("koi8-r"), "koi8-r").note is None


def test_utf8_with_a_stray_cp1251_byte() -> None:
    data = "Привет, мир и все".encode() + "ж".encode("cp1251")
    decoded = decode_bytes(data, "utf-8")
    assert decoded.text == "Привет, мир и всеж"
    assert "stray" in (decoded.note or "")


def test_multibyte_label_with_a_few_bad_bytes_keeps_the_label() -> None:
    data = ("日本語のテキスト" * 20).encode("cp932") + b"\x82 "
    decoded = decode_bytes(data, "shift_jis")
    assert decoded.text.startswith("日本語のテキスト")
    assert "replaced" in (decoded.note or "")


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=300),
    label=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "utf-8",
                "cp-1251",
                "koi8-r",
                "utf-16",
                "utf-7",
                "base64",
                "idna",
                "gb2312",
                "us-ascii",
            ]
        ),
        st.text(max_size=20),
    ),
)
def test_never_raises_and_always_gives_utf8_encodable_text(data: bytes, label: str | None) -> None:
    decoded = decode_bytes(data, label)
    decoded.text.encode("utf-8")
    if data.isascii():
        assert decoded.text == data.decode("ascii")
