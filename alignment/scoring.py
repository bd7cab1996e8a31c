"""Evidence that a Russian and an English segment translate each other.

Every content word of a segment becomes a *unit* with a weight (rare words weigh more) and a
set of keys: an English unit's keys are its lemma and its anchors; a Russian unit's keys are
the English lemmas its lemma may translate to (dictionaries, the learned lexicon) and its
anchors. A unit is *matched* in a candidate bead when one of its keys occurs on the other
side. :func:`pair_stats` computes, for every (Russian, English) segment pair inside a band,
the matched weight on each side; the search combines these into bead costs.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from alignment.anchors import month_key, name_anchor, number_keys, punctuation_keys
from alignment.lexicon import Lexicon
from alignment.text import is_abbreviation, lemma_en, lemma_ru, tokenize

# Words that carry grammar rather than content: they match everywhere, so they are left out.
FUNCTION_RU = frozenset(
    """и в во не на с со что а как по к ко у из за от о об же бы ли до для то это так но да
    или ни при без под над про через если когда чтобы уже еще ещё вот тоже также быть""".split()
)
FUNCTION_EN = frozenset(
    """the a an of and to in on at by for with from as is are was were be been being am it its
    that this these those or but not no nor so if then than there which who whom whose what
    do does did have has had will would shall should can could may might must 's""".split()
)
_MIN_WEIGHT = 1e-6


@dataclass
class SideFeatures:
    """The units of every segment of one side: keys and weights, plus character lengths."""

    lengths: np.ndarray  # characters per segment
    units: list[list[tuple[frozenset[str], float]]]
    weights: np.ndarray  # total unit weight per segment
    lemmas: list[list[str]]  # content lemmas per segment (for the learned lexicon)
    keys: list[frozenset[str]] = field(default_factory=list)  # union of unit keys


def _idf(df: Counter[str], n: int) -> dict[str, float]:
    # Smoothed so that in a tiny document every word still weighs about the same.
    return {k: math.log((n + 4.0) / (c + 1.0)) + 0.5 for k, c in df.items()}


def _anchor_keys(word: str, lemma: str, lang: str, capitalised: bool) -> list[str]:
    keys: list[str] = []
    if any(ch.isdigit() for ch in word):
        keys.extend(number_keys(word, "ru" if lang == "ru" else "en"))
        return keys
    month = month_key(lemma, "ru" if lang == "ru" else "en")
    if month:
        keys.append(month)
    if capitalised or is_abbreviation(word):
        name = name_anchor(lemma if lang == "ru" and not is_abbreviation(word) else word)
        if name:
            keys.append(name)
    return keys


def _segment_words(text: str) -> list[tuple[str, bool]]:
    out = []
    for tok in tokenize(text):
        if tok.is_word:
            out.append((tok.text, tok.text[:1].isupper()))
    return out


def features_en(segments: Sequence[str]) -> SideFeatures:
    """Units of English segments."""
    raw: list[list[tuple[str, list[str]]]] = []
    df: Counter[str] = Counter()
    for text in segments:
        items: list[tuple[str, list[str]]] = []
        for word, cap in _segment_words(text):
            low = word.lower()
            lem = word if any(ch.isdigit() for ch in word) else lemma_en(low)
            if lem in FUNCTION_EN:
                continue
            keys = [lem, *_anchor_keys(word, lem, "en", cap)]
            items.append((lem, keys))
        for p in punctuation_keys(text):
            items.append((p, [p]))
        raw.append(items)
        df.update({lem for lem, _ in items})
    return _finish(raw, df, segments)


def features_ru(segments: Sequence[str], lexicon: Lexicon, learned: Mapping[str, set[str]]) -> SideFeatures:
    """Units of Russian segments: each content word with the English keys it may match."""
    raw: list[list[tuple[str, list[str]]]] = []
    df: Counter[str] = Counter()
    cache: dict[str, list[str]] = {}
    for text in segments:
        items: list[tuple[str, list[str]]] = []
        for word, cap in _segment_words(text):
            if any(ch.isdigit() for ch in word):
                items.append((word, number_keys(word, "ru")))
                continue
            low = word.lower()
            lem = lemma_ru(low)
            if lem in FUNCTION_RU:
                continue
            ck = f"{lem}\x00{int(cap)}\x00{word if is_abbreviation(word) else ''}"
            keys = cache.get(ck)
            if keys is None:
                keys = list(lexicon.translations(lem))
                if lem in learned:
                    keys.extend(learned[lem])
                if not any("\u0400" <= ch <= "\u04ff" for ch in lem):
                    keys.append(lemma_en(lem))  # a Latin word left in the Russian text
                keys.extend(_anchor_keys(word, lem, "ru", cap))
                cache[ck] = keys
            items.append((lem, keys))
        for p in punctuation_keys(text):
            items.append((p, [p]))
        raw.append(items)
        df.update({lem for lem, _ in items})
    return _finish(raw, df, segments)


def _finish(
    raw: list[list[tuple[str, list[str]]]], df: Counter[str], segments: Sequence[str]
) -> SideFeatures:
    idf = _idf(df, len(segments))
    units = [[(frozenset(keys), idf[lem]) for lem, keys in items] for items in raw]
    weights = np.array([sum(w for _, w in u) for u in units], dtype=np.float64)
    lengths = np.array([max(1, len(s.strip())) for s in segments], dtype=np.float64)
    lemmas = [[lem for lem, _ in items] for items in raw]
    keys = [frozenset().union(*(k for k, _ in u)) if u else frozenset() for u in units]
    return SideFeatures(lengths, units, weights, lemmas, keys)


@dataclass
class PairStats:
    """Matched unit weight for (ru i, en j) pairs with ``lo[i] <= j < lo[i] + width``."""

    lo: np.ndarray
    width: int
    ru: np.ndarray  # (n, width) matched Russian weight of segment i against segment j
    en: np.ndarray  # (n, width) matched English weight of segment j against segment i


def pair_stats(ru: SideFeatures, en: SideFeatures, lo: np.ndarray, width: int) -> PairStats:
    """Matched weights for every pair in the band (Russian ``i`` × English ``lo[i]..+width``)."""
    n = len(ru.units)
    postings: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for j, units in enumerate(en.units):
        for u, (keys, w) in enumerate(units):
            for k in keys:
                postings[k].append((j, u, w))
    starts = {k: [p[0] for p in v] for k, v in postings.items()}
    out_ru = np.zeros((n, width), dtype=np.float64)
    out_en = np.zeros((n, width), dtype=np.float64)
    for i, units in enumerate(ru.units):
        a = int(lo[i])
        b = a + width
        row_ru = out_ru[i]
        row_en = out_en[i]
        seen_en: set[tuple[int, int]] = set()
        for keys, w in units:
            hit: set[int] = set()
            for k in keys:
                plist = postings.get(k)
                if plist is None:
                    continue
                js = starts[k]
                s = bisect_left(js, a)
                e = bisect_left(js, b, s)
                for j, u, we in plist[s:e]:
                    hit.add(j)
                    if (j, u) not in seen_en:
                        seen_en.add((j, u))
                        row_en[j - a] += we
            for j in hit:
                row_ru[j - a] += w
    return PairStats(lo, width, out_ru, out_en)
