"""Recognise glossary terms in Russian and English text by lemma sequences.

Every word of a text becomes a *key*: its lemma (``тройками`` → ``тройка``, ``troikas`` →
``troika``), or, for abbreviations and numbers, the word exactly as written (``ОГПУ``,
``108сс``). Hyphenated compounds are split into their parts, so ``ОГПУ`` is found inside
``ОГПУ-НКВД-УНКВД``. A term is the key sequence of its words; one Aho-Corasick automaton per
language (pyahocorasick) finds all of them in one pass over the document's keys, and the
longest match wins where two overlap.

Homonyms stay apart because whole lemmas are compared, never stems: ``коллегии`` has the lemma
``коллегия`` and ``коллеги`` the lemma ``коллега``; ``тройной`` is not ``тройка``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, cast

import ahocorasick

from alignment.text import Lang, is_abbreviation, lemma, subwords, tokenize
from alignment.types import Token
from glossary.types import ACCEPTED_KINDS, Equivalent, Match, Term

# Quotes do not interrupt a term (``газета «Правда»``); other punctuation does.
_TRANSPARENT = frozenset("«»“”„\"'‘’‚‹›")
# An abbreviation with a Russian case ending written after it: ``ГУЛАГа``, ``ВЦИКом``.
_INFLECTED_ABBREVIATION = re.compile(r"^([A-ZА-ЯЁ]{2,})([a-zа-яё]{1,3})$")
_POSSESSIVE = re.compile(r"['’]s?$")

_BREAK = "\x01"  # punctuation between words: no term spans it
_UNKNOWN = "\x02"  # a word that is in no term
_PREFIX = 4  # letters a form and its lemma are assumed to share (Галилею, Галилея)


@lru_cache(maxsize=200_000)
def _key_ru(word: str) -> str:
    m = _INFLECTED_ABBREVIATION.match(word)
    if m:
        return m.group(1).replace("Ё", "Е")
    return lemma(word, "ru")


# A less likely reading of a word is tried only when it is this likely (pymorphy3's estimate):
# ``Галилею`` is Галилея or Галилей (⅓ each), but ``стали`` is "became", hardly ever "steel".
MIN_READING_SCORE = 0.1


@lru_cache(maxsize=200_000)
def _readings_ru(word: str) -> tuple[str, ...]:
    """Possible lemmas of a Russian word, the most likely (``lemma()``) first."""
    first = _key_ru(word)
    if first == word or not any("а" <= ch <= "я" or ch == "ё" for ch in first):
        return (first,)  # abbreviations, numbers, Latin words: exactly as written
    scores: dict[str, float] = {}
    for parse in _analyser().parse(word.lower()):
        form = str(parse.normal_form).replace("ё", "е")
        scores[form] = scores.get(form, 0.0) + float(parse.score)
    others = tuple(f for f, score in scores.items() if f != first and score >= MIN_READING_SCORE)
    return (first, *others)


@cache
def _analyser() -> Any:
    # The language layer's pymorphy3 analyser (loaded once for the aligner and the glossary).
    from alignment import text as language

    shared = getattr(language, "_morph", None)
    if shared is not None:
        return shared()
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@cache
def _known_en_lemmas() -> frozenset[str]:
    from alignment import text as language

    lookup = getattr(language, "_en_lookup", None)
    table: dict[str, str] = lookup() if lookup is not None else {}
    return frozenset(table) | frozenset(table.values())


@lru_cache(maxsize=200_000)
def _key_en(word: str) -> str:
    word = _POSSESSIVE.sub("", word) or word
    if is_abbreviation(word) or any(ch.isdigit() for ch in word):
        return word
    key = lemma(word, "en")
    if key == word.lower() and key not in _known_en_lemmas():
        # Words the lookup table does not know (troikas, collegia, oblasts): regular Latin and
        # English plurals. The rule is applied to terms and text alike, so it only has to be
        # consistent, not always right.
        if key.endswith("ia") and len(key) > 4:
            key = key[:-2] + "ium"
        elif key.endswith("s") and not key.endswith(("ss", "us", "is")) and len(key) > 3:
            key = key[:-1]
    return key


def word_key(word: str, lang: Lang) -> str:
    """The key a single word is matched by: its lemma, or abbreviations/numbers as written."""
    return _key_ru(word) if lang == "ru" else _key_en(word)


def units(text: str, lang: Lang) -> list[tuple[str | None, int, int]]:
    """The matching units of ``text``: ``(key, start, end)`` per word or compound part.

    ``key`` is ``None`` for punctuation that interrupts a term.
    """
    out: list[tuple[str | None, int, int]] = []
    for tok in tokenize(text):
        if not tok.is_word:
            if tok.text not in _TRANSPARENT:
                out.append((None, tok.start, tok.end))
            continue
        if "-" in tok.text:
            for part in subwords(tok):
                out.append((word_key(part.text, lang), part.start, part.end))
        else:
            out.append((word_key(tok.text, lang), tok.start, tok.end))
    return out


def key_sequence(text: str, lang: Lang) -> tuple[str | None, ...]:
    """The keys of ``text`` with leading/trailing punctuation dropped (a term's pattern)."""
    keys = [k for k, _, _ in units(text, lang)]
    while keys and keys[0] is None:
        keys.pop(0)
    while keys and keys[-1] is None:
        keys.pop()
    return tuple(keys)


def term_key(ru_text: str) -> str:
    """The lemma sequence of a Russian term, used to detect duplicates (``тройки`` = ``тройка``).

    Empty for a term that has no word in it (only punctuation).
    """
    return " ".join(k for k in key_sequence(ru_text, "ru") if k is not None)


def en_key(en_text: str) -> str:
    """The lemma sequence of an English phrase (``Military Collegia`` → ``military collegium``)."""
    return " ".join(k for k in key_sequence(en_text, "en") if k is not None)


_OPENING, _CLOSING = "«“„‹", "»”“›"


def _close_quote(text: str, start: int, end: int) -> int:
    """``end``, moved past a closing quote whose opening quote is inside the match."""
    if end < len(text) and text[end] in _CLOSING:
        span = text[start:end]
        if sum(span.count(q) for q in _OPENING) > sum(span.count(q) for q in _CLOSING):
            return end + 1
    return end


class _Automaton:
    """Key sequences → payloads, found by Aho-Corasick over one character per word key."""

    # Written words remembered with their code; a document has a few tens of thousands.
    MEMO_LIMIT = 300_000

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang
        self._ids: dict[str, str] = {}
        self._patterns: dict[str, list[object]] = {}
        self._automaton: ahocorasick.Automaton | None = None
        self._prefixes: frozenset[str] = frozenset()
        self._memo: dict[str, str] = {}
        self._last: tuple[str, tuple[str, list[int], list[int]]] | None = None

    def _char(self, key: str) -> str:
        ch = self._ids.get(key)
        if ch is None:
            code = 0x20 + len(self._ids)
            if code >= 0xD800:  # surrogates are not characters
                code += 0x800
            ch = self._ids[key] = chr(code)
        return ch

    def add(self, keys: Sequence[str | None], payload: object) -> None:
        """Register a key sequence (``None`` = punctuation) for ``payload``."""
        if not any(k is not None for k in keys):
            return
        pattern = "".join(_BREAK if k is None else self._char(k) for k in keys)
        self._patterns.setdefault(pattern, []).append(payload)

    def build(self) -> None:
        """Compile the automaton once every pattern is added."""
        self._prefixes = frozenset(k[:_PREFIX] for k in self._ids)
        if not self._patterns:
            return
        automaton = ahocorasick.Automaton()
        for pattern, payloads in self._patterns.items():
            automaton.add_word(pattern, (len(pattern), tuple(payloads)))
        automaton.make_automaton()
        self._automaton = automaton

    def _word_char(self, word: str) -> str:
        """The code of one word: its key's, or that of another likely reading, or unknown."""
        ch = self._ids.get(word_key(word, self.lang))
        if ch is not None:
            return ch
        if self.lang == "ru" and word[:_PREFIX].lower().replace("ё", "е") in self._prefixes:
            # The most likely reading is in no term, but a term may use another reading of the
            # same written word (Галилею: Галилея, not Галилей). A lemma shares its first
            # letters with its forms, which keeps this (slower) look-up rare.
            for reading in _readings_ru(word)[1:]:
                ch = self._ids.get(reading)
                if ch is not None:
                    return ch
        return _UNKNOWN

    def _encode(
        self, text: str, tokens: Sequence[Token] | None = None
    ) -> tuple[str, list[int], list[int]]:
        memo = self._memo
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for tok in tokenize(text) if tokens is None else tokens:
            word = tok.text
            ch = memo.get(word)
            if ch is None:
                if not word[0].isalnum():
                    ch = "" if word in _TRANSPARENT else _BREAK
                elif "-" in word:
                    for part in subwords(tok):
                        chars.append(self._word_char(part.text))
                        starts.append(part.start)
                        ends.append(part.end)
                    continue
                else:
                    ch = self._word_char(word)
                if len(memo) >= self.MEMO_LIMIT:
                    memo.clear()
                memo[word] = ch
            if ch:
                chars.append(ch)
                starts.append(tok.start)
                ends.append(tok.end)
        return "".join(chars), starts, ends

    def find(
        self, text: str, tokens: Sequence[Token] | None = None, *, overlapping: bool = False
    ) -> list[tuple[int, int, tuple[object, ...]]]:
        """``(start, end, payloads)`` in character offsets, in text order.

        Where matches overlap the longest wins, unless ``overlapping`` asks for all of them.
        """
        if self._automaton is None:
            return []
        previous = self._last
        if previous is not None and previous[0] is text:
            # The same text again (all matches after the longest ones): reuse its codes.
            encoded, starts, ends = previous[1]
        else:
            encoded, starts, ends = self._encode(text, tokens)
            self._last = (text, (encoded, starts, ends))
        hits: list[tuple[int, int, tuple[object, ...]]] = []
        for end, (length, payloads) in self._automaton.iter(encoded):
            hits.append((end - length + 1, end + 1, payloads))
        if not hits:
            return []
        if overlapping:
            hits.sort(key=lambda h: (h[0], h[0] - h[1]))
        elif len(hits) > 1:
            # Longest match wins; among equals the leftmost.
            hits.sort(key=lambda h: (h[0] - h[1], h[0]))
            taken = bytearray(len(encoded))
            chosen: list[tuple[int, int, tuple[object, ...]]] = []
            for first, last, payloads in hits:
                if any(taken[first:last]):
                    continue
                taken[first:last] = b"\x01" * (last - first)
                chosen.append((first, last, payloads))
            chosen.sort(key=lambda h: h[0])
            hits = chosen
        return [
            (starts[first], _close_quote(text, starts[first], ends[last - 1]), payloads)
            for first, last, payloads in hits
        ]


class TermMatcher:
    """All terms of one glossary, ready to be found in Russian and English text.

    Build it once per glossary version (building 2,000 terms takes well under a second) and
    reuse it for every pair; it holds no per-text state.
    """

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: dict[int | str, Term] = {}
        self.accepted: dict[int | str, tuple[Equivalent, ...]] = {}
        self.has_discouraged = False
        self._ru = _Automaton("ru")
        self._en = _Automaton("en")
        for term in terms:
            self.terms[term.id] = term
            self.accepted[term.id] = term.accepted
            self.has_discouraged |= any(e.kind not in ACCEPTED_KINDS for e in term.equivalents)
            self._ru.add(key_sequence(term.ru, "ru"), term.id)
            for eq in term.equivalents:
                self._en.add(key_sequence(eq.en, "en"), (term.id, eq.en, eq.kind))
        self._ru.build()
        self._en.build()

    def __len__(self) -> int:
        return len(self.terms)

    def forget_words(self) -> None:
        """Drop the remembered codes of the words seen so far (they are rebuilt on demand)."""
        for automaton in (self._ru, self._en):
            automaton._memo.clear()
            automaton._last = None

    def find_ru(self, text: str, tokens: Sequence[Token] | None = None) -> list[Match]:
        """Terms found in Russian ``text``, in any inflection, in text order.

        ``tokens`` (``alignment.text.tokenize(text)``) may be passed when already at hand.
        """
        out: list[Match] = []
        for start, end, payloads in self._ru.find(text, tokens):
            for term_id in payloads:
                out.append(Match(term_id, "ru", start, end, text[start:end]))  # type: ignore[arg-type]
        return out

    def find_en(
        self, text: str, tokens: Sequence[Token] | None = None, *, overlapping: bool = False
    ) -> list[Match]:
        """English equivalents of terms found in ``text``, by lemma, in text order.

        Each match names the equivalent found and its kind (preferred, admitted, deprecated,
        forbidden). ``overlapping`` also returns equivalents inside longer ones (*court* inside
        *Supreme Court*).
        """
        out: list[Match] = []
        for start, end, payloads in self._en.find(text, tokens, overlapping=overlapping):
            for payload in payloads:
                term_id, equivalent, kind = cast(tuple[int | str, str, str], payload)
                out.append(Match(term_id, "en", start, end, text[start:end], equivalent, kind))
        return out

    def find(self, text: str, lang: Lang, tokens: Sequence[Token] | None = None) -> list[Match]:
        """``find_ru`` or ``find_en`` by ``lang``."""
        return self.find_ru(text, tokens) if lang == "ru" else self.find_en(text, tokens)
