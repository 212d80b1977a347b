"""A search plan evaluated against stored tokens in Python, for small candidate sets.

When a filter names few documents (a counterparty's letters, events, tasks), reading their
stored tokens and matching here is far cheaper than letting FTS5 walk every match of a common
word, or probing FTS5 once per candidate (milliseconds each). The semantics are FTS5's over the
same tokens: a token in a field (or any field), a prefix, a phrase of adjacent tokens within one
field, alternatives, exclusions. Relevance is BM25 (k1 1.2, b 0.75, the field weights) with
document frequencies taken from the candidate set itself: it orders documents within the
filter, which is what such a search asks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from letterpress.search.backends import WEIGHTS
from letterpress.search.letterdoc import FIELDS
from letterpress.search.plan import Match, MatchClause, Plan, Prefix, Token

K1, B = 1.2, 0.75
Fields = Sequence[list[str]]  # tokens of title, keys, more, body


def _count(m: Match, tokens: list[str]) -> int:
    if isinstance(m, Token):
        return tokens.count(m.value)
    if isinstance(m, Prefix):
        return sum(1 for t in tokens if t.startswith(m.value))
    n = len(m.values)
    first = m.values[0]
    return sum(1 for i, t in enumerate(tokens)
               if t == first and tokens[i : i + n] == list(m.values))


def clause_counts(clause: MatchClause, fields: Fields) -> list[int]:
    """Occurrences of the clause in each field (0 where its field restriction excludes)."""
    out = []
    for name, tokens in zip(FIELDS, fields, strict=True):
        if clause.field is not None and clause.field != name:
            out.append(0)
        else:
            out.append(sum(_count(m, tokens) for m in clause.alternatives))
    return out


def _probe(m: Match) -> str:
    if isinstance(m, (Token, Prefix)):
        return m.value
    return " ".join(m.values)


def may_match(plan: Plan, texts: Sequence[str]) -> bool:
    """A cheap necessary condition on the stored strings (each must-clause occurs as text)."""
    whole = " ".join(texts)
    for clause in plan.must:
        where = texts[FIELDS.index(clause.field)] if clause.field else whole
        if not any(_probe(m) in where for m in clause.alternatives):
            return False
    return True


def matches(plan: Plan, fields: Fields) -> bool:
    return (all(any(clause_counts(c, fields)) for c in plan.must)
            and not any(any(clause_counts(c, fields)) for c in plan.must_not))


def bm25(plan: Plan, docs: Sequence[Fields]) -> list[float]:
    """A BM25 score per document (higher is better), statistics from ``docs`` themselves."""
    if not docs:
        return []
    lengths = [sum(len(f) for f in d) for d in docs]
    average = max(1.0, sum(lengths) / len(docs))
    counts = [[clause_counts(c, d) for c in plan.must] for d in docs]
    n_docs = len(docs)
    idf = []
    for i in range(len(plan.must)):
        having = sum(1 for per_doc in counts if any(per_doc[i]))
        value = math.log((n_docs - having + 0.5) / (having + 0.5))
        idf.append(value if value > 0 else 1e-6)
    scores = []
    for per_doc, length in zip(counts, lengths, strict=True):
        score = 0.0
        for i, per_field in enumerate(per_doc):
            freq = sum(w * c for w, c in zip(WEIGHTS, per_field, strict=True))
            score += idf[i] * freq * (K1 + 1) / (freq + K1 * (1 - B + B * length / average))
        scores.append(score)
    return scores
