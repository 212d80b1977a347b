"""Charset labels and the fallback decoder: bytes in, text out, no exception, no text lost.

Real Russian mail often lies about its charset or says nothing: raw 8-bit headers, bodies without
a charset parameter, names that no registry knows (``cp-1251``, ``win-1251``), single-byte text
labelled ``iso-8859-1`` or ``koi8-r`` while it is windows-1251. :func:`decode_bytes` decodes
any such bytes and says what it did when it did not simply follow the label.

The order (RFC 2045/2047 give the label; everything after it is heuristic):

1. ASCII bytes are ASCII, whatever the label says.
2. A known label is used if the bytes decode strictly, with a second opinion where mislabelling
   is common: bytes labelled with a single-byte charset that decode strictly as UTF-8 are UTF-8
   (a strict UTF-8 decode of non-ASCII single-byte text almost never succeeds by accident);
   Cyrillic single-byte labels are compared with windows-1251/KOI8-R by the score below; Latin
   labels are overridden only when the 8-bit bytes form whole words that score as Russian.
3. Otherwise (no label, an unknown one, or bytes that do not fit it): UTF-8 if it decodes
   strictly; UTF-8 with a few stray bytes read as windows-1251 if most of the 8-bit bytes are
   valid UTF-8; else windows-1251 or KOI8-R, whichever scores better.

The score is computed on the bytes, not on decoded text, so that it is cheap enough to run on
every single-byte letter: each 8-bit byte gets the log-frequency of the Russian letter it maps to
in the candidate charset (symbols and non-Russian letters are penalised); a lower-case letter
followed by an upper-case one, runs of four consonants or three vowels, and (slightly) runs of
capitals cost penalties. windows-1251 and KOI8-R swap the halves of the alphabet and the case,
so text read in the wrong one is full of rare letters, consonant clusters and ``оПЮИЯ``-like
case flips. On the test vocabulary every phrase scored higher in its own charset, the closest
being three-letter abbreviations (``НДС``), so a declared Cyrillic label is overridden only by a
clear margin on at least eight 8-bit bytes.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

__all__ = ["Decoded", "decode_bytes", "mime_name", "normalise_charset"]

# Labels seen in the wild that Python's codec registry does not know, by compact form
# (lower case, without "x-" and without separators), and WHATWG-style supersets.
_ALIASES = {
    "cp1251": "cp1251",
    "win1251": "cp1251",
    "windows1251": "cp1251",
    "ms1251": "cp1251",
    "ansi1251": "cp1251",
    "wincyrillic": "cp1251",
    "1251": "cp1251",
    "cswindows1251": "cp1251",
    "koi8r": "koi8_r",
    "koi8": "koi8_r",
    "cskoi8r": "koi8_r",
    "koi8u": "koi8_u",
    "utf8": "utf_8",
    "unicode11utf8": "utf_8",
    "utf": "utf_8",
    "maccyrillic": "mac_cyrillic",
    "ibm866": "cp866",
    "dos866": "cp866",
    "866": "cp866",
    "iso88595": "iso8859_5",
    "cyrillic": "iso8859_5",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "shiftjis": "cp932",
    "sjis": "cp932",
    "mskanji": "cp932",
    "windows31j": "cp932",
    "kscs56011987": "cp949",
    "ksc56011987": "cp949",
    "euckr": "cp949",
    "windows949": "cp949",
    "iso88598i": "iso8859_8",
    "iso88596i": "iso8859_6",
    "usascii": "ascii",
    "ascii": "ascii",
    "ansix341968": "ascii",
}
# Codecs that are not charsets of text on the wire, or that raise whatever the input.
_REFUSED = {
    "idna",
    "punycode",
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
    "mbcs",
    "oem",
    "palmos",
    "rot_13",
    "charmap",
}
_MIME_NAMES = {
    "cp1251": "windows-1251",
    "koi8_r": "koi8-r",
    "koi8_u": "koi8-u",
    "utf-8": "utf-8",
    "ascii": "us-ascii",
    "iso8859_1": "iso-8859-1",
    "latin_1": "iso-8859-1",
    "cp1252": "windows-1252",
    "iso8859_5": "iso-8859-5",
    "cp866": "ibm866",
    "mac_cyrillic": "x-mac-cyrillic",
    "gb18030": "gb18030",
    "cp932": "shift_jis",
    "cp949": "euc-kr",
}
_CYRILLIC_SINGLE_BYTE = {"cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic"}
_LATIN_SINGLE_BYTE = {
    "ascii",
    "iso8859_1",
    "latin_1",
    "cp1252",
    "iso8859_15",
    "iso8859_2",
    "cp1250",
}
_FALLBACKS = ("cp1251", "koi8_r")


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the charset actually used and, if it was not the label, why."""

    text: str
    charset: str
    note: str | None = None


def mime_name(codec: str) -> str:
    """The usual MIME name of a Python codec (``cp1251`` -> ``windows-1251``)."""
    return _MIME_NAMES.get(codec, codec.replace("_", "-"))


def _compact(label: str) -> str:
    key = label.strip().strip("\"'").lower()
    key = key.removeprefix("x-")
    return re.sub(r"[^a-z0-9.]", "", key).replace(".", "")


@lru_cache(maxsize=512)
def normalise_charset(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or not a text charset."""
    if not label or len(label) > 64:
        return None
    name = _ALIASES.get(_compact(label))
    if name is None:
        try:
            name = codecs.lookup(label.strip().strip("\"'")).name
        except (LookupError, ValueError, UnicodeError):
            return None
    try:
        info = codecs.lookup(name)
    except LookupError:  # pragma: no cover - every alias target exists
        return None
    name = info.name.replace("-", "_")  # Python spells some "koi8-r", some "iso8859_5"
    if not getattr(info, "_is_text_encoding", True) or name in _REFUSED:
        return None
    return name


@lru_cache(maxsize=512)
def _registered(label: str) -> bool:
    """True if Python knows the label as written (so an alias of ours was not needed)."""
    try:
        codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError, UnicodeError):
        return False
    return True


def _strict(data: bytes, codec: str) -> str | None:
    try:
        text = data.decode(codec)
        if codec != "utf_8":
            text.encode("utf-8")  # some codecs (utf-16, utf-7) can yield lone surrogates
    except (UnicodeError, LookupError, ValueError):
        return None
    return text


# ----------------------------------------------------------------------------- the score

# Letter frequencies of Russian prose, per cent.
_FREQ = dict(
    zip(
        "оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё",
        (
            10.97,
            8.45,
            8.01,
            7.35,
            6.70,
            6.26,
            5.47,
            4.73,
            4.54,
            4.40,
            3.49,
            3.21,
            2.98,
            2.81,
            2.62,
            2.01,
            1.90,
            1.65,
            1.74,
            1.59,
            1.70,
            1.44,
            1.21,
            0.97,
            0.94,
            0.73,
            0.64,
            0.48,
            0.36,
            0.32,
            0.26,
            0.04,
            0.20,
        ),
        strict=True,
    )
)
_NEUTRAL = set("«»№–—“”„‘’…•\xa0\u2116\u20ac°·")
_FLIP_PENALTY = 4.0
_CAPS_PENALTY = 0.1  # all-capitals words exist (ООО, СРОЧНО); misread text is mostly capitals
_CLUSTER_PENALTY = 3.0  # Russian alternates vowels and consonants; misread text does not
_VOWELS = set("аеёиоуыэюя")
_SAMPLE = 4096
_HIGH_BYTES = bytes(range(0x80, 0x100))
_LOW_BYTES = bytes(range(0x80))
_OVERRIDE_MARGIN = (
    0.5  # per 8-bit byte; the smallest margin seen on real words was ~0.4 for 3 letters
)
_OVERRIDE_MIN_BYTES = 8  # shorter text keeps its label: too few letters to argue with it


@dataclass(frozen=True)
class _Table:
    by_byte: tuple[float, ...]  # the weight of each byte value (0 below 0x80)
    flips: re.Pattern[bytes]  # a lower-case letter followed by an upper-case one
    caps: re.Pattern[bytes]  # an upper-case letter followed by another one
    clusters: re.Pattern[bytes]  # four consonants or three vowels in a row


@lru_cache(maxsize=16)
def _table(codec: str) -> _Table:
    weights: list[float] = []
    lower: list[int] = []
    upper: list[int] = []
    vowels: list[int] = []
    consonants: list[int] = []
    for byte in range(0x80, 0x100):
        char = bytes([byte]).decode(codec, "replace")
        low = char.lower()
        if low in _FREQ:
            weights.append(math.log(_FREQ[low] / 3.0))
            (lower if char == low else upper).append(byte)
            (vowels if low in _VOWELS else consonants).append(byte)
        elif char in _NEUTRAL:
            weights.append(0.0)
        elif "\u0400" <= char <= "\u04ff":
            weights.append(-3.0)  # Cyrillic, but not a Russian letter
        else:
            weights.append(-5.0)  # box drawing, C1 controls, symbols, U+FFFD

    def cls(values: list[int]) -> bytes:
        return b"[" + b"".join(re.escape(bytes([v])) for v in values) + b"]"

    return _Table(
        (0.0,) * 0x80 + tuple(weights),
        re.compile(cls(lower) + cls(upper)),
        re.compile(cls(upper) + b"(?=" + cls(upper) + b")"),
        re.compile(cls(consonants) + b"{4,}|" + cls(vowels) + b"{3,}"),
    )


def _high_counts(data: bytes) -> Counter[int]:
    """How often each 8-bit byte occurs in the sample :func:`cyrillic_score` reads."""
    return Counter(data[:_SAMPLE].translate(None, _LOW_BYTES))


def cyrillic_score(data: bytes, codec: str, counts: Counter[int] | None = None) -> float:
    """How much ``data`` read as ``codec`` looks like Russian text; per 8-bit byte.

    Only the first :data:`_SAMPLE` bytes are scored: the statistics settle long before.
    ``counts`` are :func:`_high_counts` of ``data``, when the caller has them already.
    """
    data = data[:_SAMPLE]
    table = _table(codec)
    if counts is None:
        counts = _high_counts(data)
    high = sum(counts.values())
    total = sum(map(mul, map(table.by_byte.__getitem__, counts.keys()), counts.values()), 0.0)
    if not high:
        return 0.0
    total -= _FLIP_PENALTY * len(table.flips.findall(data))
    total -= _CAPS_PENALTY * len(table.caps.findall(data))
    total -= _CLUSTER_PENALTY * len(table.clusters.findall(data))
    return total / high


def _best_cyrillic(data: bytes) -> tuple[str, float, dict[str, float]]:
    """The fallback codec that reads best as Russian, its score, and every fallback's score."""
    counts = _high_counts(data)
    scores = {codec: cyrillic_score(data, codec, counts) for codec in _FALLBACKS}
    score, codec = max((score, codec) for codec, score in scores.items())
    return codec, score, scores


def _looks_like_words(data: bytes) -> bool:
    """True if most 8-bit bytes sit in runs of three or more: whole non-Latin words."""
    runs = re.findall(rb"[\x80-\xff]+", data)
    high = sum(len(r) for r in runs)
    return high >= 4 and sum(len(r) for r in runs if len(r) >= 3) >= 0.6 * high


# ----------------------------------------------------------------------------- decoding


def _cp1251_stray(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start : error.end]
    return bytes(chunk).decode("cp1251", "replace"), error.end


codecs.register_error("letterpress-cp1251", _cp1251_stray)


def _guess(data: bytes) -> tuple[str, str, str]:
    """(text, MIME charset name, how) for 8-bit bytes with no usable label."""
    text = _strict(data, "utf_8")
    if text is not None:
        return text, "utf-8", ""
    sample = data[: _SAMPLE * 16].decode("utf-8", "replace")
    bad = sample.count("\ufffd")
    good = len(sample.encode("utf-8")) - len(sample) - 2 * bad  # multi-byte characters, roughly
    if good >= 3 and good >= 4 * bad:
        text = data.decode("utf-8", "letterpress-cp1251")
        return text, "utf-8", " with stray bytes read as windows-1251"
    codec, _score, _scores = _best_cyrillic(data)
    return data.decode(codec, "replace"), mime_name(codec), ""


def _second_opinion(data: bytes, codec: str) -> tuple[str, str] | None:
    """(codec, reason) when bytes that fit a single-byte label are evidently something else."""
    if codec not in _CYRILLIC_SINGLE_BYTE and codec not in _LATIN_SINGLE_BYTE:
        return None
    if _strict(data, "utf_8") is not None:
        return "utf_8", "the bytes are valid utf-8"
    best, best_score, scores = _best_cyrillic(data)
    if codec in _CYRILLIC_SINGLE_BYTE:
        own = scores[codec] if codec in scores else cyrillic_score(data, codec)
        if (
            best != codec
            and best_score - own > _OVERRIDE_MARGIN
            and len(data) - len(data.translate(None, _HIGH_BYTES)) >= _OVERRIDE_MIN_BYTES
        ):
            return best, f"{mime_name(best)} reads as Russian, {mime_name(codec)} does not"
        return None
    if best_score > 0.0 and _looks_like_words(data):
        return best, f"the 8-bit words read as Russian in {mime_name(best)}"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data`` labelled ``declared`` (or not at all); never raises, never drops text.

    ``note`` is None when the label was followed as is; otherwise it is a phrase to put after
    the field's name, e.g. "decoded from raw 8-bit as windows-1251".
    """
    if data.isascii():
        return Decoded(data.decode("ascii"), "us-ascii")
    codec = normalise_charset(declared) if declared else None
    if codec is not None:
        assert declared is not None
        text = _strict(data, codec)
        if text is not None:
            other = _second_opinion(data, codec)
            better = _strict(data, other[0]) if other is not None else None
            if other is None or better is None:  # an override must fit the bytes too
                note = None
                if not _registered(declared) and codec not in ("gb18030", "cp932", "cp949"):
                    name = mime_name(codec)
                    note = f"decoded as {name}: charset {declared!r} is not a registered name"
                return Decoded(text, mime_name(codec), note)
            new, why = other
            return Decoded(
                better,
                mime_name(new),
                f"decoded as {mime_name(new)}: declared {declared!r}, but {why}",
            )
        if codec not in _CYRILLIC_SINGLE_BYTE | _LATIN_SINGLE_BYTE and codec != "utf_8":
            lossy = data.decode(codec, "replace")
            bad = lossy.count("\ufffd")
            if bad <= max(1, len(lossy) // 100):
                return Decoded(
                    lossy,
                    mime_name(codec),
                    f"decoded as {mime_name(codec)} with {bad} undecodable byte(s) replaced",
                )
    text, charset, how = _guess(data)
    if not declared:
        if charset == "utf-8" and not how:
            return Decoded(text, charset)  # what any reader assumes (RFC 6532), nothing repaired
        return Decoded(text, charset, f"decoded from raw 8-bit as {charset}{how}")
    if codec is None:
        return Decoded(text, charset, f"decoded as {charset}{how}: charset {declared!r} is unknown")
    return Decoded(
        text, charset, f"decoded as {charset}{how}: the bytes do not fit declared {declared!r}"
    )
