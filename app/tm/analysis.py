"""What the memory knows about a Russian sentence: its words, their lemmas, its numbers.

Numbers become the placeholder ``#`` in the lemma sequence, so "в 1937 году" and "в 1938 году"
have the same lemmas and differ only on the surface; inflected forms share their lemma, so
"с тройкой" and "тройки" differ only on the surface too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from alignment.text import lemma, tokenize
from app.tm._ru_stopwords import STOPWORDS

NUMBER = "#"


@dataclass(frozen=True, slots=True)
class TMToken:
    """A word or a number of a sentence, with offsets ``[start, end)`` and its lemma."""

    text: str
    start: int
    end: int
    lemma: str  # lower case; ``#`` for numbers

    @property
    def is_number(self) -> bool:
        return self.lemma == NUMBER


@dataclass(frozen=True)
class Analysed:
    """A sentence ready to be compared: the text and its word/number tokens."""

    text: str
    tokens: tuple[TMToken, ...]

    @cached_property
    def lemmas(self) -> tuple[str, ...]:
        return tuple(t.lemma for t in self.tokens)

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def folded(self) -> str:
        """The text for character comparison: lower case, ё as е, single spaces."""
        return fold(self.text)

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.tokens if t.is_number)


def normalise(text: str) -> str:
    """``text`` with runs of white space as one space and no space at the ends."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """``text`` for character comparison: lower case, ё as е, single spaces."""
    return normalise(text).lower().replace("ё", "е")


def analyse(text: str) -> Analysed:
    """Tokenise and lemmatise a Russian sentence (English words keep their lower-case form)."""
    tokens: list[TMToken] = []
    for tok in tokenize(text):
        if not tok.is_word:
            continue
        if any(ch.isdigit() for ch in tok.text):
            lem = NUMBER
        else:
            lem = lemma(tok.text, "ru").lower().replace("ё", "е")
        tokens.append(TMToken(tok.text, tok.start, tok.end, lem))
    return Analysed(text, tuple(tokens))


def analyse_stored(text: str, lemmas: str) -> Analysed:
    """:func:`analyse` for a unit whose lemmas were stored (space-separated): no
    lemmatiser call; falls back to :func:`analyse` if the text no longer fits them."""
    stored = lemmas.split()
    words = [t for t in tokenize(text) if t.is_word]
    if len(words) != len(stored):
        return analyse(text)
    return Analysed(
        text,
        tuple(TMToken(t.text, t.start, t.end, lem) for t, lem in zip(words, stored, strict=True)),
    )


def _hash(value: str) -> int:
    # Stable across processes and machines (Python's hash() is salted), and fits a BIGINT.
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def exact_hash(text: str) -> int:
    """A key equal for texts that differ at most in white space: finds 100% matches."""
    return _hash(normalise(text))


def lemma_hash(analysed: Analysed) -> int:
    """A key equal for sentences with the same lemmas, numbers aside (inflection variants)."""
    return _hash(" ".join(analysed.lemmas))


def content_lemmas(analysed: Analysed) -> list[str]:
    """The lemmas that say what a sentence is about: no function words, no numbers."""
    return [
        lem for lem in analysed.lemmas if lem != NUMBER and lem not in STOPWORDS and len(lem) > 1
    ]


def index_keys(analysed: Analysed) -> list[int]:
    """The distinct lemma keys a unit is found by.

    Content lemmas only, so that the postings of "и", "в", "не" do not swamp every lookup;
    a sentence with fewer than two content lemmas ("Я тебя люблю") is indexed by all its
    lemmas, and since only such short sentences carry function-word keys, those postings stay
    short too.
    """
    content = content_lemmas(analysed)
    if len(content) < 2:
        content = [lem for lem in analysed.lemmas if lem != NUMBER]
    return sorted({_hash(lem) for lem in content})


def query_keys(analysed: Analysed) -> list[int]:
    """The keys to look a sentence up by: its content keys, plus function-word keys when it is
    short in content (they reach the short units indexed by every lemma)."""
    keys = set(index_keys(analysed))
    if len(content_lemmas(analysed)) < 3:
        keys.update(_hash(lem) for lem in analysed.lemmas if lem != NUMBER)
    return sorted(keys)


def light_keys(analysed: Analysed) -> frozenset[int]:
    """The query's function-word keys: they may find short units, but sharing them says little
    (their postings are short only because few units carry them), so they weigh less."""
    return frozenset(
        _hash(lem)
        for lem in analysed.lemmas
        if lem != NUMBER and (lem in STOPWORDS or len(lem) <= 1)
    )
