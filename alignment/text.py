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
_SUBWORD_RE = re.compile(r"[^-]+")


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


@cache
def _en_known() -> frozenset[str]:
    table = _en_lookup()
    return frozenset(table) | frozenset(table.values())


@lru_cache(maxsize=500_000)
def lemma_en(word: str) -> str:
    """The dictionary form of an English word (lower case), via spaCy's lookup lemmas; cached.

    Words the table does not know get regular rules: a possessive ``'s`` goes, Latin and
    Russian plurals come from :data:`alignment.lang.en.IRREGULAR_PLURALS` (``collegia`` →
    ``collegium``), regular plurals lose ``-s``/``-es``/``-ies`` (``troikas`` → ``troika``),
    and ``-ed``/``-ing`` forms become a verb the table knows (or an ``-ize`` verb); anything
    else stays as written, lower-cased.
    """
    lower = word.lower().replace("’", "'")
    table = _en_lookup()
    if lower in table:
        return table[lower].lower()
    if lower.endswith("'s") and len(lower) > 2:
        return lemma_en(lower[:-2])
    return _regular_lemma_en(lower)


def _regular_lemma_en(lower: str) -> str:
    from alignment.lang.en import INVARIABLE_WORDS, IRREGULAR_PLURALS

    if lower in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[lower]
    known = _en_known()
    if len(lower) <= 3 or not lower.isalpha() or lower in known or lower in INVARIABLE_WORDS:
        return lower  # already a dictionary form
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith("es") and lower[:-1] in known:
        return lower[:-1]  # (a known word ending in -e) + s
    if lower.endswith(("ses", "xes", "zes", "ches", "shes")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is", "ous", "ics")):
        return lower[:-1]
    for suffix in ("ed", "ing"):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem = lower[: -len(suffix)]
            candidates = [stem + "e", stem] if suffix == "ing" else [stem[:-1] + "e", stem]
            if stem[-1] == stem[-2]:
                candidates.append(stem[:-1])  # shipped, planning
            if suffix == "ed" and stem.endswith("i"):
                candidates.append(stem[:-1] + "y")  # purified
            if suffix == "ed":
                candidates[0] = lower[:-1]  # dekulakized -> dekulakize (the -e- is the verb's)
            for candidate in candidates:
                if candidate in known:
                    return candidate
            if lower.endswith(("ized", "ised", "izing", "ising")):
                return stem + "e" if suffix == "ing" else lower[:-1]
    return lower


@lru_cache(maxsize=500_000)
def lemma(word: str, lang: Lang) -> str:
    """The lemma of ``word`` in ``lang``; abbreviations and numbers are returned as written.

    Cached: a book repeats its words, and the aligner and the glossary ask for each of them.
    """
    if is_abbreviation(word) or any(ch.isdigit() for ch in word):
        return word
    return lemma_ru(word) if lang == "ru" else lemma_en(word)


def subwords(token: Token) -> list[Token]:
    """The parts of a hyphenated compound (``ОГПУ-НКВД`` → ``ОГПУ``, ``НКВД``), with offsets.

    :func:`tokenize` keeps compounds whole; the glossary may want to match their parts too.
    A token without a hyphen comes back as the only part.
    """
    if "-" not in token.text:
        return [token]
    return [
        Token(m.group(), token.start + m.start(), token.start + m.end())
        for m in _SUBWORD_RE.finditer(token.text)
    ]


def lemmas(text: str, lang: Lang) -> list[str]:
    """Lemmas of the word tokens of ``text``, in order."""
    return [lemma(w, lang) for w in words(text)]
