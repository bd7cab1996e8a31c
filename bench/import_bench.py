"""Import figures: decoding speed per encoding, and the time to write an aligned document.

    .venv/bin/python bench/import_bench.py [--pairs 5000] [--postgres URL]

Decoding runs on the shared Bible text (../shared/data/texts/bible-mark) re-encoded in each
encoding. Writing uses a synthetic alignment of ``--pairs`` pairs (1-1, 1-2 and 2-1 beads) and
measures ``store_alignment`` + commit, the part of an import that holds the write lock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import migrate  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from alignment.align import AlignedText  # noqa: E402
from alignment.types import Bead, Segment  # noqa: E402
from app.db import build_engine  # noqa: E402
from app.models import Document, DocumentState, Project, User  # noqa: E402
from app.services.decoding import decode_upload  # noqa: E402
from app.services.imports import store_alignment  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "texts" / "bible-mark"


def bench_decoding() -> None:
    if not SHARED.is_dir():
        print("decoding: skipped (../shared/data/texts/bible-mark is absent)")
        return
    text = (SHARED / "ru.txt").read_text(encoding="utf-8")
    text = text.replace("«", '"').replace("»", '"').replace("—", "-").replace("…", "...")
    print(f"decoding {len(text):,} characters of Russian (Mark, Synodal):")
    for codec in ("utf-8", "utf-16", "cp1251", "koi8-r"):
        data = text.encode(codec, errors="replace")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            decoded = decode_upload(data, "mark.txt", max_bytes=len(data) + 1)
            times.append(time.perf_counter() - start)
        print(
            f"  {codec:8} -> detected {decoded.encoding:10} "
            f"median {statistics.median(times) * 1000:7.1f} ms"
        )


def bench_detection() -> None:
    """Windows-1251 vs KOI8-R on real sentences (FLORES devtest), whole and cut short."""
    path = ROOT.parent / "shared" / "data" / "segmentation" / "flores" / "ru.sentences.txt"
    if not path.is_file():
        print("detection: skipped (../shared/data/segmentation/flores is absent)")
        return
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    print(f"encoding detection on {len(lines):,} FLORES Russian sentences (cp1251 and koi8-r):")
    for cut, upper in ((20, False), (40, False), (None, False), (20, True), (None, True)):
        right = total = 0
        for line in lines:
            text = line[:cut] if cut else line
            text = text.upper() if upper else text
            for codec in ("cp1251", "koi8-r"):
                try:
                    data = text.encode(codec)
                except UnicodeEncodeError:
                    continue  # KOI8-R has no « » №
                if data.isascii():
                    continue
                total += 1
                right += decode_upload(data, "s.txt", max_bytes=len(data) + 1).encoding == codec
        what = f"first {cut} characters" if cut else "whole sentences"
        what += ", upper case" if upper else ""
        print(f"  {what:35} {right}/{total} correct ({right / total:.2%})")


def _synthetic(pairs: int) -> AlignedText:
    ru: list[Segment] = []
    en: list[Segment] = []
    beads: list[Bead] = []
    for i in range(pairs):
        paragraph = i // 8
        n_ru, n_en = (1, 2) if i % 10 == 3 else (2, 1) if i % 10 == 7 else (1, 1)
        r = tuple(range(len(ru), len(ru) + n_ru))
        e = tuple(range(len(en), len(en) + n_en))
        for _ in range(n_ru):
            ru.append(Segment(f"Предложение номер {len(ru)} о пересмотре дела.", paragraph, 0, 0))
        for _ in range(n_en):
            en.append(Segment(f"Sentence number {len(en)} about the case review.", paragraph, 0, 0))
        beads.append(Bead(r, e, 0.9))
    return AlignedText(ru, en, beads)


def bench_store(url: str, label: str, pairs: int) -> None:
    engine = build_engine(url)
    aligned = _synthetic(pairs)
    times = []
    for _ in range(3):
        with Session(engine) as session:
            user = User(username=f"bench-{uuid.uuid4().hex[:8]}", password_hash="x")
            session.add(user)
            session.flush()
            project = Project(name="bench", created_by_id=user.id)
            session.add(project)
            session.flush()
            start = time.perf_counter()
            document = Document(project_id=project.id, title="bench", state=DocumentState.READY)
            session.add(document)
            session.flush()
            store_alignment(session, document, aligned)
            session.commit()
            times.append(time.perf_counter() - start)
            session.delete(project)
            session.delete(user)
            session.commit()
    segments = len(aligned.ru) + len(aligned.en)
    print(
        f"store_alignment + commit, {label}: {pairs:,} pairs / {segments:,} segments, "
        f"median {statistics.median(times) * 1000:.0f} ms (runs: "
        + ", ".join(f"{t * 1000:.0f}" for t in times)
        + ")"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--postgres", help="postgresql+psycopg://… of an EMPTY scratch database")
    args = parser.parse_args()
    bench_decoding()
    bench_detection()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate(url)
        bench_store(url, "SQLite", args.pairs)
    if args.postgres:
        migrate(args.postgres)
        bench_store(args.postgres, "PostgreSQL", args.pairs)


if __name__ == "__main__":
    main()
