"""Export a 20,000-pair document in every format: time, file size and peak memory.

The document is built at run time from the shared corpora (``../shared/data/bench``: the
15k Tatoeba stress document, then the Bible and FLORES sets, taken by their gold beads) and
is fed to each exporter as a generator, as the app does. Each format runs in a fresh child
process, so its peak memory (max RSS) is its own; the baseline is the same child after it has
loaded the corpus, before exporting. Wall and CPU time are both shown: on a shared machine
CPU time is the figure that does not depend on the others' load.

    .venv/bin/python bench/export_bench.py [--pairs 20000] [--formats tmx,html,...,read_tmx]

``read_tmx`` (last by default) reads the TMX of the same document back, as an import does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "bench"

from _common import peak_rss_mb  # noqa: E402

SETS = ("stress-tatoeba-15k", "bible-synth", "flores-synth", "tico-synth", "tatoeba-synth")
STATUSES = ("approved", "approved", "reviewed", "translated", "confirmed", "auto")


def corpus_pairs(limit: int) -> list[tuple[str, str, str]]:
    """(ru, en, kind) from the gold beads of the shared benchmark sets, up to ``limit``."""
    pairs: list[tuple[str, str, str]] = []
    for name in SETS:
        for doc in sorted((SHARED / name).iterdir()):
            ru = (doc / "ru.txt").read_text(encoding="utf-8").splitlines()
            en = (doc / "en.txt").read_text(encoding="utf-8").splitlines()
            for line in (doc / "gold.tsv").read_text(encoding="utf-8").splitlines():
                left, _, right = line.partition("\t")
                ri = [int(i) for i in left.split(",") if i]
                ei = [int(i) for i in right.split(",") if i]
                pairs.append(
                    (
                        " ".join(ru[i] for i in ri),
                        " ".join(en[i] for i in ei),
                        f"{len(ri)}-{len(ei)}",
                    )
                )
                if len(pairs) >= limit:
                    return pairs
    raise SystemExit(f"the shared corpora hold only {len(pairs)} pairs; asked for {limit}")


def document(rows: list[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    from app.interchange.types import BilingualDocument, ExportPair, GlossaryEntry

    start = datetime(2026, 1, 1, tzinfo=UTC)

    def pairs() -> Iterator[ExportPair]:
        for i, (ru, en, kind) in enumerate(rows, start=1):
            # A paragraph every 6 pairs and a heading every 300, like a long report.
            heading = i % 300 == 1
            yield ExportPair(
                position=i,
                ru=f"Раздел {i // 300 + 1}" if heading else ru,
                en=f"Section {i // 300 + 1}" if heading else en,
                status=STATUSES[i % len(STATUSES)],
                kind="1-1" if heading else kind,
                confidence=0.5 + (i % 50) / 100,
                ru_paragraph=i // 6,
                en_paragraph=i // 6,
                created_at=start + timedelta(seconds=i),
                changed_at=start + timedelta(seconds=2 * i),
                created_by="aligner",
                changed_by="o.petrova",
                notes=("checked against the original",) if i % 500 == 0 else (),
                heading=heading,
            )

    return BilingualDocument(
        title="Export benchmark",
        pairs=pairs(),
        project="bench",
        glossary=[GlossaryEntry("тройка", "troika", "")] * 50,
        exported_at=start,
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_import(count: int) -> None:
    """Read back the TMX of the same document: time and memory of ``read_tmx``."""
    import io

    from app.interchange.tmx import TmxExporter, read_tmx

    out = io.BytesIO()
    TmxExporter().write(document(corpus_pairs(count)), out)
    data = out.getvalue()
    del out
    base = peak_rss_mb()
    t0, c0 = time.perf_counter(), _cpu()
    units = len(read_tmx(data).units)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    result = {"format": "read_tmx", "pairs": units, "seconds": round(seconds, 2)}
    result |= {"cpu": round(cpu, 2), "mb": round(len(data) / 1e6, 1), "streaming": True}
    result |= {"peak_rss_mb": round(peak_rss_mb()), "over_baseline_mb": round(peak_rss_mb() - base)}
    print(json.dumps(result))


def child(fmt: str, count: int) -> None:
    if fmt == "read_tmx":
        child_import(count)
        return
    from app.interchange.exporters import EXPORTERS

    exporter = EXPORTERS[fmt]()
    if fmt in ("pdf", "docx", "epub"):
        # Load the heavy library before the baseline: its import is not the export's cost.
        __import__({"pdf": "weasyprint", "docx": "docx", "epub": "ebooklib.epub"}[fmt])
    rows = corpus_pairs(count)
    base = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / exporter.filename("bench")
        t0, c0 = time.perf_counter(), _cpu()
        with path.open("wb") as out:
            written = exporter.write(document(rows), out)
        seconds, cpu = time.perf_counter() - t0, _cpu() - c0
        size = path.stat().st_size
    print(
        json.dumps(
            {
                "format": fmt,
                "pairs": written,
                "seconds": round(seconds, 2),
                "cpu": round(cpu, 2),
                "mb": round(size / 1e6, 1),
                "peak_rss_mb": round(peak_rss_mb(), 0),
                "over_baseline_mb": round(peak_rss_mb() - base, 0),
                "streaming": exporter.streaming,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--formats", default="")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pairs)
        return
    if not SHARED.is_dir():
        raise SystemExit(f"needs the shared corpora at {SHARED}")
    from app.interchange.exporters import EXPORTERS

    formats = args.formats.split(",") if args.formats else [*EXPORTERS, "read_tmx"]
    print(f"{args.pairs} pairs from {', '.join(SETS)}")
    print(
        f"{'format':8} {'pairs':>6} {'wall s':>8} {'CPU s':>7} {'pairs/CPU s':>11} {'file MB':>8} "
        f"{'peak RSS MB':>11} {'over base MB':>12}  streamed"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for fmt in formats:
        run = subprocess.run(
            [sys.executable, __file__, "--child", fmt, "--pairs", str(args.pairs)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            print(f"{fmt:8} failed: {run.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(run.stdout.strip().splitlines()[-1])
        rate = r["pairs"] / r["cpu"] if r["cpu"] else float("inf")
        print(
            f"{fmt:8} {r['pairs']:>6} {r['seconds']:>8.2f} {r['cpu']:>7.2f} {rate:>11.0f} "
            f"{r['mb']:>8.1f} "
            f"{r['peak_rss_mb']:>11.0f} {r['over_baseline_mb']:>12.0f}  "
            f"{'yes' if r['streaming'] else 'no'}"
        )


if __name__ == "__main__":
    main()
