"""The shared language layer: tokens and lemmas for Russian and English.

Used by the aligner and the glossary alike. Expensive objects (the pymorphy3 analyser, the
English lookup table) load once, lazily, on first use.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

from alignment.types import Token

Lang = Literal["ru", "en"]

# A word is a run of letters/digits, with inner hyphens, apostrophes and dots in numbers kept
# together (``ОГПУ-НКВД``, ``don't``, ``36,225``, ``3265-с``). Anything else that is not
# whitespace is a token of its own (punctuation).
_TOKEN_RE = re.compile(
    r"\d+(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)"  # 36 225 / 1 000 000,5
    r"|\d+(?:[.,]\d+)+"  # 36,225 / 2.5 / 26.12.1962
    r"|[^\W_]+(?:['’\-][^\W_]+)*"  # words, hyphenated compounds, apostrophes
    r"|[^\w\s]"  # single punctuation marks
    r"|_",
    re.UNICODE,
)

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word and punctuation tokens, keeping character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def words(text: str) -> list[str]:
    """The word tokens of ``text`` (punctuation dropped), as written."""
    return [t.text for t in tokenize(text) if t.is_word]


def has_cyrillic(text: str) -> bool:
    """True when ``text`` contains at least one Cyrillic letter."""
    return _CYRILLIC_RE.search(text) is not None


def is_abbreviation(word: str) -> bool:
    """An all-capitals word of two or more letters (``ОГПУ``, ``NKVD``, ``УНКВД``).

    Abbreviations are matched exactly and never lemmatised.
    """
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


@cache
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=500_000)
def lemma_ru(word: str) -> str:
    """The dictionary form of a Russian word (lower case), via pymorphy3; cached."""
    lower = word.lower().replace("ё", "е")
    if not has_cyrillic(lower):
        return lower
    return str(_morph().parse(lower)[0].normal_form).replace("ё", "е")


_PROPER_NAME_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


@lru_cache(maxsize=100_000)
def part_of_speech_ru(word: str) -> str | None:
    """pymorphy3's part of speech (``NOUN``, ``VERB``, ``PRTS``…) of a Russian word; cached.

    ``"NAME"`` when any reading of the word is a proper name (``Ленина``, ``Москва``), None
    when pymorphy3 does not know the word (it would only guess).
    """
    lower = word.lower()
    morph = _morph()
    if not morph.word_is_known(lower):
        return None
    parses = morph.parse(lower)
    if any(_PROPER_NAME_TAGS & p.tag.grammemes for p in parses):
        return "NAME"
    pos = parses[0].tag.POS
    return str(pos) if pos else None


@cache
def _en_lookup() -> dict[str, str]:
    data = resources.files("spacy_lookups_data") / "data" / "en_lemma_lookup.json.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        table: dict[str, str] = json.load(fh)
    return table


@lru_cache(maxsize=500_000)
def lemma_en(word: str) -> str:
    """The dictionary form of an English word (lower case), via spaCy's lookup lemmas; cached."""
    lower = word.lower().replace("’", "'")
    return _en_lookup().get(lower, lower).lower()


def lemma(word: str, lang: Lang) -> str:
    """The lemma of ``word`` in ``lang``; abbreviations and numbers are returned as written."""
    if is_abbreviation(word) or any(ch.isdigit() for ch in word):
        return word
    return lemma_ru(word) if lang == "ru" else lemma_en(word)


def lemmas(text: str, lang: Lang) -> list[str]:
    """Lemmas of the word tokens of ``text``, in order."""
    return [lemma(w, lang) for w in words(text)]
