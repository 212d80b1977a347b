"""Snippets cut from the original text, with the matched words marked.

The index holds analysed tokens, not text, so snippets are made here, for the page only: each
word of the original text is analysed as the documents were, and marked when its token is one
the query asked for (or starts with one of its prefixes). The window with the most distinct
matched words wins; whitespace is collapsed; highlights are character offsets into the snippet,
so the web UI escapes the text and wraps the marks itself (:meth:`Snippet.html`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from letterpress.db.casefold import fold
from letterpress.search.analysis import MAX_WORD, STRIP, Analyzer, word_spans
from letterpress.search.plan import Plan, Prefix, Token, TokenPhrase

WIDTH = 200
CONTEXT = 40
SCAN_CHARS = 20_000
MAX_MARKS = 40
_WS = re.compile(r"\s+")

Span = tuple[int, int]


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[Span, ...] = ()

    def marked(self, before: str = "**", after: str = "**") -> str:
        out, pos = [], 0
        for start, end in self.highlights:
            out += [self.text[pos:start], before, self.text[start:end], after]
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def html(self, tag: str = "mark") -> str:
        """HTML-escaped text with ``<mark>`` around the matches (safe to insert as is)."""
        out, pos = [], 0
        for start, end in self.highlights:
            out += [html.escape(self.text[pos:start]), f"<{tag}>",
                    html.escape(self.text[start:end]), f"</{tag}>"]
            pos = end
        out.append(html.escape(self.text[pos:]))
        return "".join(out)


class Highlighter:
    """Finds the query's words in original text."""

    def __init__(self, analyzer: Analyzer, plan: Plan) -> None:
        self.analyzer = analyzer
        self._cache = analyzer._cache
        self.tokens: set[str] = set()
        self.prefixes: list[str] = []
        for clause in plan.must:
            for m in clause.alternatives:
                if isinstance(m, Token):
                    self.tokens.add(m.value)
                elif isinstance(m, Prefix):
                    self.prefixes.append(m.value)
                elif isinstance(m, TokenPhrase):
                    self.tokens.update(m.values)
        self._pattern: re.Pattern[str] | None = None
        starts = sorted({w[:3] for w in (*self.tokens, *self.prefixes)})
        if analyzer.keeps_word_start and starts:
            self._pattern = re.compile(
                r"(?<![^\W_])(?:" + "|".join(map(re.escape, starts)) + r")[^\W_]*")

    def _is_match(self, word: str) -> str | None:
        token = self._cache.get(word)
        if token is None:
            token = self.analyzer.token(word)
        if token in self.tokens:
            return token
        for p in self.prefixes:
            if word.startswith(p) or token.startswith(p):
                return p
        return None

    def _words(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Candidate words: with a stemmer, only those starting like a query word (a regular
        expression finds them); otherwise every word."""
        if self._pattern is not None:
            folded = fold(text)
            if (len(folded) == len(text) and unicodedata.is_normalized("NFC", text)
                    and not STRIP.search(text)):
                for match in self._pattern.finditer(folded):
                    yield match.start(), match.end(), match.group()[:MAX_WORD]
                return
        yield from word_spans(text)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = []
        for start, end, word in self._words(text[:SCAN_CHARS]):
            found = self._is_match(word)
            if found is not None:
                out.append((start, end, found))
                if len(out) >= MAX_MARKS:
                    break
        return out

    def highlight(self, text: str) -> tuple[Span, ...]:
        return tuple((s, e) for s, e, _ in self.spans(text))

    def snippet(self, text: str, width: int = WIDTH) -> Snippet | None:
        """The best window of ``text``, or None when no query word occurs in it."""
        spans = self.spans(text)
        if not spans:
            return None
        best, best_score = 0, -1
        for i, (start, _end, _tok) in enumerate(spans[:300]):
            limit = start + width - CONTEXT
            score = len({tok for s, _e, tok in spans[i:] if s < limit})
            if score > best_score:
                best, best_score = i, score
        start = max(0, spans[best][0] - CONTEXT)
        return render(text, start, start + width, [(s, e) for s, e, _ in spans])

    def lead(self, text: str, width: int = WIDTH) -> Snippet:
        """The beginning of ``text`` (for hits found by other fields or by filters alone)."""
        return render(text, 0, width, [(s, e) for s, e, _ in self.spans(text[: width * 2])])


def render(text: str, start: int, end: int, spans: list[Span]) -> Snippet:
    """``text[start:end]`` snapped to word boundaries, whitespace collapsed, marks re-based."""
    n = len(text)
    if start > 0:
        space = text.find(" ", start, min(n, start + CONTEXT))
        start = space + 1 if space >= 0 else start
    if end < n:
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    else:
        end = n
    out: list[str] = []
    marks: list[Span] = []
    length = 0
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        chunk = _WS.sub(" ", text[pos:s])
        out.append(chunk)
        length += len(chunk)
        marks.append((length, length + e - s))
        out.append(text[s:e])
        length += e - s
        pos = e
    out.append(_WS.sub(" ", text[pos:end]))
    body = "".join(out)
    stripped = body.lstrip()
    shift = len(body) - len(stripped)
    body = stripped.rstrip()
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < n else ""
    offset = len(prefix) - shift
    return Snippet(prefix + body + suffix,
                   tuple((s + offset, e + offset) for s, e in marks if e - shift <= len(body)))
