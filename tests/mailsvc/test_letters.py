"""The letter builders in letterpress.testing.letters are deterministic and cover their kinds."""

from __future__ import annotations

import email

from letterpress.testing import letters as L
from letterpress.testing.corpora import MALFORMED_KINDS


def test_builders_are_deterministic() -> None:
    assert list(L.mixed_corpus(40, seed=3)) == list(L.mixed_corpus(40, seed=3))
    assert list(L.mixed_corpus(40, seed=3)) != list(L.mixed_corpus(40, seed=4))
    assert list(L.malformed_corpus(40, seed=3, huge=0)) == list(
        L.malformed_corpus(40, seed=3, huge=0)
    )
    assert L.invitation("CANCEL") == L.invitation("CANCEL")


def test_malformed_samples_cycle_through_every_kind() -> None:
    kinds = [s.kind for s in L.malformed_samples(len(MALFORMED_KINDS), seed=0, huge=0)]
    assert kinds == list(MALFORMED_KINDS)
    huge = [s for s in L.malformed_samples(30, seed=0, huge=2) if s.kind == "huge_attachment"]
    assert len(huge) == 2 and all(len(s.raw) > 10 * 1024 * 1024 for s in huge)


def test_mixed_corpus_mix() -> None:
    corpus = list(L.mixed_corpus(400, seed=1))
    charsets = [email.message_from_bytes(raw).get_content_charset() for raw in corpus]
    assert all(raw.endswith(b"\r\n") or b"\r\n" in raw for raw in corpus)
    assert sum(raw.count(b'charset="windows-1251"') > 0 for raw in corpus) > 40
    assert sum(raw.count(b'charset="koi8-r"') > 0 for raw in corpus) > 20
    assert sum(b"multipart/mixed" in raw for raw in corpus) > 40
    assert charsets.count(None) > 40  # multipart letters carry the charset on their parts


def test_well_formed_builders_satisfy_the_stdlib() -> None:
    for raw in (
        L.letter(),
        L.invitation(),
        L.bulk_letter(),
        L.reply("p@x"),
        *L.mixed_corpus(50, seed=9),
    ):
        message = email.message_from_bytes(raw)
        assert all(not part.defects for part in message.walk()), raw[:200]
