"""The search language: what parses to what, and a clear message for everything malformed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from letterpress.errors import UserError
from letterpress.search.analysis import get_analyzer
from letterpress.search.backends.postgres import tsquery_literal, tsvector_literal
from letterpress.search.backends.sqlite import match_expression
from letterpress.search.kinds import Kind
from letterpress.search.plan import MatchClause, Plan, Prefix, Token, TokenPhrase, analyse_clause
from letterpress.search.querylang import Clause, Phrase, QueryError, Word, parse


def test_words_phrases_exclusions_prefixes() -> None:
    q = parse('договор "счёт на оплату" -реклама -"без ндс" догов* NOT спам')
    assert q.clauses == (
        Clause((Word("договор"),)), Clause((Phrase("счёт на оплату"),)),
        Clause((Word("реклама"),), negated=True), Clause((Phrase("без ндс"),), negated=True),
        Clause((Word("догов", prefix=True),)), Clause((Word("спам"),), negated=True),
    )
    assert parse("«счёт на оплату» “печать”").clauses == (
        Clause((Phrase("счёт на оплату"),)), Clause((Phrase("печать"),)))


def test_or_joins_neighbours() -> None:
    assert parse("прайс OR каталог счёт").clauses == (
        Clause((Word("прайс"), Word("каталог"))), Clause((Word("счёт"),)))


def test_filters() -> None:
    q = parse('from:ivanov to:"Мария Сидорова" counterparty:"Строймаш" mailbox:sales '
              "topic:календари has:attachment after:2025-03-01 before:31.03.2025 kind:letters")
    assert q.clauses == (Clause((Phrase("ivanov"),), "keys"),
                         Clause((Phrase("Мария Сидорова"),), "more"))
    f = q.filters
    assert f.kinds == frozenset({Kind.LETTER}) and f.counterparties == ("Строймаш",)
    assert f.mailboxes == ("sales",) and f.topics == ("календари",) and f.has_attachment
    assert f.after == dt.date(2025, 3, 1) and f.before == dt.date(2025, 3, 31)
    russian = parse("от:петров кому:мария контрагент:строймаш ящик:sales тема:x есть:вложение "
                    "после:2025 до:2026-02 тип:письма")
    assert russian.filters.after == dt.date(2025, 1, 1)
    assert russian.filters.before == dt.date(2026, 2, 1)
    # from: limits to letters, and kind: must allow them
    assert parse("тип:задачи договор").filters.kinds == frozenset({Kind.TASK})
    with pytest.raises(QueryError, match="letters only"):
        parse("from:ivanov kind:task")


def test_repeated_filters() -> None:
    f = parse("kind:task kind:event after:2025-01-01 after:2025-02-01 before:2025-06-01 "
              "before:2025-05-01").filters
    assert f.kinds == frozenset({Kind.TASK, Kind.EVENT})
    assert (f.after, f.before) == (dt.date(2025, 2, 1), dt.date(2025, 5, 1))


def test_colon_words_that_are_not_filters_are_text() -> None:
    assert parse("встреча 10:30").clauses[1] == Clause((Word("10:30"),))
    assert parse("http://example.org").clauses == (Clause((Word("http://example.org"),)),)
    assert parse('title:"a b"').clauses == (Clause((Phrase("title:a b"),)),)


@pytest.mark.parametrize(("text", "message"), [
    ('"незакрытая фраза', "not closed"),
    ("«ёлка", "not closed"),
    ("x" * 501, "too long (501 characters; at most 500)"),
    ("a " * 25, "at most 24"),
    ("from:", "needs a value"),
    ("before:вчера", "before: expects a date"),
    ("after:2025-02-30", "after: expects a date"),
    ("kind:spaceship", "kind:spaceship is unknown"),
    ("has:wings", "has:attachment"),
    ("-mailbox:sales договор", "only from: and to: can be excluded"),
    ("after:2025-03-10 before:2025-03-01", "nothing can match"),
    ("OR договор", "OR needs a word"),
    ("договор OR", "OR needs a word"),
    ("договор OR -счёт", "OR cannot join an excluded term"),
    ("a\x00b", "NUL"),
])
def test_malformed_searches_are_explained(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_query_error_is_a_user_error() -> None:
    assert issubclass(QueryError, UserError)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_is_explained(text: str) -> None:
    analyzer = get_analyzer("snowball")
    try:
        parsed = parse(text)
    except QueryError as exc:
        assert str(exc)
        return
    for clause in parsed.clauses:
        try:
            analysed_clauses = analyse_clause(clause, analyzer)
        except QueryError as exc:  # a one-letter prefix
            assert "prefix" in str(exc)
            continue
        for analysed in analysed_clauses:
            plan = Plan(user=None, policy=None, must=[analysed])  # type: ignore[arg-type]
            assert match_expression(plan)
            assert tsquery_literal(plan)


# --- what reaches the engines -------------------------------------------------------------


def _plan(*clauses: MatchClause, negated: tuple[MatchClause, ...] = ()) -> Plan:
    return Plan(user=None, policy=None, must=list(clauses), must_not=list(negated))  # type: ignore[arg-type]


def test_fts5_match_quotes_every_token() -> None:
    plan = _plan(MatchClause((Token("договор"),)), MatchClause((Prefix("печ"), Token('x"y'))),
                 MatchClause((TokenPhrase(("ivanov", "ru")),), "keys"),
                 negated=(MatchClause((Token("or"),)),))
    assert match_expression(plan) == (
        '("договор" AND ("печ"* OR "x""y") AND {keys} : ("ivanov ru")) NOT ("or")')


def test_tsquery_literal_quotes_every_token() -> None:
    plan = _plan(MatchClause((Token("договор"),)), MatchClause((Prefix("печ"),)),
                 MatchClause((TokenPhrase(("ivanov", "ru")),), "keys"),
                 negated=(MatchClause((Token("o'k"),)),))
    assert tsquery_literal(plan) == (
        "(('договор')) & (('печ':*)) & (('ivanov':B <-> 'ru':B)) & !(('o''k'))")


def test_tsvector_keeps_positions_weights_and_gaps() -> None:
    literal = tsvector_literal((["счет", "на", "оплат"], ["ivanov"], [], ["счет"]))
    assert literal == "'счет':1A,8 'на':2A 'оплат':3A 'ivanov':5B"
