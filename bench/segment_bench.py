"""Sentence-boundary precision/recall/F1 of razdel, spaCy's sentencizer and Sverka's splitter.

Gold: ``../shared/data/segmentation/flores`` (FLORES-200 devtest, boundaries checked by hand).
Only boundaries inside a paragraph count; a paragraph's end is given. Run::

    .venv/bin/python bench/segment_bench.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alignment.segment import segment_text, split_sentences  # noqa: E402

GOLD = ROOT.parent / "shared" / "data" / "segmentation" / "flores"

Splitter = Callable[[str], list[tuple[int, int]]]


def load_gold(lang: str) -> list[tuple[str, list[str]]]:
    """Paragraphs of the gold with their gold sentences, in order."""
    paragraphs = (GOLD / f"{lang}.paragraphs.txt").read_text(encoding="utf-8").splitlines()
    blocks = (GOLD / f"{lang}.sentences.txt").read_text(encoding="utf-8").strip().split("\n\n")
    sentences = [block.splitlines() for block in blocks]
    if len(paragraphs) != len(sentences):
        raise SystemExit(f"{lang}: {len(paragraphs)} paragraphs but {len(sentences)} blocks")
    return list(zip(paragraphs, sentences, strict=True))


def gold_boundaries(paragraph: str, sentences: list[str]) -> set[int]:
    """Offsets in ``paragraph`` where a gold sentence (other than the first) starts."""
    found: set[int] = set()
    pos = 0
    for i, sentence in enumerate(sentences):
        at = paragraph.index(sentence, pos)
        if i:
            found.add(at)
        pos = at + len(sentence)
    return found


def evaluate(lang: str, splitter: Splitter) -> dict[str, float]:
    """Boundary precision, recall, F1 (and seconds) of ``splitter`` on the ``lang`` gold.

    ``splitter`` takes a paragraph and returns its sentence spans ``(start, end)``.
    """
    tp = fp = fn = 0
    elapsed = 0.0
    for paragraph, sentences in load_gold(lang):
        gold = gold_boundaries(paragraph, sentences)
        t0 = time.perf_counter()
        spans = splitter(paragraph)
        elapsed += time.perf_counter() - t0
        predicted = {start for start, _ in spans[1:]}
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fp": fp,
        "fn": fn,
        "seconds": elapsed,
    }


def errors(lang: str, splitter: Splitter, context: int = 40) -> list[str]:
    """The wrong and missed boundaries of ``splitter``, with some context, for reading."""
    out: list[str] = []
    for paragraph, sentences in load_gold(lang):
        gold = gold_boundaries(paragraph, sentences)
        predicted = {start for start, _ in splitter(paragraph)[1:]}
        for kind, positions in (("FP", predicted - gold), ("FN", gold - predicted)):
            for at in sorted(positions):
                left = paragraph[max(0, at - context) : at]
                out.append(f"{kind} …{left}‖{paragraph[at : at + context]}…")
    return out


def razdel_splitter(paragraph: str) -> list[tuple[int, int]]:
    """razdel.sentenize as a splitter."""
    from razdel import sentenize

    return [(s.start, s.stop) for s in sentenize(paragraph)]


@cache
def _spacy(lang: str):  # type: ignore[no-untyped-def]
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def spacy_splitter(lang: str) -> Splitter:
    """spaCy's blank pipeline with the rule-based ``sentencizer``."""
    nlp = _spacy(lang)

    def split(paragraph: str) -> list[tuple[int, int]]:
        return [(s.start_char, s.end_char) for s in nlp(paragraph).sents]

    return split


def sverka_splitter(lang: str) -> Splitter:
    """Sverka's ``split_sentences``."""

    def split(paragraph: str) -> list[tuple[int, int]]:
        return split_sentences(paragraph, lang)  # type: ignore[arg-type]

    return split


def _best_time(function: Callable[[], object], repeat: int = 3) -> float:
    """Best CPU seconds of ``repeat`` runs after a warm-up run (imports, tables, caches).

    CPU time rather than wall time: other jobs on a shared machine would inflate the latter.
    """
    function()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        function()
        best = min(best, time.process_time() - t0)
    return best


def _scale(lang: str) -> list[tuple[str, int, float]]:
    """Seconds ``segment_text`` takes on book-sized inputs: (what, sentences, seconds)."""
    rows = []
    book = "\n\n".join(paragraph for paragraph, _ in load_gold(lang) * 10)
    segments = len(segment_text(book, lang))  # type: ignore[arg-type]
    seconds = _best_time(lambda: segment_text(book, lang))  # type: ignore[arg-type]
    rows.append(("flores paragraphs x10, blank-line separated", segments, seconds))
    stress = ROOT.parent / "shared" / "data" / "bench" / "stress-tatoeba-15k" / "doc000"
    if (stress / f"{lang}.txt").is_file():
        text = (stress / f"{lang}.txt").read_text(encoding="utf-8")
        segments = len(segment_text(text, lang))  # type: ignore[arg-type]
        seconds = _best_time(lambda: segment_text(text, lang))  # type: ignore[arg-type]
        rows.append(("stress-tatoeba-15k, one paragraph per line", segments, seconds))
    return rows


def main() -> None:
    """Print P/R/F1 and time per splitter and language; ``--errors`` lists Sverka's mistakes."""
    if not GOLD.is_dir():
        raise SystemExit(f"needs the segmentation gold at {GOLD}")
    show_errors = "--errors" in sys.argv
    print(f"load average {os.getloadavg()[0]:.1f}; times are CPU time, best of 3 runs")
    print("Sentence boundaries inside paragraphs, FLORES-200 devtest gold")
    print(f"{'lang':4} {'splitter':18} {'P':>6} {'R':>6} {'F1':>6} {'FP':>4} {'FN':>4} {'ms':>7}")
    for lang in ("ru", "en"):
        paragraphs = [paragraph for paragraph, _ in load_gold(lang)]
        for name, splitter in (
            ("razdel", razdel_splitter),
            ("spacy sentencizer", spacy_splitter(lang)),
            ("sverka", sverka_splitter(lang)),
        ):
            r = evaluate(lang, splitter)
            seconds = _best_time(lambda s=splitter, ps=paragraphs: [s(p) for p in ps])  # type: ignore[misc]
            print(
                f"{lang:4} {name:18} {r['precision']:6.4f} {r['recall']:6.4f} {r['f1']:6.4f} "
                f"{r['fp']:4.0f} {r['fn']:4.0f} {seconds * 1000:7.1f}"
            )
        if show_errors:
            for line in errors(lang, sverka_splitter(lang)):
                print("   ", line)
    print()
    print("segment_text (paragraphs + sentences) on book-sized inputs")
    for lang in ("ru", "en"):
        for what, segments, seconds in _scale(lang):
            print(f"{lang:4} {what:45} {segments:6d} sentences {seconds:6.3f} s")


if __name__ == "__main__":
    main()
