"""1,000 malformed letters never stop ingestion: each parses or raises ParseFailure, quickly."""

from __future__ import annotations

import hashlib
import time
from collections import Counter

from letterpress.errors import ParseFailure
from letterpress.mailsvc.parse import ParsedLetter, parse_letter
from letterpress.testing.corpora import MALFORMED_KINDS, malformed_samples

# Kinds that may legitimately be refused as "not a letter"; every other kind must parse.
MAY_FAIL = {"empty", "garbage", "truncated"}


def _check_invariants(parsed: ParsedLetter, raw: bytes) -> None:
    assert parsed.sha256 == hashlib.sha256(raw).hexdigest()
    for text in (
        parsed.subject,
        *(a.name for a in parsed.addresses),
        *(a.email for a in parsed.addresses),
        *(a.filename for a in parsed.attachments),
    ):
        assert not any(c in text for c in "\r\n\x00"), text
        text.encode("utf-8")
    assert "\x00" not in parsed.text_plain and "\x00" not in parsed.text_html
    parsed.text_plain.encode("utf-8")
    parsed.text_html.encode("utf-8")
    for attachment in parsed.attachments:
        assert isinstance(attachment.payload, bytes)
        assert "/" not in attachment.filename and "\\" not in attachment.filename
    assert all(a.email == a.email.lower() for a in parsed.addresses)


def test_thousand_malformed_letters() -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    slowest = (0.0, "")
    started = time.perf_counter()
    samples = list(malformed_samples(1000, seed=2024, huge=1))
    built = time.perf_counter() - started
    started = time.perf_counter()
    for sample in samples:
        t0 = time.perf_counter()
        try:
            parsed = parse_letter(sample.raw)
        except ParseFailure:
            assert sample.kind in MAY_FAIL, sample
            outcomes[(sample.kind, "ParseFailure")] += 1
        else:
            _check_invariants(parsed, sample.raw)
            outcomes[(sample.kind, "parsed")] += 1
        slowest = max(slowest, (time.perf_counter() - t0, sample.kind))
    elapsed = time.perf_counter() - started
    print(
        f"\nmalformed corpus: built in {built:.2f}s; parsed 1000 in {elapsed:.2f}s "
        f"({1000 / elapsed:.0f}/s), slowest {slowest[0]:.3f}s ({slowest[1]})"
    )
    for key, count in sorted(outcomes.items()):
        print(f"  {key[0]:<22} {key[1]:<13} {count}")
    assert {kind for kind, _ in outcomes} == {*MALFORMED_KINDS, "huge_attachment"}
    assert elapsed < 60  # ~1.3 s here; the bound only catches a pathological slowdown


def test_every_kind_shows_what_was_wrong() -> None:
    by_kind: dict[str, list[ParsedLetter]] = {}
    for sample in malformed_samples(len(MALFORMED_KINDS) * 6, seed=7, huge=0):
        try:
            by_kind.setdefault(sample.kind, []).append(parse_letter(sample.raw))
        except ParseFailure:
            pass
    for kind in (
        "broken_boundary",
        "deep_nesting",
        "nul_bytes",
        "hostile_filenames",
        "bad_headers",
    ):
        assert all(p.defects for p in by_kind[kind]), kind
    for kind in ("wrong_charset", "unknown_charset"):
        assert all(p.warnings for p in by_kind[kind]), kind
    for parsed in by_kind["raw_8bit_headers"]:
        assert any("\u0400" <= c <= "\u04ff" for c in parsed.subject)


def test_huge_attachment_is_kept_whole() -> None:
    (sample,) = [s for s in malformed_samples(3, seed=1, huge=1) if s.kind == "huge_attachment"]
    started = time.perf_counter()
    parsed = parse_letter(sample.raw)
    elapsed = time.perf_counter() - started
    print(f"\n10 MB attachment parsed in {elapsed:.2f}s")
    (attachment,) = parsed.attachments
    assert attachment.size == 10 * 1024 * 1024
