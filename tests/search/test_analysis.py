"""The analyzer: the same tokens for documents and queries; Russian and English morphology."""

from __future__ import annotations

import importlib.util

import pytest

from letterpress.errors import ConfigError
from letterpress.search.analysis import clean, get_analyzer, word_spans, words

needs_pymorphy = pytest.mark.skipif(
    importlib.util.find_spec("pymorphy3") is None,
    reason="pymorphy3 is not installed (pip install 'letterpress[pymorphy]')")
PYMORPHY = pytest.param("pymorphy", marks=needs_pymorphy)

#: (query word, forms it must find) — Snowball finds these; pymorphy must too.
INFLECTIONS = [
    ("договор", ["договора", "договоров", "договору", "договорами", "Договоре"]),
    ("счёт", ["счета", "счетов", "счёту", "СЧЕТЕ"]),
    ("каталог", ["каталога", "каталогов", "каталогам"]),
    ("оплата", ["оплаты", "оплату", "оплатой"]),
    ("invoice", ["invoices", "Invoiced"]),
    ("print", ["printing", "printed", "prints"]),
]
#: Stem changes only the dictionary lemmatizer finds.
LEMMA_ONLY = [("письмо", ["писем"]), ("отправить", ["отправлю"]), ("человек", ["люди"]),
              ("печать", ["печати", "печатью"])]  # Snowball: "печа" vs "печат"


def test_cleaning() -> None:
    assert clean("ЁЛКА Ёжик") == "елка ежик"
    assert clean("уда\u0301рение") == "ударение"  # stress mark
    assert clean("пере\u00adнос") == "перенос"  # soft hyphen from HTML mail
    assert words("ORD-000123, ivanov@stroymash.ru; 10:30") == [
        "ord", "000123", "ivanov", "stroymash", "ru", "10", "30"]
    assert words("x" * 100) == ["x" * 64]
    assert list(word_spans("Счёт №5")) == [(0, 4, "счет"), (6, 7, "5")]


@pytest.mark.parametrize("name", ["snowball", PYMORPHY])
@pytest.mark.parametrize(("query", "forms"), INFLECTIONS)
def test_inflected_forms_share_a_token(name: str, query: str, forms: list[str]) -> None:
    analyzer = get_analyzer(name)
    (token,) = analyzer.analyze(query)
    for form in forms:
        assert analyzer.analyze(form) == [token], form


@needs_pymorphy
@pytest.mark.parametrize(("query", "forms"), LEMMA_ONLY)
def test_pymorphy_finds_stem_changes(query: str, forms: list[str]) -> None:
    analyzer = get_analyzer("pymorphy")
    for form in forms:
        assert analyzer.analyze(form) == analyzer.analyze(query), form
    snowball = get_analyzer("snowball")
    assert any(snowball.analyze(f) != snowball.analyze(query) for f in forms)


@needs_pymorphy
def test_ids_differ_and_are_recorded_forms() -> None:
    assert get_analyzer("snowball").id == "snowball/1"
    assert get_analyzer("pymorphy").id == "pymorphy/1"
    assert get_analyzer("snowball/1") is get_analyzer("snowball")
    assert "dictionary" in get_analyzer("pymorphy").describe()
    with pytest.raises(ConfigError, match="unknown search analyzer"):
        get_analyzer("lucene")


def test_documents_and_queries_agree_on_mixed_text() -> None:
    analyzer = get_analyzer("snowball")
    text = "Printing каталогов for ООО «Ромашка», счёт № 17-Б"
    assert analyzer.analyze(text) == [
        "print", "каталог", "for", "оо", "ромашк", "счет", "17", "б"]


def test_fold_is_the_databases_fold() -> None:
    from letterpress.db import casefold
    from letterpress.search import analysis

    for text in ("ЁЛКА ёжик Ёж", "İstanbul ǅ ΣΑΣ straße", "Ромашка OOO", ""):
        assert analysis.fold(text) == casefold.fold(text), text
