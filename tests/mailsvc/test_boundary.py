"""The boundary matcher gives the e-mail parser exactly what its regular expression gave."""

from __future__ import annotations

import email
import email.feedparser
import itertools
import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from letterpress.mailsvc import boundary
from letterpress.testing.letters import malformed_corpus, mixed_corpus

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
SEPARATORS = ["--simple", "------=_NextPart_000_0012_01DA1234.56789ABC", "--a+b(c)*?[d]{2}|e$^.",
              "--with space", "--граница", "--\\back\\slash", "--a", "--"]


def regex(separator: str) -> re.Pattern[str]:
    """The feedparser's own pattern (Lib/email/feedparser.py, _parsegen)."""
    return re.compile("(?P<sep>" + re.escape(separator)
                      + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")


def lines(separator: str) -> Iterator[str]:
    starts = [separator, separator[:-1], separator + "x", "x" + separator, "", "-" + separator]
    ends = ["", "--", "-", "---", "--x"]
    blanks = ["", " ", "\t \t", " x", "\v"]
    endings = ["", "\n", "\r", "\r\n", "\n\n", "\r\n\n", "\r\r", "\n\r", "\r\r\n", "x\n", "\n\n\n",
               "\r\n\r\n", " \n"]
    for parts in itertools.product(starts, ends, blanks, endings):
        yield "".join(parts)


def groups(match: Any) -> tuple[Any, ...] | None:
    if match is None:
        return None
    return tuple(match.group(name) for name in ("sep", "end", "ws", "linesep", 0))


@pytest.mark.parametrize("separator", SEPARATORS)
def test_every_line_matches_as_the_regex(separator: str) -> None:
    pattern = regex(separator)
    matcher = boundary._ParserRe.compile(pattern.pattern)
    assert isinstance(matcher, boundary.BoundaryMatcher)
    checked = 0
    for line in lines(separator):
        assert groups(matcher.match(line)) == groups(pattern.match(line)), repr(line)
        checked += 1
    assert checked > 1000


def test_other_patterns_compile_as_usual() -> None:
    parser_re = boundary._ParserRe()
    assert isinstance(parser_re.compile(r"\r\n|\r|\n"), re.Pattern)
    assert isinstance(parser_re.compile(regex("--b").pattern, re.IGNORECASE), re.Pattern)
    assert parser_re.escape is re.escape


def tree(message: Message) -> list[tuple[Any, ...]]:
    return [(part.get_content_type(), part.get_boundary(), part.preamble, part.epilogue,
             [type(d).__name__ for d in part.defects],
             part.get_payload(decode=True) if not part.is_multipart() else None)
            for part in message.walk()]


def letters() -> Iterator[bytes]:
    yield from (path.read_bytes() for path in sorted(DATA.glob("*.eml")))
    yield from mixed_corpus(300, seed=7)
    yield from malformed_corpus(150, seed=7, huge=0)


def test_whole_letters_parse_to_the_same_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    boundary.install()
    assert isinstance(email.feedparser.re, boundary._ParserRe)
    corpus = list(letters())
    multiparts = 0
    with_matcher = []
    for raw in corpus:
        try:
            with_matcher.append(tree(email.message_from_bytes(raw)))
        except RecursionError:
            with_matcher.append(None)
    monkeypatch.setattr(email.feedparser, "re", re)
    for raw, expected in zip(corpus, with_matcher, strict=True):
        try:
            plain = tree(email.message_from_bytes(raw))
        except RecursionError:
            plain = None
        assert expected == plain
        multiparts += bool(plain and plain[0][0].startswith("multipart/"))
    assert multiparts > 100
