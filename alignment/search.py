"""The banded dynamic program over beads 0-1, 1-0, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1.

The cost of a bead is the English and Russian content weight it leaves unmatched, plus a
Gale-Church length term and a prior per bead type, plus soft paragraph-boundary penalties.
The search keeps, per Russian prefix ``i``, only English prefixes ``lo[i] <= j < lo[i] +
width``: memory and time are linear in the document for a fixed band. When the best path runs
along the edge of the band, the caller widens it and searches again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from alignment.scoring import PairStats, SideFeatures

BEADS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (1, 0),
    (0, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (3, 1),
    (1, 3),
)
INF = 1e18


@dataclass(frozen=True)
class Params:
    """Weights of the cost terms (one setting for sentences and paragraphs alike)."""

    lexical: float = 0.6  # times the log-likelihood ratio of the matched content
    length: float = 1.0  # times delta^2 / 2 of Gale-Church
    skip: float = 3.5  # prior cost of a 1-0 / 0-1 bead
    merge2: float = 2.0  # prior cost of a 2-1 / 1-2 bead
    merge3: float = 3.5  # prior cost of 2-2, 3-1, 1-3
    variance: float = 6.8  # Gale-Church s^2 (characters)
    paragraph: float = 2.0  # a bead starting a paragraph on one side only
    paragraph_inside: float = 3.0  # a merged bead spanning a paragraph boundary
    norm: float = 0.5  # evidence divided by (content weight) ** norm


@dataclass(frozen=True)
class Chance:
    """Per-unit log-likelihood ratios of a match / a miss against k segments of the other side.

    ``ru_hit[k]`` = log(p_true / p_chance(k)) for a Russian unit matched in a bead with ``k``
    English segments; ``ru_miss[k]`` the same for an unmatched unit.
    """

    ru_hit: tuple[float, ...]
    ru_miss: tuple[float, ...]
    en_hit: tuple[float, ...]
    en_miss: tuple[float, ...]

    @classmethod
    def estimate(cls, q_ru: float, p_ru: float, q_en: float, p_en: float) -> Chance:
        """From the chance match rate ``q`` and the rate ``p`` in true pairs, per side."""

        def table(q: float, p: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
            q = min(max(q, 1e-4), 0.5)
            p = min(max(p, q * 1.05 + 1e-3), 0.97)
            hits, misses = [0.0], [0.0]
            for k in range(1, 4):
                pc = 1.0 - (1.0 - q) ** k
                pk = max(p, pc * 1.05)
                hits.append(math.log(pk / pc))
                misses.append(math.log((1.0 - pk) / (1.0 - pc)))
            return tuple(hits), tuple(misses)

        rh, rm = table(q_ru, p_ru)
        eh, em = table(q_en, p_en)
        return cls(rh, rm, eh, em)


@dataclass
class Band:
    """English prefix range ``lo[i] .. lo[i] + width - 1`` kept for Russian prefix ``i``."""

    lo: np.ndarray  # (n + 1,)
    width: int


def diagonal_band(n: int, m: int, half: int) -> Band:
    """A band of ``2 * half + 1`` around the straight diagonal (the whole matrix when small)."""
    if m + 1 <= 2 * half + 1:
        return Band(np.zeros(n + 1, dtype=np.int64), m + 1)
    centre = np.round(np.arange(n + 1) * (m / max(n, 1))).astype(np.int64)
    return _clip_band(centre - half, 2 * half + 1, m)


def path_band(entry: np.ndarray, exit_: np.ndarray, m: int, half: int) -> Band:
    """A band reaching ``half`` beyond a previous path, which enters Russian prefix ``i`` at
    English prefix ``entry[i]`` and leaves it at ``exit_[i]`` (after a run of 0-1 beads)."""
    width = 2 * half + 1 + int((exit_ - entry).max(initial=0))
    if m + 1 <= width:
        return Band(np.zeros(len(entry), dtype=np.int64), m + 1)
    return _clip_band(entry.astype(np.int64) - half, width, m)


def _clip_band(lo: np.ndarray, width: int, m: int) -> Band:
    lo = np.clip(lo, 0, max(0, m + 1 - width))
    lo = np.maximum.accumulate(lo)
    lo[0] = 0
    return Band(lo, width)


def pair_band(band: Band, n: int, m: int) -> tuple[np.ndarray, int]:
    """The (Russian segment × English segment) band the beads of ``band`` can touch."""
    lo = band.lo
    seg_lo = np.empty(max(n, 0), dtype=np.int64)
    seg_hi = np.empty(max(n, 0), dtype=np.int64)
    for i in range(n):
        rows = lo[i + 1 : min(n, i + 3) + 1]
        seg_lo[i] = max(0, int(rows.min()) - 3)
        seg_hi[i] = min(m, int(rows.max()) + band.width)
    width = int((seg_hi - seg_lo).max()) if n else 1
    return seg_lo, max(width, 1)


def search(
    ru: SideFeatures,
    en: SideFeatures,
    stats: PairStats,
    band: Band,
    params: Params,
    ratio: float,
    chance: Chance,
    ru_par_start: np.ndarray | None = None,
    en_par_start: np.ndarray | None = None,
    margins: bool = False,
    tick: Callable[[float], None] | None = None,
) -> tuple[list[tuple[int, int, int, int]], bool, list[tuple[float, float]]]:
    """Best path as beads ``(i0, i1, j0, j1)`` (half-open ranges), whether it touched the edge
    of the band, and each bead's margin (how much a path without it would cost more)."""
    n, m = len(ru.lengths), len(en.lengths)
    W = band.width
    lo = band.lo
    cum_r = np.concatenate([[0.0], np.cumsum(ru.lengths)])
    cum_e = np.concatenate([[0.0], np.cumsum(en.lengths)])
    cum_wr = np.concatenate([[0.0], np.cumsum(ru.weights)])
    cum_we = np.concatenate([[0.0], np.cumsum(en.weights)])
    if ru_par_start is None:
        ru_par_start = np.zeros(n + 1, dtype=bool)
    if en_par_start is None:
        en_par_start = np.zeros(m + 1, dtype=bool)
    # A paragraph starts at segment k when par_start[k]; index n/m (the end) counts as a start.
    rps = ru_par_start.astype(np.float64)
    eps = en_par_start.astype(np.float64)
    cum_rps = np.concatenate([[0.0], np.cumsum(rps[:n])])
    cum_eps = np.concatenate([[0.0], np.cumsum(eps[:m])])

    pad = 4
    for a in (1, 2, 3):
        if n >= a:
            pad = max(pad, int((lo[a:] - lo[:-a]).max()) + 4)
    J = lo[:, None] + np.arange(W)[None, :]  # (n + 1, W): English prefix of each cell
    valid = m >= J
    Jc = np.minimum(J, m)
    rows = np.arange(n + 1)[:, None]
    s_lo, s_w = stats.lo, stats.width
    lex, lenw, var = params.lexical, params.length, params.variance

    flat_ru = stats.ru.reshape(-1)
    flat_en = stats.en.reshape(-1)

    def gather(flat: np.ndarray, i_seg: np.ndarray, j: np.ndarray) -> np.ndarray:
        # Cells outside the pair band only occur where the bead is invalid (masked later).
        idx = np.clip(j - s_lo[i_seg], 0, s_w - 1)
        idx += i_seg * s_w
        return flat[idx]

    costs: dict[tuple[int, int], np.ndarray] = {}
    for a, b in BEADS:
        if a == 0 or b == 0:
            continue
        i_from = np.clip(rows - a, 0, max(n - 1, 0))
        j0 = J - b
        ok = valid & (j0 >= 0) & (rows >= a)
        mr = np.zeros((n + 1, W))
        me = np.zeros((n + 1, W))
        en_sums = [np.zeros((n + 1, W)) for _ in range(b)]
        for da in range(a):
            ii = np.clip(i_from + da, 0, max(n - 1, 0))
            acc = np.zeros((n + 1, W))
            for db in range(b):
                acc += gather(flat_ru, ii, j0 + db)
                en_sums[db] += gather(flat_en, ii, j0 + db)
            mr += np.minimum(acc, ru.weights[ii])
        for db in range(b):
            jv = np.clip(j0 + db, 0, max(m - 1, 0))
            me += np.minimum(en_sums[db], en.weights[jv])
        i_lo = np.maximum(rows - a, 0)
        jb = np.maximum(j0, 0)
        wr = cum_wr[np.minimum(rows, n)] - cum_wr[i_lo]
        we = cum_we[Jc] - cum_we[jb]
        # Log-likelihood ratio: matched content is evidence for the bead, unmatched content
        # against it; a larger bead matches more by chance, so each match earns less.
        evidence = (
            mr * chance.ru_hit[b]
            + (wr - mr) * chance.ru_miss[b]
            + me * chance.en_hit[a]
            + (we - me) * chance.en_miss[a]
        )
        lr = cum_r[np.minimum(rows, n)] - cum_r[i_lo]
        le = cum_e[Jc] - cum_e[jb]
        delta = (le - ratio * lr) / np.sqrt(var * (ratio * lr + le) * 0.5 + 1.0)
        cost = -lex * evidence / (wr + we + 1.0) ** params.norm + lenw * 0.5 * delta * delta
        if a + b == 3:
            cost += params.merge2
        elif a + b > 3:
            cost += params.merge3
        # Paragraphs: a bead should start a paragraph on both sides or on neither, and a
        # merged bead should not run across a paragraph boundary.
        cost += params.paragraph * np.abs(rps[i_lo] - eps[jb])
        inside = (cum_rps[np.minimum(rows, n)] - cum_rps[np.minimum(i_lo + 1, n)]) + (
            cum_eps[Jc] - cum_eps[np.minimum(jb + 1, m)]
        )
        cost += params.paragraph_inside * np.maximum(inside, 0.0)
        costs[(a, b)] = np.where(ok, cost, INF)

    # All bead types' costs stacked per row, so that each row of the program is a handful of
    # whole-array operations: gather the predecessors, add, take the minimum.
    stack = np.full((n + 1, len(BEADS), W), INF)
    shifts = np.zeros((n + 1, len(BEADS)), dtype=np.int64)
    from_rows = np.zeros((n + 1, len(BEADS)), dtype=np.int64)
    for t, (a, b) in enumerate(BEADS):
        if a == 0:
            continue  # 0-1 beads chain inside a row, below
        stack[:, t, :] = costs[(a, b)] if b else np.where(valid, params.skip, INF)
        prev = np.maximum(np.arange(n + 1) - a, 0)
        from_rows[:, t] = prev
        shifts[:, t] = lo - lo[prev] - b + pad
        stack[: min(a, n + 1), t, :] = INF
    D = np.full((n + 1, W + 2 * pad), INF)
    BP = np.zeros((n + 1, W), dtype=np.int8)
    skip_en_cum = np.arange(m + 1, dtype=np.float64) * params.skip
    cols = np.arange(W)
    for i in range(n + 1):
        if tick is not None and i % 2048 == 0:
            tick(i / (n + 1))
        if i == 0:
            base = np.full(W, INF)
            base[0] = 0.0
            bp = np.full(W, -1, dtype=np.int8)
        else:
            cand = D[from_rows[i][:, None], shifts[i][:, None] + cols] + stack[i]
            bp = cand.argmin(axis=0)
            base = cand[bp, cols]
        # 0-1 beads chain inside the row: D[j] = min(base[j], D[j-1] + skip).
        S = skip_en_cum[Jc[i]]
        chained = np.minimum.accumulate(np.where(valid[i], base - S, INF)) + S
        better = chained < base - 1e-9
        D[i, pad : pad + W] = np.where(valid[i], np.where(better, chained, base), INF)
        BP[i] = np.where(better, 2, bp)
    # Backtrace.
    beads: list[tuple[int, int, int, int]] = []
    i, j = n, m
    edge = False
    while i > 0 or j > 0:
        t = j - lo[i]
        if t < 0 or t >= W:
            raise RuntimeError("alignment path left the band")
        if (t == 0 and lo[i] > 0) or (t == W - 1 and j < m):
            edge = True
        k = int(BP[i, t])
        if k < 0:
            raise RuntimeError("no alignment path")
        a, b = BEADS[k]
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    beads.reverse()
    if not margins:
        return beads, edge, []
    return beads, edge, _margins(beads, D, stack, lo, pad, J, valid, m, params.skip)


def _margins(
    beads: list[tuple[int, int, int, int]],
    D: np.ndarray,
    stack: np.ndarray,
    lo: np.ndarray,
    pad: int,
    J: np.ndarray,
    valid: np.ndarray,
    m: int,
    skip: float,
) -> list[tuple[float, float]]:
    """Per bead: how much worse the best path avoiding its boundaries is (a max-marginal), and
    the bead's own cost.

    A backward pass gives, for every cell, the cost of the best complete path through it; a
    boundary is as sure as the cheapest path that crosses its row or column elsewhere.
    """
    n = D.shape[0] - 1
    W = J.shape[1]
    cols = np.arange(W)
    B = np.full_like(D, INF)
    stackp = np.full((n + 1, stack.shape[1], W + 2 * pad), INF)
    stackp[:, :, pad : pad + W] = stack
    S_all = np.arange(m + 1, dtype=np.float64) * skip
    kinds = [(t, a, b) for t, (a, b) in enumerate(BEADS) if a > 0]
    t_idx = np.array([t for t, _, _ in kinds])[:, None]
    a_vec = np.array([a for _, a, _ in kinds])
    b_vec = np.array([b for _, _, b in kinds])
    for i in range(n, -1, -1):
        if i == n:
            base = np.full(W, INF)
            base[m - lo[n]] = 0.0
        else:
            r = np.minimum(i + a_vec, n)
            s = (lo[i] - lo[r] + b_vec + pad)[:, None] + cols
            cand = B[r[:, None], s] + stackp[r[:, None], t_idx, s]
            cand[i + a_vec > n] = INF
            base = cand.min(axis=0)
        S = S_all[np.minimum(J[i], m)]
        chained = np.minimum.accumulate(np.where(valid[i], base + S, INF)[::-1])[::-1] - S
        B[i, pad : pad + W] = np.where(valid[i], np.minimum(base, chained), INF)
    total = D[:, pad : pad + W] + B[:, pad : pad + W]
    best = float(D[n, pad + m - lo[n]])
    on_path = np.zeros((n + 1, W), dtype=bool)
    nodes = [(0, 0)] + [(i1, j1) for _, i1, _, j1 in beads]
    for i, j in nodes:
        on_path[i, j - lo[i]] = True
    off = np.where(on_path | ~valid | (total >= INF / 2), INF, total)
    row_m = off.min(axis=1) - best
    col_m = np.full(m + 1, INF)
    np.minimum.at(col_m, J[valid], off[valid])
    col_m -= best
    out = []
    for i0, i1, j0, j1 in beads:
        kind = BEADS.index((i1 - i0, j1 - j0))
        own = skip if kind == 2 else float(stack[i1, kind, j1 - lo[i1]])
        out.append((float(min(row_m[i0], row_m[i1], col_m[j0], col_m[j1], 50.0)), own))
    return out
