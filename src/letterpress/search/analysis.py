"""Text analysis, the same for indexed documents and for queries.

Neither SQLite's FTS5 nor the 'simple' configuration of PostgreSQL knows Russian morphology, so
Letterpress analyses text in Python and hands every backend ready-made tokens: a document field
becomes its tokens joined by single spaces (positions kept, no stop words, so phrases still
work), and a query is built from the same tokens, each quoted. Steps:

1. Unicode NFC; stress marks, soft hyphens and zero-width characters removed (they would split
   or disguise words in real mail);
2. lower-casing and "ё" -> "е" (:func:`letterpress.db.casefold.fold`);
3. words are runs of letters and digits (``[^\\W_]+``); longer than 64 characters are cut;
4. each word is reduced: :class:`SnowballAnalyzer` (the default) stems Cyrillic words with the
   Russian and Latin ones with the English Snowball stemmer (PyStemmer); :class:`PymorphyAnalyzer`
   (``[search] analyzer = "pymorphy"``) replaces Russian words by their dictionary lemma
   (pymorphy3), which also finds stem changes Snowball misses ("писем" -> "письмо").

An index records the :attr:`Analyzer.id` it was built with; a search with another analyzer is
refused until ``letterpress reindex`` rebuilds the index (see :mod:`letterpress.search.meta`).
Bump ``VERSION`` of an analyzer whenever its output for some text changes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from letterpress.errors import ConfigError

WORD = re.compile(r"[^\W_]+")
_FAST_WORD = re.compile(r"\w+")  # the same words once "_" is a space, and faster
MAX_WORD = 64
_CACHE_LIMIT = 500_000
STRIP = re.compile("[\u0300\u0301\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def fold(value: str) -> str:
    """Lower-case and "ё" -> "е": :func:`letterpress.db.casefold.fold` (a test holds them equal),
    repeated here because that module imports SQLAlchemy, which the parser workers do not need."""
    return value.lower().replace("ё", "е")


def clean(text: str) -> str:
    """NFC, without stress marks, soft hyphens and zero-width characters; then :func:`fold`."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if STRIP.search(text):
            text = STRIP.sub("", text)
    return fold(text)


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order (before stemming)."""
    text = clean(text)
    if "_" in text:
        text = text.replace("_", " ")
    found = _FAST_WORD.findall(text)
    if found and max(map(len, found)) > MAX_WORD:
        return [w[:MAX_WORD] for w in found]
    return found


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded word) for each word of the original ``text``, for highlighting."""
    folded = fold(text)
    if len(folded) != len(text):  # a rare letter whose lower case is longer: word by word
        for match in WORD.finditer(text):
            yield match.start(), match.end(), clean(match.group())[:MAX_WORD]
        return
    plain = text.isascii() or (unicodedata.is_normalized("NFC", text)
                               and not STRIP.search(text))
    for match in WORD.finditer(folded):
        word = match.group()
        yield match.start(), match.end(), (word if plain else clean(word))[:MAX_WORD]


def is_cyrillic(word: str) -> bool:
    return "\u0400" <= word[0] <= "\u04ff"


class Analyzer(ABC):
    """Turns text into index tokens. Thread-safe; caches the reduction of each word seen."""

    name: ClassVar[str]
    VERSION: ClassVar[int]
    #: Whether a token always starts with the first 3 letters of its folded word (suffix
    #: stripping does; a lemmatizer does not: "писем" -> "письмо"). Snippets use it to skip
    #: texts that cannot contain a match.
    keeps_word_start: ClassVar[bool] = False

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """What the index records: a different id means a different index."""
        return f"{self.name}/{self.VERSION}"

    def describe(self) -> str:
        return self.id

    def analyze(self, text: str) -> list[str]:
        """The tokens of ``text``, in order."""
        return self.reduce(words(text)) if text else []

    def reduce(self, folded: list[str]) -> list[str]:
        cache = self._cache
        try:
            return list(map(cache.__getitem__, folded))
        except KeyError:
            pass
        missing = list({w for w in folded if w not in cache})
        if missing:
            with self._lock:
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                for word, token in zip(missing, self._reduce_words(missing), strict=True):
                    cache[word] = token
        return [cache[w] for w in folded]

    def token(self, word: str) -> str:
        """The token of one folded word."""
        return self.reduce([word])[0]

    @abstractmethod
    def _reduce_words(self, folded: list[str]) -> list[str]:
        """Tokens for folded words (cache misses only)."""


class SnowballAnalyzer(Analyzer):
    """Russian Snowball for Cyrillic words, English Snowball for Latin ones, others as they are."""

    name = "snowball"
    VERSION = 1
    keeps_word_start = True

    def __init__(self) -> None:
        super().__init__()
        import Stemmer  # type: ignore[import-not-found]  # PyStemmer ships no types

        self._russian = Stemmer.Stemmer("russian")
        self._english = Stemmer.Stemmer("english")

    def _reduce_words(self, folded: list[str]) -> list[str]:
        out: list[str] = []
        for word in folded:
            if is_cyrillic(word):
                out.append(fold(self._russian.stemWord(word)))
            elif word.isascii() and not word.isdigit():
                out.append(self._english.stemWord(word))
            else:
                out.append(word)
        return out


class PymorphyAnalyzer(SnowballAnalyzer):
    """Dictionary lemmas of Russian words (pymorphy3), Snowball for the rest.

    The first (most probable) parse gives the lemma; homonyms ("стали" -> "стать" or "сталь")
    then share one token, which costs precision, not recall. Words the dictionary does not know
    are lemmatised by pymorphy3's guesser (by analogy with known endings).
    """

    name = "pymorphy"
    VERSION = 1
    keeps_word_start = False

    def __init__(self) -> None:
        super().__init__()
        try:
            import pymorphy3  # type: ignore[import-untyped]
        except ImportError as exc:
            raise ConfigError(
                "[search] analyzer = 'pymorphy' needs pymorphy3 and pymorphy3-dicts-ru: "
                "pip install 'letterpress[pymorphy]'"
            ) from exc
        self._morph: Any = pymorphy3.MorphAnalyzer(lang="ru")
        self._dict_version = str(self._morph.dictionary.meta.get("version", "?"))

    def describe(self) -> str:
        return f"{self.id} (pymorphy3 dictionary {self._dict_version})"

    def _reduce_words(self, folded: list[str]) -> list[str]:
        out: list[str] = []
        for word in folded:
            if is_cyrillic(word):
                out.append(fold(self._morph.parse(word)[0].normal_form))
            else:
                out.extend(super()._reduce_words([word]))
        return out


ANALYZERS: dict[str, type[Analyzer]] = {"snowball": SnowballAnalyzer, "pymorphy": PymorphyAnalyzer}
_instances: dict[str, Analyzer] = {}
_instances_lock = threading.Lock()


def get_analyzer(name_or_id: str) -> Analyzer:
    """The analyzer called ``name`` (or recorded as ``id``), built once per process."""
    name = name_or_id.split("/", 1)[0]
    if name not in ANALYZERS:
        raise ConfigError(f"unknown search analyzer {name!r}: expected one of {', '.join(ANALYZERS)}")
    with _instances_lock:
        if name not in _instances:
            _instances[name] = ANALYZERS[name]()
        return _instances[name]
