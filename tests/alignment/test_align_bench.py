"""Alignment quality on the shared benchmark (real parallel text with gold alignments).

The thresholds sit a little below what the aligner reaches (see BENCHMARKS.md), so a change
that costs quality fails here; timings are only printed by ``bench/align_bench.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.align import align

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

Beads = list[tuple[tuple[int, ...], tuple[int, ...]]]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def _gold(path: Path) -> Beads:
    out: Beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        left, _, right = line.partition("\t")
        out.append(
            (
                tuple(int(x) for x in left.split(",") if x),
                tuple(int(x) for x in right.split(",") if x),
            )
        )
    return out


def _strict_f1_and_auc(folder: Path) -> tuple[float, float]:
    pred_total = gold_total = hits_p = hits_r = 0
    right: list[float] = []
    wrong: list[float] = []
    for doc in sorted(p for p in folder.iterdir() if p.is_dir()):
        gold = _gold(doc / "gold.tsv")
        beads = align(_lines(doc / "ru.txt"), _lines(doc / "en.txt"))
        pred = [(b.ru, b.en) for b in beads]
        g2 = {b for b in gold if b[0] and b[1]}
        p2 = {b for b in pred if b[0] and b[1]}
        pred_total += len(p2)
        gold_total += len(g2)
        hits_p += len(p2 & g2)
        hits_r += len(g2 & p2)
        for b in beads:
            if b.ru and b.en:
                (right if (b.ru, b.en) in g2 else wrong).append(b.confidence)
    precision = hits_p / max(pred_total, 1)
    recall = hits_r / max(gold_total, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pairs = [(r > w) + 0.5 * (r == w) for r in right for w in wrong]
    auc = sum(pairs) / len(pairs) if pairs else 1.0
    return f1, auc


@pytest.mark.parametrize(
    ("name", "min_f1", "min_auc"),
    [
        ("flores-synth", 0.99, 0.95),
        ("tico-synth", 0.985, 0.85),
        ("tatoeba-synth", 0.95, 0.85),
        ("bible-synth", 0.99, 0.93),
        ("paragraphs-human", 0.99, 0.0),  # too few wrong beads for an AUC to mean much
    ],
)
def test_strict_f1_and_confidence_on_the_benchmark(
    shared_data: Path, name: str, min_f1: float, min_auc: float
) -> None:
    f1, auc = _strict_f1_and_auc(shared_data / "bench" / name)
    assert f1 >= min_f1, f"{name}: strict F1 {f1:.4f} < {min_f1}"
    assert auc >= min_auc, f"{name}: confidence AUC {auc:.3f} < {min_auc}"


def test_sentences_of_whole_stories_stay_inside_their_paragraph_pairs(shared_data: Path) -> None:
    # Chekhov/Dostoevsky with Garnett's translations and the UDHR, segmented into sentences
    # and aligned with paragraphs as soft anchors: a sentence pair that joins paragraphs the
    # human alignment keeps apart (or pairs a sentence of an untranslated paragraph) is wrong.
    from alignment.align import align_texts

    total = crossing = 0
    for doc in sorted(p for p in (shared_data / "bench" / "paragraphs-human").iterdir()):
        if not doc.is_dir():
            continue
        gold = _gold(doc / "gold.tsv")
        ru_bead = {i: k for k, (r, _) in enumerate(gold) for i in r}
        en_bead = {j: k for k, (_, e) in enumerate(gold) for j in e}
        result = align_texts("\n".join(_lines(doc / "ru.txt")), "\n".join(_lines(doc / "en.txt")))
        for bead in result.beads:
            if bead.ru and bead.en:
                total += 1
                owners = {ru_bead[result.ru[i].paragraph] for i in bead.ru}
                owners |= {en_bead[result.en[j].paragraph] for j in bead.en}
                crossing += len(owners) > 1
    assert total > 400
    assert crossing <= total * 0.01
