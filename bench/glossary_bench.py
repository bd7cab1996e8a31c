"""Glossary benchmark: term recognition precision/recall, whole-document check time, re-check time.

    .venv/bin/python bench/glossary_bench.py

1. Precision and recall of term recognition on ``bench/term_labels.tsv`` (29 Russian and
   English terms; the matcher was improved while looking at it) and on
   ``bench/term_labels_heldout.tsv`` (12 more terms, labelled once the matcher was final):
   occurrences in real sentences of ``../shared/data``. The files store only file, line, term
   and the expected matched words; the sentences are read here.
2. A 2,000-term glossary (terms extracted from the document itself, so they really occur)
   checked over a ~100,000-word document pair built from the shared corpora's gold alignments:
   all QA checks on every pair, with the lemma caches empty (first check) and warm (re-check).
3. One pair re-checked on save: per-pair time of all checks, caches emptied before each pair.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

from alignment import text as language  # noqa: E402
from glossary import matcher as matcher_module  # noqa: E402
from glossary.checks import run_checks  # noqa: E402
from glossary.extract import extract_candidates  # noqa: E402
from glossary.matcher import TermMatcher, term_key, units  # noqa: E402
from glossary.types import Equivalent, Term  # noqa: E402

TERMS = 2_000
REPEATS = 3
WORDS = 100_000
SETS = ("tico-synth", "flores-synth", "bible-synth", "tatoeba-synth", "paragraphs-human")


def clear_caches(matcher: TermMatcher | None = None) -> None:
    """Forget every word's lemma, as in a fresh server process."""
    if matcher is not None:
        matcher.forget_words()
    for fn in (
        language.lemma_ru,
        language.lemma_en,
        matcher_module._key_ru,
        matcher_module._key_en,
        matcher_module._readings_ru,
    ):
        fn.cache_clear()


def precision_recall(labels: str) -> None:
    rows = []
    for line in (ROOT / "bench" / labels).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        file, line_number, lang, term, expected = line.split("\t")
        rows.append((file, int(line_number), lang, term, expected))
    terms: dict[str, Term] = {}
    for _, _, lang, term, _ in rows:
        if term not in terms:
            terms[term] = (
                Term(term, term, status="approved")
                if lang == "ru"
                else Term(term, "-", (Equivalent(term),), "approved")
            )
    matcher = TermMatcher(terms.values())
    texts: dict[str, list[str]] = {}
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    errors = []
    for file, number, lang, term, expected in rows:
        if file not in texts:
            texts[file] = (SHARED / file).read_text(encoding="utf-8").split("\n")
        sentence = texts[file][number - 1]
        got = Counter(
            " ".join(m.text.split())
            for m in matcher.find(sentence, lang)  # type: ignore[arg-type]
            if m.term_id == term
        )
        want = Counter(" ".join(s.split()) for s in expected.split(" | ") if s)
        for key in (lang, "all"):
            totals[key]["tp"] += sum((got & want).values())
            totals[key]["fp"] += sum((got - want).values())
            totals[key]["fn"] += sum((want - got).values())
            totals[key]["lines"] += 1
            totals[key]["negative_lines"] += not want
        if got != want:
            errors.append(f"    {term}: {file}:{number} found {dict(got)}, expected {dict(want)}")
    print(f"Term recognition (bench/{labels})")
    for key in ("ru", "en", "all"):
        t = totals[key]
        p = t["tp"] / max(1, t["tp"] + t["fp"])
        r = t["tp"] / max(1, t["tp"] + t["fn"])
        print(
            f"  {key:3}: lines {t['lines']:3} (of which {t['negative_lines']} without the term), "
            f"occurrences {t['tp'] + t['fn']:3}: precision {p:.3f}, recall {r:.3f}, "
            f"F1 {2 * p * r / max(1e-9, p + r):.3f}  (tp {t['tp']}, fp {t['fp']}, fn {t['fn']})"
        )
    print("  errors:")
    print("\n".join(errors) or "    none")


def document_pairs() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    words = 0
    for name in SETS:
        for doc in sorted((SHARED / "bench" / name).iterdir()):
            ru = (doc / "ru.txt").read_text(encoding="utf-8").split("\n")
            en = (doc / "en.txt").read_text(encoding="utf-8").split("\n")
            for bead in (doc / "gold.tsv").read_text(encoding="utf-8").splitlines():
                left, _, right = bead.partition("\t")
                ru_text = " ".join(ru[int(i)] for i in left.split(",") if i)
                en_text = " ".join(en[int(i)] for i in right.split(",") if i)
                pairs.append((ru_text, en_text))
                words += len(ru_text.split())
                if words >= WORDS:
                    return pairs
    return pairs


def build_glossary(pairs: list[tuple[str, str]]) -> list[Term]:
    """2,000 terms that occur in ``pairs``: extracted candidates, then frequent single nouns."""
    terms: list[Term] = []
    keys: set[str] = set()
    for c in extract_candidates(pairs, min_frequency=2, min_ngram_frequency=2):
        if c.key in keys or not c.en_suggestions:
            continue
        keys.add(c.key)
        # Every fifth term also has a deprecated equivalent, so that check runs as well.
        second = "deprecated" if len(terms) % 5 == 0 else "admitted"
        eqs = (Equivalent(c.en_suggestions[0]),) + tuple(
            Equivalent(e, second) for e in c.en_suggestions[1:2]
        )
        terms.append(Term(f"t{len(terms)}", c.ru, eqs, "approved"))
        if len(terms) == TERMS:
            return terms
    stop = __import__("spacy.lang.ru.stop_words", fromlist=["STOP_WORDS"]).STOP_WORDS
    counts: Counter[str] = Counter()
    forms: dict[str, str] = {}
    ru_pairs: dict[str, set[int]] = defaultdict(set)
    en_pairs: dict[str, set[int]] = defaultdict(set)
    en_forms: dict[str, str] = {}
    for index, (ru, en) in enumerate(pairs):
        for key, start, end in units(ru, "ru"):
            if key and len(key) > 4 and key not in stop and key.isalpha():
                counts[key] += 1
                forms.setdefault(key, ru[start:end])
                ru_pairs[key].add(index)
        for key, start, end in units(en, "en"):
            if key and len(key) > 3 and key.isalpha():
                en_pairs[key].add(index)
                en_forms.setdefault(key, en[start:end])
    by_pair: dict[int, list[str]] = defaultdict(list)
    for key, indices in en_pairs.items():
        for index in indices:
            by_pair[index].append(key)
    for key, _ in counts.most_common():
        if key in keys or term_key(forms[key]) in keys:
            continue
        # The English word that best shares this word's pairs (Dice), as its equivalent.
        together: Counter[str] = Counter()
        for index in ru_pairs[key]:
            together.update(by_pair[index])
        best = max(
            together,
            key=lambda en: 2 * together[en] / (len(ru_pairs[key]) + len(en_pairs[en])),
            default=None,
        )
        if best is None:
            continue
        keys.add(key)
        terms.append(Term(f"t{len(terms)}", forms[key], (Equivalent(en_forms[best]),), "approved"))
        if len(terms) == TERMS:
            break
    return terms


def timing() -> None:
    pairs = document_pairs()
    ru_words = sum(len(language.words(ru)) for ru, _ in pairs)
    en_words = sum(len(language.words(en)) for _, en in pairs)
    t0 = time.perf_counter()
    terms = build_glossary(pairs)
    t_extract = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher = TermMatcher(terms)
    t_build = time.perf_counter() - t0
    print(
        f"\nDocument pair: {len(pairs)} pairs, {ru_words:,} Russian + {en_words:,} English words"
        f" ({', '.join(SETS)}); glossary: {len(terms)} terms"
    )
    print(f"  term extraction from the document (to build the glossary): {t_extract:.2f} s")
    print(f"  matcher build, {len(terms)} terms: {t_build * 1000:.0f} ms")
    language.lemma("загрузка", "ru")  # load pymorphy3 and the English table outside the timing
    language.lemma("load", "en")
    for label, kwargs in (("terminology checks only", "terminology"), ("all checks", None)):
        checks = None
        if kwargs:
            from glossary.checks import TERMINOLOGY_CHECKS

            checks = TERMINOLOGY_CHECKS
        runs = []
        for _ in range(REPEATS):
            clear_caches(matcher)
            t0, c0 = time.perf_counter(), time.process_time()
            issues = sum(
                len(run_checks(ru, en, matcher=matcher, checks=checks)) for ru, en in pairs
            )
            cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            sum(len(run_checks(ru, en, matcher=matcher, checks=checks)) for ru, en in pairs)
            warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
            runs.append((cold, cold_cpu, warm, warm_cpu))
        cold, cold_cpu, warm, warm_cpu = (min(r[i] for r in runs) for i in range(4))
        print(
            f"  whole document, {label} (best of {REPEATS}): {cold:.2f} s (CPU {cold_cpu:.2f} s) "
            f"with empty lemma caches, {warm:.2f} s (CPU {warm_cpu:.2f} s) re-checked "
            f"({issues} issues)"
        )
    rng = random.Random(5)
    sample = rng.sample(pairs, 300)
    cold_ms: list[float] = []
    cold_cpu_ms: list[float] = []
    warm_ms: list[float] = []
    for ru, en in sample:
        clear_caches(matcher)
        t0, c0 = time.perf_counter(), time.process_time()
        run_checks(ru, en, matcher=matcher)
        cold_ms.append((time.perf_counter() - t0) * 1000)
        cold_cpu_ms.append((time.process_time() - c0) * 1000)
        t0 = time.perf_counter()
        run_checks(ru, en, matcher=matcher)
        warm_ms.append((time.perf_counter() - t0) * 1000)
    longest = max(pairs, key=lambda p: len(p[0]) + len(p[1]))
    clear_caches(matcher)
    t0 = time.perf_counter()
    run_checks(*longest, matcher=matcher)
    long_ms = (time.perf_counter() - t0) * 1000

    def q(values: list[float], p: float) -> float:
        return sorted(values)[min(len(values) - 1, int(p * len(values)))]

    print(
        f"  one pair re-checked on save (all checks, 300 random pairs, lemma caches emptied "
        f"before each): median {statistics.median(cold_ms):.2f} ms, p95 {q(cold_ms, 0.95):.2f} ms,"
        f" max {max(cold_ms):.2f} ms (CPU: max {max(cold_cpu_ms):.2f} ms); with warm caches median "
        f"{statistics.median(warm_ms):.2f} ms, max {max(warm_ms):.2f} ms"
    )
    print(
        f"  the longest pair ({len(longest[0].split())} + {len(longest[1].split())} words), "
        f"empty caches: {long_ms:.1f} ms"
    )


def main() -> None:
    print(f"load average when starting: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not SHARED.is_dir():
        sys.exit(f"needs {SHARED} (the shared corpora beside the project folder)")
    precision_recall("term_labels.tsv")
    precision_recall("term_labels_heldout.tsv")
    timing()


if __name__ == "__main__":
    main()
