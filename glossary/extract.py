"""Term extraction: candidate terms from an aligned document, with English equivalents.

Three kinds of candidates are proposed for a reviewer to accept or reject:

* ``abbreviation``: all-capital words (``ОГПУ``, ``НКВД``), also inside ``ОГПУ-НКВД``;
* ``name``: capitalised multi-word names (``Иоанн Креститель``, ``Военная коллегия Верховного
  суда СССР``): from a capitalised word to a capitalised word or abbreviation, at most two
  lower-case words in between;
* ``ngram``: lemma sequences of two or three words that recur (``права человека``).

Inflected occurrences are counted together (by lemma sequence); the most frequent written form
is shown. English suggestions come from the aligned pairs: the English word sequences that
occur in the same pairs as the candidate, ranked by the Dice coefficient
``2·both / (ru pairs + en pairs)``; for an abbreviation its transliteration (``ОГПУ`` → ``OGPU``)
comes first when the translation uses it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from alignment.text import Lang, has_cyrillic, is_abbreviation, part_of_speech_ru
from glossary.matcher import TermMatcher, units

MIN_DICE = 0.2
MAX_SUGGESTIONS = 3
MAX_EN_WORDS = 7


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed term: its most frequent written form, English suggestions (best first),
    how many times it occurs, and its kind (``abbreviation``, ``name`` or ``ngram``)."""

    ru: str
    en_suggestions: tuple[str, ...]
    frequency: int
    kind: str
    key: str = ""


@cache
def _stop_words(lang: Lang) -> frozenset[str]:
    if lang == "ru":
        from spacy.lang.ru.stop_words import STOP_WORDS as RU

        return frozenset(RU)
    from spacy.lang.en.stop_words import STOP_WORDS as EN

    return frozenset(EN)


def _transliterate(text: str) -> str:
    from alignment.translit import transliterate

    return transliterate(text, "bgn")


@dataclass
class _Word:
    key: str
    start: int
    end: int
    surface: str
    sentence_start: bool


def _sentences(text: str, lang: Lang) -> list[list[_Word]]:
    """Runs of words not interrupted by punctuation, with a flag for sentence-initial words."""
    runs: list[list[_Word]] = [[]]
    sentence_start = True
    for key, start, end in units(text, lang):
        if key is None:
            if runs[-1]:
                runs.append([])
            if text[start:end] in ".!?…:":
                sentence_start = True
            continue
        runs[-1].append(_Word(key, start, end, text[start:end], sentence_start))
        sentence_start = False
    return [r for r in runs if r]


def _capitalised(word: _Word) -> bool:
    return word.surface[:1].isupper()


def _ngrams(run: list[_Word], lang: Lang, sizes: range) -> list[tuple[int, int]]:
    stop = _stop_words(lang)
    out: list[tuple[int, int]] = []
    for n in sizes:
        for i in range(len(run) - n + 1):
            first, last = run[i], run[i + n - 1]
            if first.key.lower() in stop or last.key.lower() in stop:
                continue
            words = run[i : i + n]
            if any(any(ch.isdigit() for ch in w.key) for w in words):
                continue
            if not any(len(w.key) >= 3 for w in words):
                continue
            out.append((i, i + n))
    return out


_VERBAL = frozenset({"VERB", "INFN", "GRND", "PRTS"})


def _noun_phrase(words: list[_Word]) -> bool:
    """A term is a noun phrase: a noun (or a word pymorphy3 does not know) and no verb."""
    kinds = [part_of_speech_ru(w.surface) for w in words]
    return not _VERBAL.intersection(k for k in kinds if k) and any(
        k in (None, "NOUN", "NAME") for k in kinds
    )


def _names(run: list[_Word]) -> list[tuple[int, int]]:
    stop = _stop_words("ru")
    out: list[tuple[int, int]] = []
    for i, first in enumerate(run):
        # "Но Иисус", "И Он": a capitalised function word opens a sentence, not a name.
        if not _capitalised(first) or is_abbreviation(first.surface) or first.key in stop:
            continue
        lower = 0
        for j in range(i + 1, min(len(run), i + 6)):
            word = run[j]
            if _capitalised(word) and word.key not in stop:
                out.append((i, j + 1))
                lower = 0
            else:
                lower += 1
                if lower > 2:
                    break
    return out


def extract_candidates(
    pairs: Sequence[tuple[str, str]],
    *,
    known: TermMatcher | None = None,
    min_frequency: int = 2,
    min_ngram_frequency: int = 3,
) -> list[Candidate]:
    """Candidate terms of an aligned document (``(ru, en)`` pairs), most frequent first.

    Terms of ``known`` (the current glossary) are not proposed again.
    """
    occurrences: dict[tuple[str, str], list[int]] = defaultdict(list)
    surfaces: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    en_pairs: dict[str, set[int]] = defaultdict(set)
    en_surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    known_keys: set[str] = set()
    pair_keys: list[set[str]] = []  # the English n-grams of each pair
    if known is not None:
        from glossary.matcher import term_key

        known_keys = {term_key(t.ru) for t in known.terms.values()}

    for index, (ru, en) in enumerate(pairs):
        covered: list[tuple[int, int]] = (
            [(m.start, m.end) for m in known.find_ru(ru)] if known is not None else []
        )
        for run in _sentences(ru, "ru"):
            spans: list[tuple[str, int, int]] = []
            for i, w in enumerate(run):
                if is_abbreviation(w.surface) and has_cyrillic(w.surface):
                    spans.append(("abbreviation", i, i + 1))
            spans += [("name", i, j) for i, j in _names(run)]
            spans += [
                ("ngram", i, j)
                for i, j in _ngrams(run, "ru", range(2, 4))
                if _noun_phrase(run[i:j])
            ]
            for kind, i, j in spans:
                start, end = run[i].start, run[j - 1].end
                if any(s <= start and end <= e for s, e in covered):
                    continue
                key = " ".join(w.key for w in run[i:j])
                if key in known_keys:
                    continue
                occurrences[(kind, key)].append(index)
                surfaces[(kind, key)][ru[start:end]] += 1
        seen: set[str] = set()
        pair_keys.append(seen)
        for run in _sentences(en, "en"):
            for i, j in _ngrams(run, "en", range(1, MAX_EN_WORDS + 1)):
                key = " ".join(w.key for w in run[i:j])
                en_surfaces[key][en[run[i].start : run[j - 1].end]] += 1
                if key not in seen:
                    seen.add(key)
                    en_pairs[key].add(index)

    # How often each key occurs inside a longer name or n-gram: a candidate that only ever
    # occurs inside one longer candidate is that candidate (коллегия Верховного суда).
    inside: dict[str, int] = {}
    for (kind, key), indices in occurrences.items():
        if kind == "abbreviation" or len(indices) < min_frequency:
            continue
        words = key.split()
        for n in range(1, len(words)):
            for i in range(len(words) - n + 1):
                sub = " ".join(words[i : i + n])
                inside[sub] = max(inside.get(sub, 0), len(indices))
    candidates: list[Candidate] = []
    seen_keys: set[str] = set()
    for (kind, key), indices in sorted(occurrences.items(), key=lambda kv: kv[0][0] != "name"):
        frequency = len(indices)
        threshold = min_ngram_frequency if kind == "ngram" else min_frequency
        if frequency < threshold or key in seen_keys:
            continue
        if kind != "abbreviation" and inside.get(key, 0) >= frequency:
            continue
        seen_keys.add(key)
        ru_form = surfaces[(kind, key)].most_common(1)[0][0]
        suggestions = _suggest(set(indices), len(key.split()), pair_keys, en_pairs, en_surfaces)
        if kind == "abbreviation":
            latin = _transliterate(ru_form)
            if any(s.lower() == latin.lower() for s in suggestions) or not suggestions:
                rest = [s for s in suggestions if s.lower() != latin.lower()]
                suggestions = [latin, *rest][:MAX_SUGGESTIONS]
        candidates.append(Candidate(ru_form, tuple(suggestions), frequency, kind, key))
    candidates.sort(key=lambda c: (-c.frequency, c.kind, c.ru))
    return candidates


def _suggest(
    indices: set[int],
    ru_words: int,
    pair_keys: list[set[str]],
    en_pairs: dict[str, set[int]],
    en_surfaces: dict[str, Counter[str]],
) -> list[str]:
    together: Counter[str] = Counter()
    for index in indices:
        together.update(pair_keys[index])
    stop = _stop_words("en")
    scored: list[tuple[float, int, str]] = []
    for key, both in together.items():
        if both < 2 and len(indices) > 1:
            continue
        dice = 2 * both / (len(indices) + len(en_pairs[key]))
        if dice >= MIN_DICE:
            content = sum(1 for w in key.split() if w.lower() not in stop)
            scored.append((dice, abs(content - ru_words), key))
    # Best Dice first; among ties the phrase whose length is closest to the Russian one
    # (СССР → USSR, but Военная коллегия … СССР → Military Collegium of the USSR Supreme Court).
    scored.sort(key=lambda s: (-round(s[0], 2), s[1], s[2]))
    out: list[str] = []
    keys: list[str] = []
    for _, _, key in scored:
        padded = f" {key} "
        if all(padded not in f" {k} " and f" {k} " not in padded for k in keys):
            keys.append(key)
            out.append(en_surfaces[key].most_common(1)[0][0])
        if len(out) == MAX_SUGGESTIONS:
            break
    return out


def english_phrases(en: str, max_words: int = 3) -> dict[str, str]:
    """The English word sequences of ``en`` a term could be rendered as: lemma key → as written.

    Sequences of 1 to ``max_words`` words inside one sentence, not starting or ending with a
    function word.
    """
    out: dict[str, str] = {}
    for run in _sentences(en, "en"):
        for i, j in _ngrams(run, "en", range(1, max_words + 1)):
            key = " ".join(w.key for w in run[i:j])
            out.setdefault(key, en[run[i].start : run[j - 1].end])
    return out
