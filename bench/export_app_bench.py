"""`sverka export` of a 5,000-pair document in every format: wall time, CPU time, peak memory.

Unlike ``export_bench.py`` (the format layer alone, fed from memory), this goes through the
application as a user does: a database holding the document (pairs, segments, a comment every
250 pairs, approved glossary terms), and one ``sverka export document:ID`` process per format.
Each process's peak RSS and CPU time come from ``wait4``, so they are its own.

    .venv/bin/python bench/export_app_bench.py [--pairs 5000] [--formats tmx,pdf]
        [--database-url postgresql+psycopg://…]   (default: a fresh SQLite file)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("tmx", "xliff", "xliff12", "tsv", "csv", "html", "docx", "pdf", "epub")
STATUSES = ("approved", "approved", "reviewed", "translated", "confirmed", "auto")


def build_database(url: str, pairs: int) -> int:
    """Migrate ``url`` and add a project with one document of ``pairs`` pairs; its id."""
    from export_bench import corpus_pairs
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app.db import build_engine
    from app.migrate import upgrade
    from app.models import (
        Comment,
        Document,
        DocumentState,
        EquivalentKind,
        Membership,
        Pair,
        Project,
        Role,
        Segment,
        Term,
        TermEquivalent,
        TermStatus,
        User,
    )

    upgrade(url)
    rows = corpus_pairs(pairs)
    engine = build_engine(url)
    with Session(engine) as session, session.begin():
        user = User(username=f"bench-{os.getpid()}", password_hash="x")
        session.add(user)
        session.flush()
        project = Project(name=f"Export bench {os.getpid()}", created_by_id=user.id)
        session.add(project)
        session.flush()
        session.add(Membership(project_id=project.id, user_id=user.id, role=Role.OWNER))
        doc = Document(
            project_id=project.id,
            title="Export benchmark",
            state=DocumentState.READY,
            created_by_id=user.id,
        )
        session.add(doc)
        session.flush()
        pair_rows = [
            {
                "document_id": doc.id,
                "position": i,
                "ru_text": ru,
                "en_text": en,
                "status": STATUSES[i % len(STATUSES)],
                "confidence": 0.5 + (i % 50) / 100,
                "locked": False,
                "ru_paragraph": i // 6,
                "en_paragraph": i // 6,
                "version": 1,
                "updated_by_id": user.id,
            }
            for i, (ru, en, _kind) in enumerate(rows)
        ]
        ids = list(
            session.scalars(
                insert(Pair).returning(Pair.id, sort_by_parameter_order=True), pair_rows
            )
        )
        segments = []
        for pair_id, (i, (ru, en, _kind)) in zip(ids, enumerate(rows), strict=True):
            for side, text in (("ru", ru), ("en", en)):
                if text:
                    segments.append(
                        {"document_id": doc.id, "pair_id": pair_id, "side": side,
                         "position": 0, "paragraph": i // 6, "text": text}
                    )  # fmt: skip
        session.execute(insert(Segment), segments)
        session.execute(
            insert(Comment),
            [
                {"pair_id": pid, "user_id": user.id, "body": f"Note on pair {n + 1}."}
                for n, pid in enumerate(ids)
                if n % 250 == 0
            ],
        )
        for n in range(40):
            term = Term(
                project_id=project.id, ru=f"термин {n}", ru_key=f"термин {n}",
                status=TermStatus.APPROVED,
            )  # fmt: skip
            term.equivalents = [TermEquivalent(en=f"term {n}", kind=EquivalentKind.PREFERRED)]
            session.add(term)
        session.flush()
        doc_id = doc.id
    engine.dispose()
    return doc_id


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall s, CPU s, peak RSS MB of one child process, and its exit code."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.stderr.write(child.stderr.read().decode() if child.stderr else "")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        print(build_database(args.database_url, args.pairs))
        return
    with tempfile.TemporaryDirectory(prefix="sverka-export-bench-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        # Built in a child: Linux keeps a forked child's pre-exec peak RSS in ru_maxrss, so
        # this process must stay small for the figures of the export processes to be theirs.
        built = subprocess.run(
            [sys.executable, __file__, "--build-only", "--pairs", str(args.pairs),
             "--database-url", url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        doc_id = int(built.stdout.strip().splitlines()[-1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("SVERKA_")}
        env.update(
            SVERKA_DATABASE_URL=url,
            SVERKA_DATA_DIR=str(folder),
            PYTHONPATH=str(ROOT),
        )
        python = [sys.executable, "-m", "app.cli"]
        wall, cpu, rss, _ = run([*python, "--help"], env)
        print(
            f"{args.pairs:,} pairs; `sverka --help` alone: {rss:.0f} MB peak RSS, {cpu:.2f} s CPU"
        )
        print(f"load average {os.getloadavg()[0]:.1f}")
        print("| format | wall s | CPU s | peak RSS MB | file MB |")
        print("|---|---|---|---|---|")
        for fmt in args.formats.split(","):
            out = folder / f"out.{fmt}"
            wall, cpu, rss, code = run(
                [*python, "export", f"document:{doc_id}", "--format", fmt, "-o", str(out)], env
            )
            size = out.stat().st_size / 1048576 if code == 0 else float("nan")
            print(f"| {fmt} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {size:.1f} |", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
