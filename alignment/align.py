"""Sentence and paragraph alignment of a Russian text and its English translation.

``align`` takes two lists of segments (sentences, verses or paragraphs) and returns beads
that cover every segment of both sides exactly once, in order. It works in two passes: the
first uses length, the dictionaries and anchors (numbers, dates, names, Latin words); a
lexicon is then learned from the first pass's one-to-one pairs (words that keep occurring
together) and the length ratio re-estimated on them, and the second pass aligns again with
both, in a band around the first path. Long texts get a coarse pass over blocks of segments
first, to place the band. Confidence comes from a backward pass: how much more the best
alignment that avoids a bead's boundaries would cost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from alignment.lexicon import Lexicon, default_lexicon
from alignment.scoring import (
    KeyVocabulary,
    PairStats,
    SideFeatures,
    blocks,
    features_en,
    features_ru,
    pair_stats,
    with_learned,
)
from alignment.search import Band, Chance, Params, diagonal_band, pair_band, path_band, search
from alignment.types import Bead, Segment

PARAMS = Params()
_FULL_LIMIT = 400  # documents up to this many segments a side are searched without a band
_HALF_BAND = 20  # around the coarse path
_HALF_BAND_FINE = 10  # around the first pass's path
_BLOCK = 10  # segments per block in the coarse pass
_HALF_BAND_BLOCKS = 40
_MAX_CELLS = 30_000_000


@dataclass(frozen=True)
class AlignedText:
    """Two segmented texts and their alignment."""

    ru: list[Segment]
    en: list[Segment]
    beads: list[Bead]


def align(
    ru: Sequence[str],
    en: Sequence[str],
    *,
    ru_paragraphs: Sequence[int] | None = None,
    en_paragraphs: Sequence[int] | None = None,
    locked: Sequence[Bead] = (),
    lexicon: Lexicon | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[Bead]:
    """Align Russian segments ``ru`` with English segments ``en``.

    Returns monotone beads covering every index of both sides exactly once. ``locked`` beads
    (set by a person) are kept exactly and the rest is aligned around them. Paragraph indices,
    when given, act as soft anchors. ``progress`` receives fractions from 0 to 1. Raises
    ``ValueError`` when both sides are empty or the locked beads are inconsistent.
    """
    ru, en = list(ru), list(en)
    n, m = len(ru), len(en)
    if n == 0 and m == 0:
        raise ValueError(
            "Both texts are empty: there is nothing to align. Check that the files contain text."
        )
    for name, pars, size in (("Russian", ru_paragraphs, n), ("English", en_paragraphs, m)):
        if pars is not None and len(pars) != size:
            raise ValueError(
                f"The {name} paragraph numbers ({len(pars)}) do not match its segments ({size})."
            )
    _check_locked(locked, n, m)
    lex = lexicon if lexicon is not None else default_lexicon()
    report = progress or (lambda _f: None)
    report(0.0)
    # Gaps between locked beads that have both sides are aligned independently; a locked
    # 1-0 or 0-1 bead is taken out of its gap and put back after the gap is aligned.
    result: list[Bead] = []
    anchors = [b for b in locked if b.ru and b.en]
    loose = [b for b in locked if not (b.ru and b.en)]
    total = max(1, n + m)
    i = j = 0
    for bead in [*anchors, None]:
        r1 = bead.ru[0] if bead is not None else n
        e1 = bead.en[0] if bead is not None else m
        done = i + j

        def sub_progress(f: float, _done: int = done, _size: int = (r1 - i) + (e1 - j)) -> None:
            report(min(1.0, (_done + f * _size) / total))

        result.extend(
            _align_gap(ru, en, ru_paragraphs, en_paragraphs, i, r1, j, e1, loose, lex, sub_progress)
        )
        if bead is not None:
            result.append(bead)
            i, j = bead.ru[-1] + 1, bead.en[-1] + 1
    report(1.0)
    return result


def _align_gap(
    ru: list[str],
    en: list[str],
    ru_pars: Sequence[int] | None,
    en_pars: Sequence[int] | None,
    r0: int,
    r1: int,
    e0: int,
    e1: int,
    loose: list[Bead],
    lexicon: Lexicon,
    progress: Callable[[float], None],
) -> list[Bead]:
    fixed_r = {b.ru[0]: b for b in loose if b.ru and r0 <= b.ru[0] < r1}
    fixed_e = {b.en[0]: b for b in loose if b.en and e0 <= b.en[0] < e1}
    taken_r = {k for b in fixed_r.values() for k in b.ru}
    taken_e = {k for b in fixed_e.values() for k in b.en}
    ru_idx = [k for k in range(r0, r1) if k not in taken_r]
    en_idx = [k for k in range(e0, e1) if k not in taken_e]
    sub: list[Bead] = []
    if ru_idx or en_idx:
        sub = _align_free(
            [ru[k] for k in ru_idx],
            [en[k] for k in en_idx],
            None if ru_pars is None else [ru_pars[k] for k in ru_idx],
            None if en_pars is None else [en_pars[k] for k in en_idx],
            lexicon,
            progress,
        )
    out: list[Bead] = []
    # Put each locked one-sided bead right before the first bead that comes after it.
    pend_r = sorted(fixed_r.items())
    pend_e = sorted(fixed_e.items())
    for b in sub:
        rr = tuple(ru_idx[k] for k in b.ru)
        ee = tuple(en_idx[k] for k in b.en)
        r_runs, e_runs = _runs(rr), _runs(ee)
        if len(r_runs) + len(e_runs) <= 2:
            parts = [(rr, ee, b.confidence)]
        else:
            # The bead straddles a locked one-sided bead: keep its first runs together and
            # leave the rest on their own, for the reviewer to look at.
            low = b.confidence * 0.5
            parts = [(r_runs[0] if r_runs else (), e_runs[0] if e_runs else (), low)]
            parts += [(run, (), low) for run in r_runs[1:]]
            parts += [((), run, low) for run in e_runs[1:]]
        for pr, pe, conf in parts:
            while pend_r and pr and pend_r[0][0] < pr[0]:
                out.append(pend_r.pop(0)[1])
            while pend_e and pe and pend_e[0][0] < pe[0]:
                out.append(pend_e.pop(0)[1])
            out.append(Bead(pr, pe, conf))
    out.extend(b for _, b in pend_r)
    out.extend(b for _, b in pend_e)
    return out


def _runs(indices: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Consecutive runs of sorted indices: (1, 2, 4) -> [(1, 2), (4,)]."""
    runs: list[list[int]] = []
    for k in indices:
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return [tuple(r) for r in runs]


def _check_locked(locked: Sequence[Bead], n: int, m: int) -> None:
    last_r = last_e = -1
    for bead in locked:
        for side, idx, size, last in (
            ("Russian", bead.ru, n, last_r),
            ("English", bead.en, m, last_e),
        ):
            if any(k < 0 or k >= size for k in idx):
                raise ValueError(f"A locked pair refers to a {side} segment that does not exist.")
            if list(idx) != list(range(idx[0], idx[0] + len(idx))) if idx else False:
                raise ValueError(f"A locked pair joins {side} segments that are not consecutive.")
            if idx and idx[0] <= last:
                raise ValueError("Locked pairs overlap or are out of order; unlock one and retry.")
        if not bead.ru and not bead.en:
            raise ValueError("A locked pair has no segments on either side.")
        last_r = bead.ru[-1] if bead.ru else last_r
        last_e = bead.en[-1] if bead.en else last_e


def _par_starts(pars: Sequence[int] | None, size: int) -> np.ndarray | None:
    if pars is None or size == 0:
        return None
    starts = np.ones(size + 1, dtype=bool)
    for k in range(1, size):
        starts[k] = pars[k] != pars[k - 1]
    return starts


def _align_free(
    ru: list[str],
    en: list[str],
    ru_pars: list[int] | None,
    en_pars: list[int] | None,
    lexicon: Lexicon,
    progress: Callable[[float], None],
) -> list[Bead]:
    n, m = len(ru), len(en)
    if n == 0:
        return [Bead((), (j,), 0.5) for j in range(m)]
    if m == 0:
        return [Bead((i,), (), 0.5) for i in range(n)]
    rps, eps = _par_starts(ru_pars, n), _par_starts(en_pars, m)
    # Paragraph marks help only when paragraphs group several segments on both sides.
    if rps is None or eps is None or rps[:n].all() or eps[:m].all():
        rps = eps = None
    vocab = KeyVocabulary()
    fe = features_en(en, vocab, lexicon)
    fr = features_ru(ru, lexicon, vocab)
    progress(0.1)
    ratio = float(fe.lengths.sum() / max(fr.lengths.sum(), 1.0))
    params = PARAMS
    guide = None
    if max(n, m) > _FULL_LIMIT:
        guide = _coarse_guide(fr, fe, params, ratio)
        progress(0.25)
    path, _ = _run(
        fr, fe, params, ratio, rps, eps, guide, _HALF_BAND, tick=lambda f: progress(0.25 + 0.3 * f)
    )
    progress(0.55)
    ratio = _length_ratio(fr, fe, path) or ratio
    learned = _learn(fr, fe, path)
    if learned:
        fr = with_learned(fr, learned, vocab)
    path, margins = _run(
        fr,
        fe,
        params,
        ratio,
        rps,
        eps,
        _path_rows(path, n),
        _HALF_BAND_FINE,
        want_margins=True,
        tick=lambda f: progress(0.6 + 0.35 * f),
    )
    progress(0.95)
    return [
        Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), _confidence(margin))
        for (i0, i1, j0, j1), margin in zip(path, margins, strict=True)
    ]


def _run(
    fr: SideFeatures,
    fe: SideFeatures,
    params: Params,
    ratio: float,
    rps: np.ndarray | None,
    eps: np.ndarray | None,
    previous: tuple[np.ndarray, np.ndarray] | None,
    half: int,
    want_margins: bool = False,
    tick: Callable[[float], None] | None = None,
) -> tuple[list[tuple[int, int, int, int]], list[tuple[float, float]]]:
    n, m = len(fr.lengths), len(fe.lengths)
    if max(n, m) <= _FULL_LIMIT:
        half = max(n, m) + 1
    while True:
        band: Band = (
            diagonal_band(n, m, half + abs(n - m) // 4)
            if previous is None
            else path_band(previous[0], previous[1], m, half)
        )
        seg_lo, width = pair_band(band, n, m)
        stats = pair_stats(fr, fe, seg_lo, width)
        chance = _chance(fr, fe, stats)
        path, edge, margins = search(
            fr, fe, stats, band, params, ratio, chance, rps, eps, margins=want_margins, tick=tick
        )
        # Widen the band when the path ran along its edge (an omission longer than the band),
        # up to a limit that keeps memory in bounds on very long texts.
        if not edge or band.width >= m + 1 or band.width * n > _MAX_CELLS:
            return path, margins
        half *= 2


def _coarse_guide(
    fr: SideFeatures, fe: SideFeatures, params: Params, ratio: float
) -> tuple[np.ndarray, np.ndarray]:
    """A rough path for a long text: align blocks of about ``_BLOCK`` segments by their rare
    words and lengths, then interpolate the block boundaries to every Russian prefix."""
    n, m = len(fr.lengths), len(fe.lengths)
    count = max(2, -(-max(n, m) // _BLOCK))
    r_cut = np.round(np.linspace(0, n, count + 1)).astype(np.int64)
    e_cut = np.round(np.linspace(0, m, count + 1)).astype(np.int64)
    br = blocks(fr, r_cut, float(np.median(fr.unit_w)) if len(fr.unit_w) else 0.0)
    be = blocks(fe, e_cut, float(np.median(fe.unit_w)) if len(fe.unit_w) else 0.0)
    path, _ = _run(br, be, params, ratio, None, None, None, _HALF_BAND_BLOCKS)
    xs = [0]
    ys = [0]
    for i0, i1, j0, j1 in path:
        if i1 > i0 and j1 > j0:
            xs.append(int(r_cut[i1]))
            ys.append(int(e_cut[j1]))
    xs.append(n)
    ys.append(m)
    centre = np.round(np.interp(np.arange(n + 1), xs, ys)).astype(np.int64)
    return centre, centre


def _chance(fr: SideFeatures, fe: SideFeatures, stats: PairStats) -> Chance:
    """Match rates by chance (all pairs but each row's best) and in true pairs (the best)."""
    n, m = len(fr.weights), len(fe.weights)
    cols = stats.lo[:, None] + np.arange(stats.width)[None, :]
    inside = cols < m
    we = np.where(inside, fe.weights[np.minimum(cols, m - 1)], 0.0)
    wr = np.where(inside, fr.weights[:, None], 0.0)
    best = np.argmax(stats.ru + stats.en, axis=1)
    rows = np.arange(n)

    def rates(pr: np.ndarray, w: np.ndarray) -> tuple[float, float]:
        hit_best = pr[rows, best].sum()
        w_best = w[rows, best].sum()
        if w_best <= 0 or w.sum() - w_best <= 0:
            return 0.05, 0.5
        return float((pr.sum() - hit_best) / (w.sum() - w_best)), float(hit_best / w_best)

    q_ru, p_ru = rates(stats.ru, wr)
    q_en, p_en = rates(stats.en, we)
    return Chance.estimate(q_ru, p_ru, q_en, p_en)


def _path_rows(path: list[tuple[int, int, int, int]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Where the path enters and leaves each Russian prefix (they differ after 0-1 beads)."""
    entry = np.full(n + 1, -1, dtype=np.int64)
    exit_ = np.zeros(n + 1, dtype=np.int64)
    for i0, i1, j0, j1 in path:
        if entry[i0] < 0:
            entry[i0] = j0
        exit_[i0] = max(exit_[i0], j0)
        for i in range(i0 + 1, i1 + 1):
            entry[i] = exit_[i] = j1
    entry[n] = entry[n] if entry[n] >= 0 else exit_[n]
    exit_[n] = max(exit_[n], int(path[-1][3]) if path else 0)
    entry = np.where(entry < 0, exit_, entry)
    return entry, exit_


def _length_ratio(
    fr: SideFeatures, fe: SideFeatures, path: list[tuple[int, int, int, int]]
) -> float:
    """The English/Russian length ratio re-estimated on the first pass's 1-1 beads (omitted
    passages distort the ratio of the totals)."""
    ones = [(i0, j0) for i0, i1, j0, j1 in path if i1 - i0 == 1 and j1 - j0 == 1]
    lr = float(fr.lengths[[i for i, _ in ones]].sum()) if ones else 0.0
    le = float(fe.lengths[[j for _, j in ones]].sum()) if ones else 0.0
    return le / lr if len(ones) >= 20 and lr > 0 else 0.0


LEARN_MIN_COUNT = 2
LEARN_MIN_DICE = 0.6


def _learn(
    fr: SideFeatures, fe: SideFeatures, path: list[tuple[int, int, int, int]]
) -> dict[str, set[str]]:
    """Word pairs that keep occurring together in the first pass's confident 1-1 beads."""
    pairs: Counter[tuple[str, str]] = Counter()
    cr: Counter[str] = Counter()
    ce: Counter[str] = Counter()
    for i0, i1, j0, j1 in path:
        if i1 - i0 != 1 or j1 - j0 != 1:
            continue
        rl = set(fr.lemmas(i0))
        el = set(fe.lemmas(j0))
        if not rl or not el or len(rl) * len(el) > 900:
            continue
        cr.update(rl)
        ce.update(el)
        for r in rl:
            for e in el:
                pairs[(r, e)] += 1
    learned: dict[str, set[str]] = {}
    for (r, e), c in pairs.items():
        if c < LEARN_MIN_COUNT:
            continue
        dice = 2.0 * c / (cr[r] + ce[e])
        if dice >= LEARN_MIN_DICE:
            learned.setdefault(r, set()).add(e)
    return learned


def _confidence(margin: tuple[float, float]) -> float:
    """Probability-like confidence from a bead's margin over the best path avoiding it and its
    own cost (a two-feature logistic fitted on the shared benchmark)."""
    z = CONF_MARGIN * margin[0] + CONF_COST * margin[1] + CONF_BIAS
    return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))))


CONF_MARGIN = 0.83
CONF_COST = -0.106
CONF_BIAS = 0.31


def align_texts(
    ru_text: str,
    en_text: str,
    *,
    presegmented: bool = False,
    lexicon: Lexicon | None = None,
    progress: Callable[[float], None] | None = None,
) -> AlignedText:
    """Segment two texts (or take one segment per line) and align them.

    Raises ``ValueError`` with a message for the translator when a text is empty.
    """
    from alignment.segment import segment_lines, segment_text

    if presegmented:
        ru_segs, en_segs = segment_lines(ru_text), segment_lines(en_text)
    else:
        ru_segs, en_segs = segment_text(ru_text, "ru"), segment_text(en_text, "en")
    if not ru_segs and not en_segs:
        raise ValueError("Both texts are empty: there is nothing to align.")
    beads = align(
        [s.text for s in ru_segs],
        [s.text for s in en_segs],
        ru_paragraphs=[s.paragraph for s in ru_segs],
        en_paragraphs=[s.paragraph for s in en_segs],
        lexicon=lexicon,
        progress=progress,
    )
    return AlignedText(ru_segs, en_segs, beads)
