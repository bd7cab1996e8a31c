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
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alignment.anchors import Lang, month_key, name_anchor, number_keys
from alignment.lexicon import Lexicon
from alignment.text import _TOKEN_RE, is_abbreviation, lemma_en, lemma_ru

# Words that carry grammar rather than content: they match everywhere, so they are left out.
FUNCTION_RU = frozenset(
    [
        "и", "в", "во", "не", "на", "с", "со", "что", "а", "как", "по", "к", "ко", "у", "из", "за",
        "от", "о", "об", "же", "бы", "ли", "до", "для", "то", "это", "так", "но", "да", "или", "ни",
        "при", "без", "под", "над", "про", "через", "если", "когда", "чтобы", "уже", "еще", "ещё",
        "вот", "тоже", "также", "быть",
    ]
)  # fmt: skip
FUNCTION_EN = frozenset(
    [
        "the", "a", "an", "of", "and", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "that", "this",
        "these", "those", "or", "but", "not", "no", "nor", "so", "if", "then", "than", "there",
        "which", "who", "whom", "whose", "what", "do", "does", "did", "have", "has", "had", "will",
        "would", "shall", "should", "can", "could", "may", "might", "must", "'s",
    ]
)  # fmt: skip


@dataclass
class SideFeatures:
    """The units of every segment of one side, as flat arrays, plus character lengths.

    Unit ``u`` belongs to segment ``unit_seg[u]`` and weighs ``unit_w[u]``; it may match
    through the keys ``occ_kid[k]`` for every ``k`` with ``occ_uid[k] == u`` (key ids of the
    document's shared key vocabulary).
    """

    lengths: np.ndarray  # characters per segment
    weights: np.ndarray  # total unit weight per segment
    unit_w: np.ndarray
    unit_seg: np.ndarray
    unit_lemma: list[str]
    occ_kid: np.ndarray
    occ_uid: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    def lemmas(self, seg: int) -> list[str]:
        """The unit lemmas of segment ``seg`` (in order)."""
        a, z = np.searchsorted(self.unit_seg, [seg, seg + 1])
        return self.unit_lemma[a:z]


class KeyVocabulary(dict[str, int]):
    """Key string → id, shared by the two sides of one document."""

    def id_of(self, key: str) -> int:
        """The id of ``key``, adding it when new."""
        kid = self.get(key)
        if kid is None:
            kid = self[key] = len(self)
        return kid


IDF_OFFSET = 0.5


def _idf(df: Counter[str], n: int) -> dict[str, float]:
    # Smoothed so that in a tiny document every word still weighs about the same.
    return {k: math.log((n + 4.0) / (c + 1.0)) + IDF_OFFSET for k, c in df.items()}


def _anchor_keys(word: str, lemma: str, lang: Lang, capitalised: bool) -> list[str]:
    keys: list[str] = []
    if any(ch.isdigit() for ch in word):
        keys.extend(number_keys(word, lang))
        return keys
    month = month_key(lemma, lang)
    if month:
        keys.append(month)
    if capitalised or is_abbreviation(word):
        name = name_anchor(lemma if lang == "ru" and not is_abbreviation(word) else word)
        if name:
            keys.append(name)
    return keys


_Unit = tuple[str, tuple[int, ...]] | None


def _en_keys(word: str) -> tuple[str, list[str]] | None:
    if any(ch.isdigit() for ch in word):
        return word, number_keys(word, "en")
    lem = lemma_en(word.lower())
    if lem in FUNCTION_EN:
        return None
    return lem, [lem, *_anchor_keys(word, lem, "en", word[:1].isupper())]


def _ru_keys(word: str, lexicon: Lexicon) -> tuple[str, list[str]] | None:
    if any(ch.isdigit() for ch in word):
        return word, number_keys(word, "ru")
    lem = lemma_ru(word)
    if lem in FUNCTION_RU:
        return None
    keys = list(lexicon.translations(lem))
    if not any("\u0400" <= ch <= "\u04ff" for ch in lem):
        keys.append(lemma_en(lem))  # a word in Latin letters left in the Russian text
    keys.extend(_anchor_keys(word, lem, "ru", word[:1].isupper()))
    return lem, keys


def _features(
    segments: Sequence[str],
    unit_of: Callable[[str], _Unit],
    phrases: Sequence[tuple[str, frozenset[str], tuple[int, ...]]] = (),
) -> SideFeatures:
    by_word: dict[str, list[tuple[str, frozenset[str], tuple[int, ...]]]] = defaultdict(list)
    for phrase in phrases:
        by_word[min(phrase[1])].append(phrase)
    cache: dict[str, _Unit] = {}
    seg_of: list[int] = []
    lemma_of: list[str] = []
    kids_of: list[tuple[int, ...]] = []
    df: Counter[str] = Counter()
    for s_no, text in enumerate(segments):
        start = len(lemma_of)
        for word in _TOKEN_RE.findall(text):
            if not word[0].isalnum():
                continue  # punctuation
            try:
                unit = cache[word]
            except KeyError:
                unit = cache[word] = unit_of(word)
            if unit is not None:
                lemma_of.append(unit[0])
                kids_of.append(unit[1])
        if by_word:
            present = set(lemma_of[start:])
            for lem in present & by_word.keys():
                for key, need, kids in by_word[lem]:
                    if need <= present:
                        lemma_of.append(key)
                        kids_of.append(kids)
        for mark in ("?", "!"):
            if mark in text:
                unit = cache.get(mark) or unit_of(mark)
                if unit is not None:
                    lemma_of.append(mark)
                    kids_of.append(unit[1])
        seg_of.extend([s_no] * (len(lemma_of) - start))
        df.update(set(lemma_of[start:]))
    idf = _idf(df, len(segments))
    unit_w = np.array([idf[lem] for lem in lemma_of], dtype=np.float64)
    unit_seg = np.array(seg_of, dtype=np.int64)
    weights = np.bincount(unit_seg, unit_w, minlength=len(segments)).astype(np.float64)
    lengths = np.array([max(1, len(s.strip())) for s in segments], dtype=np.float64)
    sizes = np.array([len(k) for k in kids_of], dtype=np.int64)
    occ_uid = np.repeat(np.arange(len(kids_of), dtype=np.int64), sizes)
    occ_kid = np.fromiter((k for ks in kids_of for k in ks), dtype=np.int64, count=int(sizes.sum()))
    return SideFeatures(lengths, weights, unit_w, unit_seg, lemma_of, occ_kid, occ_uid)


def _phrases(
    lexicon: Lexicon, side: int, function: frozenset[str], vocab: KeyVocabulary, add: bool
) -> list[tuple[str, frozenset[str], tuple[int, ...]]]:
    """Multi-word lexicon entries as (key, content lemmas needed, key ids) for one side."""
    out: list[tuple[str, frozenset[str], tuple[int, ...]]] = []
    for number, pair in enumerate(lexicon.phrases):
        need = frozenset(lem for lem in pair[side] if lem not in function)
        key = f"P:{number}"
        if not need or (not add and key not in vocab):
            continue
        out.append((key, need, (vocab.id_of(key),)))
    return out


def features_en(
    segments: Sequence[str], vocab: KeyVocabulary, lexicon: Lexicon | None = None
) -> SideFeatures:
    """Units of English segments: content lemmas and their anchors (keys added to ``vocab``).

    Multi-word terms of ``lexicon`` found in a segment become units of their own.
    """

    def unit_of(word: str) -> _Unit:
        found = _en_keys(word) if word not in "?!" else (word, [word])
        if found is None:
            return None
        return found[0], tuple(vocab.id_of(k) for k in found[1])

    phrases = _phrases(lexicon, 1, FUNCTION_EN, vocab, True) if lexicon else []
    return _features(segments, unit_of, phrases)


def features_ru(segments: Sequence[str], lexicon: Lexicon, vocab: KeyVocabulary) -> SideFeatures:
    """Units of Russian segments: each content word with the English keys it may match.

    Only keys found on the English side (``vocab``, filled by :func:`features_en`) are kept.
    """

    def unit_of(word: str) -> _Unit:
        found = _ru_keys(word, lexicon) if word not in "?!" else (word, [word])
        if found is None:
            return None
        return found[0], tuple({vocab[k] for k in found[1] if k in vocab})

    return _features(segments, unit_of, _phrases(lexicon, 0, FUNCTION_RU, vocab, False))


def with_learned(
    side: SideFeatures, learned: Mapping[str, set[str]], vocab: KeyVocabulary
) -> SideFeatures:
    """Russian features with the keys of a learned lexicon added to the units it covers."""
    extra_uid: list[int] = []
    extra_kid: list[int] = []
    for uid, lem in enumerate(side.unit_lemma):
        for en in learned.get(lem, ()):
            kid = vocab.get(en)
            if kid is not None:
                extra_uid.append(uid)
                extra_kid.append(kid)
    if not extra_uid:
        return side
    return SideFeatures(
        side.lengths,
        side.weights,
        side.unit_w,
        side.unit_seg,
        side.unit_lemma,
        np.concatenate([side.occ_kid, np.array(extra_kid, dtype=np.int64)]),
        np.concatenate([side.occ_uid, np.array(extra_uid, dtype=np.int64)]),
    )


def blocks(side: SideFeatures, cuts: np.ndarray, min_weight: float) -> SideFeatures:
    """Consecutive segments joined into blocks at ``cuts`` (a coarse view of a long text),
    keeping only units weighing more than ``min_weight`` (the rarer words)."""
    block_of_seg = np.searchsorted(cuts, np.arange(len(side.lengths)), side="right") - 1
    keep = side.unit_w > min_weight
    new_uid = np.cumsum(keep) - 1
    unit_seg = block_of_seg[side.unit_seg[keep]]
    unit_w = side.unit_w[keep]
    occ_keep = keep[side.occ_uid]
    count = len(cuts) - 1
    return SideFeatures(
        np.maximum(np.bincount(block_of_seg, side.lengths, minlength=count), 1.0),
        np.bincount(unit_seg, unit_w, minlength=count).astype(np.float64),
        unit_w,
        unit_seg,
        [lem for lem, k in zip(side.unit_lemma, keep, strict=True) if k],
        side.occ_kid[occ_keep],
        new_uid[side.occ_uid[occ_keep]],
    )


@dataclass
class PairStats:
    """Matched unit weight for (ru i, en j) pairs with ``lo[i] <= j < lo[i] + width``."""

    lo: np.ndarray
    width: int
    ru: np.ndarray  # (n, width) matched Russian weight of segment i against segment j
    en: np.ndarray  # (n, width) matched English weight of segment j against segment i


def pair_stats(ru: SideFeatures, en: SideFeatures, lo: np.ndarray, width: int) -> PairStats:
    """Matched weights for every pair in the band (Russian ``i`` × English ``lo[i]..+width``).

    Vectorised: every (key, Russian segment) occurrence is looked up among the English
    occurrences of the same key inside its band with one ``searchsorted``; a unit that matches
    a segment through several keys is then counted once.
    """
    n, m = len(ru.lengths), len(en.lengths)
    lo = np.asarray(lo, dtype=np.int64)
    out_ru = np.zeros((n, width), dtype=np.float64)
    out_en = np.zeros((n, width), dtype=np.float64)
    if len(ru.occ_kid) == 0 or len(en.occ_kid) == 0:
        return PairStats(lo, width, out_ru, out_en)
    ej_all = en.unit_seg[en.occ_uid]
    comb = en.occ_kid * (m + 1) + ej_all
    order = np.argsort(comb, kind="stable")
    comb = comb[order]
    ej = ej_all[order]
    eu = en.occ_uid[order]
    ri = ru.unit_seg[ru.occ_uid]
    base = ru.occ_kid * (m + 1) + lo[ri]
    start = np.searchsorted(comb, base)
    stop = np.searchsorted(comb, base + width)
    count = stop - start
    total = int(count.sum())
    if total == 0:
        return PairStats(lo, width, out_ru, out_en)
    rep = np.repeat(np.arange(len(base)), count)
    eidx = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(total)
    ii = ri[rep]
    jj = ej[eidx]
    ru_u = ru.occ_uid[rep]
    en_u = eu[eidx]
    cell = ii * width + (jj - lo[ii])
    # A Russian unit counts once per English segment, an English unit once per Russian one.
    _, first = np.unique(ru_u * (m + 1) + jj, return_index=True)
    out_ru.reshape(-1)[:] += np.bincount(cell[first], ru.unit_w[ru_u[first]], minlength=n * width)
    _, first = np.unique(en_u * (n + 1) + ii, return_index=True)
    out_en.reshape(-1)[:] += np.bincount(cell[first], en.unit_w[en_u[first]], minlength=n * width)
    return PairStats(lo, width, out_ru, out_en)
