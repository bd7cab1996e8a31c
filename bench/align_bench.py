"""Alignment benchmark: every set in ``../shared/data/bench``, Sverka against nltk's Gale-Church.

Prints per set strict and lax precision/recall/F1 (Sennrich & Volk 2011, as in the data
README), the confidence AUC (how well confidence ranks wrong beads below right ones), time and
peak memory; the stress set's peak memory is measured in a subprocess of its own. Also runs
the segmentation gold through ``bench/segment_bench.py``'s ``evaluate`` when it exists.

    .venv/bin/python bench/align_bench.py [--sets flores-synth,...] [--no-nltk]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "data" / "bench"
sys.path.insert(0, str(ROOT))

BeadT = tuple[tuple[int, ...], tuple[int, ...]]


def read_gold(path: Path) -> list[BeadT]:
    """Beads of a ``gold.tsv`` file."""
    beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        left, _, right = line.partition("\t")
        beads.append(
            (
                tuple(int(x) for x in left.split(",") if x.strip()),
                tuple(int(x) for x in right.split(",") if x.strip()),
            )
        )
    return beads


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1] if path.exists() else []


def counts(pred: list[BeadT], gold: list[BeadT]) -> dict[str, int]:
    """Counts for strict and lax P/R over beads with two non-empty sides."""
    p = [b for b in pred if b[0] and b[1]]
    g = [b for b in gold if b[0] and b[1]]
    gset = set(g)
    pset = set(p)
    glinks = {(r, e) for b in g for r in b[0] for e in b[1]}
    plinks = {(r, e) for b in p for r in b[0] for e in b[1]}
    return {
        "pred": len(p),
        "gold": len(g),
        "strict_p": sum(b in gset for b in p),
        "strict_r": sum(b in pset for b in g),
        "lax_p": sum(any((r, e) in glinks for r in b[0] for e in b[1]) for b in p),
        "lax_r": sum(any((r, e) in plinks for r in b[0] for e in b[1]) for b in g),
    }


def prf(c: dict[str, int], kind: str) -> tuple[float, float, float]:
    p = c[f"{kind}_p"] / max(c["pred"], 1)
    r = c[f"{kind}_r"] / max(c["gold"], 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def auc(scores: list[tuple[float, bool]]) -> float:
    """Probability that a right bead gets a higher confidence than a wrong one."""
    pos = sorted(s for s, ok in scores if ok)
    neg = sorted(s for s, ok in scores if not ok)
    if not pos or not neg:
        return float("nan")
    import bisect

    total = 0.0
    for s in pos:
        lo = bisect.bisect_left(neg, s)
        hi = bisect.bisect_right(neg, s)
        total += lo + 0.5 * (hi - lo)
    return total / (len(pos) * len(neg))


def add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + v for k, v in b.items()}


def run_sverka(doc: Path) -> tuple[list[BeadT], list[float]]:
    from alignment.align import align

    beads = align(read_lines(doc / "ru.txt"), read_lines(doc / "en.txt"))
    return [(b.ru, b.en) for b in beads], [b.confidence for b in beads]


def run_nltk(doc: Path) -> list[BeadT] | None:
    """nltk's Gale-Church (it refuses long documents: then ``None``)."""
    from nltk.translate import gale_church

    ru = read_lines(doc / "ru.txt")
    en = read_lines(doc / "en.txt")
    try:
        links = gale_church.align_blocks([len(s) for s in ru], [len(s) for s in en])
    except (RecursionError, IndexError, ValueError, MemoryError) as exc:
        print(f"  nltk refused {doc.name}: {type(exc).__name__}", file=sys.stderr)
        return None
    # links are (ru, en) index pairs; group them into beads by connected runs.
    beads: list[BeadT] = []
    cur_r: list[int] = []
    cur_e: list[int] = []
    for r, e in links:
        if cur_r and (r in cur_r or e in cur_e):
            if r not in cur_r:
                cur_r.append(r)
            if e not in cur_e:
                cur_e.append(e)
        else:
            if cur_r:
                beads.append((tuple(cur_r), tuple(cur_e)))
            cur_r, cur_e = [r], [e]
    if cur_r:
        beads.append((tuple(cur_r), tuple(cur_e)))
    return beads


def evaluate_set(name: str, with_nltk: bool) -> dict[str, Any]:
    docs = sorted(p for p in (BENCH / name).iterdir() if p.is_dir())
    ours: dict[str, int] = {}
    ref: dict[str, int] = {}
    scored: list[tuple[float, bool]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for doc in docs:
        gold = read_gold(doc / "gold.tsv")
        pred, conf = run_sverka(doc)
        ours = add(ours, counts(pred, gold))
        gset = set(gold)
        scored.extend((c, b in gset) for b, c in zip(pred, conf, strict=True) if b[0] and b[1])
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    ref_ok = True
    if with_nltk:
        for doc in docs:
            nl = run_nltk(doc)
            if nl is None:
                ref_ok = False
                continue
            ref = add(ref, counts(nl, read_gold(doc / "gold.tsv")))
    out: dict[str, Any] = {"set": name, "docs": len(docs), "time": elapsed, "cpu": cpu}
    for kind in ("strict", "lax"):
        out[kind] = prf(ours, kind)
    out["auc"] = auc(scored)
    if with_nltk and ref:
        out["nltk_strict_f1"] = prf(ref, "strict")[2] if ref_ok else None
    return out


def stress_in_subprocess(name: str, copies: int = 1) -> dict[str, object]:
    """Align one set in a fresh interpreter (``copies`` times its text, concatenated) to
    measure time, CPU time and peak memory (maxrss) of that alone."""
    code = (
        f"import json, resource, sys, time; sys.path.insert(0, {str(ROOT)!r});"
        "from bench.align_bench import run_scaled;"
        "from alignment.lexicon import default_lexicon; default_lexicon();"
        f"r = run_scaled({name!r}, {copies});"
        "r['maxrss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
        "print(json.dumps(r))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_scaled(name: str, copies: int) -> dict[str, object]:
    """Align every document of ``name`` repeated ``copies`` times; quality on the result."""
    from alignment.align import align

    ours: dict[str, int] = {}
    scored: list[tuple[float, bool]] = []
    wall = cpu = 0.0
    for doc in sorted(p for p in (BENCH / name).iterdir() if p.is_dir()):
        ru, en = read_lines(doc / "ru.txt"), read_lines(doc / "en.txt")
        gold = read_gold(doc / "gold.tsv")
        full: list[BeadT] = []
        for k in range(copies):
            full += [
                (tuple(i + k * len(ru) for i in r), tuple(j + k * len(en) for j in e))
                for r, e in gold
            ]
        t0, c0 = time.perf_counter(), time.process_time()
        beads = align(ru * copies, en * copies)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        pred = [(b.ru, b.en) for b in beads]
        ours = add(ours, counts(pred, full))
        gset = set(full)
        scored.extend(
            (b.confidence, p in gset) for b, p in zip(beads, pred, strict=True) if b.ru and b.en
        )
    return {
        "set": name,
        "time": wall,
        "cpu": cpu,
        "strict": prf(ours, "strict"),
        "lax": prf(ours, "lax"),
        "auc": auc(scored),
        "segments": sum(
            len(read_lines(d / "ru.txt")) for d in (BENCH / name).iterdir() if d.is_dir()
        )
        * copies,
    }


def _row(name: str, r: dict[str, Any], mem: str, ref: str) -> str:
    sp, sr, sf = r["strict"]
    lp, lr, lf = r["lax"]
    return (
        f"{name:22} {sp:8.4f} {sr:6.4f} {sf:6.4f} | {lp:6.4f} {lr:6.4f} {lf:6.4f} | "
        f"{r['auc']:5.3f} | {r['time']:7.2f} {r.get('cpu', float('nan')):6.2f} {mem:>8} | {ref:>10}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--no-nltk", action="store_true", help="skip the Gale-Church reference")
    parser.add_argument("--no-doubling", action="store_true", help="skip the 2x stress run")
    args = parser.parse_args()
    if not BENCH.is_dir():
        print(f"no benchmark data at {BENCH}", file=sys.stderr)
        return 2
    names = sorted(p.name for p in BENCH.iterdir() if p.is_dir())
    if args.sets:
        names = [n for n in names if n in args.sets.split(",")]
    from alignment.lexicon import default_lexicon

    t0 = time.perf_counter()
    default_lexicon()
    print(f"Mueller lexicon load: {time.perf_counter() - t0:.2f} s (cached pickle after first run)")
    print(
        f"{'set':22} {'strict P':>8} {'R':>6} {'F1':>6} | {'lax P':>6} {'R':>6} {'F1':>6} | "
        f"{'AUC':>5} | {'wall s':>7} {'cpu s':>6} {'peak MB':>8} | {'nltk GC F1':>10}"
    )
    for name in names:
        if name.startswith("stress"):
            r = stress_in_subprocess(name)
            print(_row(name, r, f"{r['maxrss_mb']:.0f}", "refuses"), flush=True)
            if not args.no_doubling:
                r2 = stress_in_subprocess(name, copies=2)
                print(_row(name + " x2", r2, f"{r2['maxrss_mb']:.0f}", "-"), flush=True)
                print(
                    f"  doubling the input: {r2['time'] / r['time']:.2f}x wall time, "  # type: ignore[operator]
                    f"{r2['cpu'] / r['cpu']:.2f}x CPU time"  # type: ignore[operator]
                )
            continue
        r = evaluate_set(name, not args.no_nltk)
        mem = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}*"
        nlf = r.get("nltk_strict_f1")
        ref = "-" if args.no_nltk else ("refuses" if nlf is None else f"{nlf:.4f}")
        print(_row(name, r, mem, ref), flush=True)
    print("* peak memory of the whole benchmark process so far; stress sets run alone")
    seg_bench = ROOT / "bench" / "segment_bench.py"
    if seg_bench.exists():
        import importlib.util

        spec = importlib.util.spec_from_file_location("segment_bench", seg_bench)
        if spec and spec.loader:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if hasattr(module, "evaluate") and hasattr(module, "sverka_splitter"):
                for lang in ("ru", "en"):
                    res = module.evaluate(lang, module.sverka_splitter(lang))
                    print(
                        f"segmentation {lang}: boundary P {res['precision']:.4f} "
                        f"R {res['recall']:.4f} F1 {res['f1']:.4f}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
