"""Cell converters: the spellings an ERP export uses, and the reasons bad cells are refused."""

from __future__ import annotations

import pytest

from letterpress.crm.erp_import import values as v


@pytest.mark.parametrize(("cell", "staged"), [
    ("1234.56", "1234.56"), ("1234,56", "1234.56"), ("1 234,56", "1234.56"),
    ("1\xa0234\xa0567,5", "1234567.5"), ("  12 ", "12"), ("0", "0"), ("1\u202f000", "1000"),
    ("", None),
])
def test_money_spellings(cell: str, staged: str | None) -> None:
    assert v.money()(cell) == staged


@pytest.mark.parametrize(("cell", "reason"), [
    ("abc", "not an amount: 'abc'"),
    ("-5", "negative amount '-5'"),
    ("1,234.56", "not an amount: '1,234.56'"),
    ("1.234", "amount '1.234' has more than 2 decimals or too many digits"),
    ("12345678901234567", "amount '12345678901234567' has more than 2 decimals or too many digits"),
])
def test_money_refusals(cell: str, reason: str) -> None:
    with pytest.raises(v.CellError) as caught:
        v.money()(cell)
    assert str(caught.value) == reason


def test_required_money() -> None:
    with pytest.raises(v.CellError, match="a value is required"):
        v.money(required=True)(" ")


@pytest.mark.parametrize(("cell", "staged"), [
    ("2024-01-31", "2024-01-31"), ("31.01.2024", "2024-01-31"), ("1.2.2024", "2024-02-01"),
    ("31.01.2024 0:00:00", "2024-01-31"), ("2024-01-31T10:00:00", "2024-01-31"),
    (" 29.02.2024 ", "2024-02-29"), ("", None),
])
def test_date_spellings(cell: str, staged: str | None) -> None:
    convert = v.date()
    assert convert(cell) == staged
    assert convert(cell) == staged  # the cached path agrees


@pytest.mark.parametrize(("cell", "reason"), [
    ("31.02.2024", "no such date: '31.02.2024'"),
    ("2023-02-29", "no such date: '2023-02-29'"),
    ("01/02/2024", "not a date: '01/02/2024' (expected YYYY-MM-DD or DD.MM.YYYY)"),
    ("yesterday", "not a date: 'yesterday' (expected YYYY-MM-DD or DD.MM.YYYY)"),
])
def test_date_refusals(cell: str, reason: str) -> None:
    with pytest.raises(v.CellError) as caught:
        v.date()(cell)
    assert str(caught.value) == reason


def test_choice_aliases_are_case_space_and_yo_insensitive() -> None:
    convert = v.choice({"поставщик": "supplier", "покупатель и поставщик": "both",
                        "customer": "customer", "завершён": "completed"}, default="customer")
    assert convert("supplier") == "supplier"
    assert convert(" ПОСТАВЩИК ") == "supplier"
    assert convert("Покупатель  и   поставщик") == "both"
    assert convert("завершен") == "completed"
    assert convert("") == "customer"
    with pytest.raises(v.CellError) as caught:
        convert("partner")
    assert str(caught.value) == "expected one of supplier, both, customer, completed, got 'partner'"


def test_currency() -> None:
    convert = v.currency("RUB")
    assert [convert(c) for c in ("", "USD", "eur", "руб.", " ₽ ")] == ["RUB", "USD", "EUR", "RUB",
                                                                      "RUB"]
    with pytest.raises(v.CellError, match="not a currency code: 'рубли'"):
        convert("рубли")


def test_lists() -> None:
    assert v.text_list(max_length=64)(" a | b ||a ") == ("a", "b")
    assert v.email_list("Info@Alpha.ru | sales@alpha.ru") == ("info@alpha.ru", "sales@alpha.ru")
    assert v.domain_list("@Alpha.RU|типография.рф") == ("alpha.ru", "типография.рф")
    with pytest.raises(v.CellError, match="not an e-mail address: 'nobody'"):
        v.email_list("a@b.ru|nobody")
    with pytest.raises(v.CellError, match="not a mail domain: 'a b.ru'"):
        v.domain_list("a b.ru")


def test_yes_no() -> None:
    assert [v.yes_no(c) for c in ("yes", "Да", "TRUE", "нет", "no", "12")] == [
        True, True, True, False, False, None]


def test_reference() -> None:
    convert = v.reference({"CP-1": 1, "manager1": 7}, "counterparty", fold_case=True)
    assert convert("CP-1") == 1
    assert convert(" Manager1 ") == 7
    assert convert("") is None
    with pytest.raises(v.CellError) as caught:
        convert("CP-9")
    assert str(caught.value) == "unknown counterparty 'CP-9'"


@pytest.mark.parametrize(("item", "split"), [
    ("рабочий: +7 495 123-45-67", ("+7 495 123-45-67", "рабочий")),
    ("+7 495 123-45-67 (рабочий)", ("+7 495 123-45-67", "рабочий")),
    ("Моб.:+7 900 000-00-00", ("+7 900 000-00-00", "Моб.")),
    ("+7 900 000-00-00 ( мобильный  личный )", ("+7 900 000-00-00", "мобильный личный")),
    ("юридический: г. Москва, ул. Ленина, д. 1", ("г. Москва, ул. Ленина, д. 1", "юридический")),
    # not labels: digits, commas, nothing before or after, too long
    ("8 (495) 123-45-67", ("8 (495) 123-45-67", None)),
    ("+7 495 123-45-67 (доб. 12)", ("+7 495 123-45-67 (доб. 12)", None)),
    ("г. Москва, ул. Ленина, д. 1, офис: 5", ("г. Москва, ул. Ленина, д. 1, офис: 5", None)),
    ("(рабочий)", ("(рабочий)", None)),
    ("рабочий:", ("рабочий:", None)),
    ("очень длинная метка для телефона, длиннее 32: +7 1", (
        "очень длинная метка для телефона, длиннее 32: +7 1", None)),
    ("a" * 33 + ": +7 1", ("a" * 33 + ": +7 1", None)),
])
def test_labels_of_phones_and_addresses(item: str, split: tuple[str, str | None]) -> None:
    assert v.split_label(item, 32) == split


def test_labelled_lists() -> None:
    convert = v.labelled_list(max_length=20, max_label=32)
    assert convert("рабочий: +7 1 | +7 2 (мобильный) | +7 3 | +7 1 (факс)") == (
        ("+7 1", "рабочий"), ("+7 2", "мобильный"), ("+7 3", None))  # a repeated number: once
    assert convert("") == ()
    with pytest.raises(v.CellError, match="item '1234567890123456789012' is longer than 20"):
        convert("рабочий: 1234567890123456789012")
    address = v.labelled_single(max_length=500, max_label=32)
    assert address(" почтовый: а/я 15, Москва ") == (("а/я 15, Москва", "почтовый"),)
    assert address("Москва | Тверская 1") == (("Москва | Тверская 1", None),)  # not a list
    assert address("") == ()
    legal = v.labelled_single(max_length=500, max_label=32, label="юридический")
    assert legal("Москва, Тверская 1") == (("Москва, Тверская 1", "юридический"),)
    assert legal(" ") == ()
