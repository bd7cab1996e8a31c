"""One pair re-checked on save, through the app's QA service, with its database writes.

    .venv/bin/python bench/qa_save_bench.py [--postgres URL] [--pairs N] [--samples N]

A project gets the 2,000-term glossary of ``bench/glossary_bench.py`` (built from a document
pair of the shared corpora so that its terms occur) and a document of the first ``--pairs``
pairs of that document. Then, for ``--samples`` random pairs, the time of:

* ``qa.after_pair_saved(session, pair)`` + commit: the glossary fingerprint query (is the
  cached matcher current?), every QA check, reading the pair's stored findings, deleting and
  adding rows, the commit;
* ``review.edit_text(...)`` + commit: a translator's whole save (re-segmenting, history, undo
  record, and the QA re-check through the review service's listener).

The first QA call builds the matcher (reported apart); lemma caches are warm after it, as in a
running server. Runs on a temporary SQLite file, or on PostgreSQL with ``--postgres``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import migrate  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.db import build_engine  # noqa: E402
from app.models import (  # noqa: E402
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
from glossary.matcher import term_key  # noqa: E402


def _setup(session: Session, n_pairs: int) -> tuple[int, list[int], int]:
    import glossary_bench

    pairs = glossary_bench.document_pairs()
    terms = glossary_bench.build_glossary(pairs)
    user = User(username=f"bench-{time.time_ns()}", password_hash="x")
    session.add(user)
    session.flush()
    project = Project(name="QA bench", created_by_id=user.id)
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, user_id=user.id, role=Role.OWNER))
    seen: set[str] = set()
    for t in terms:
        key = term_key(t.ru)
        if not key or key in seen:
            continue
        seen.add(key)
        row = Term(project_id=project.id, ru=t.ru[:500], ru_key=key[:500],
                   status=TermStatus.APPROVED)  # fmt: skip
        row.equivalents = [TermEquivalent(en=e.en[:500], kind=EquivalentKind(e.kind))
                           for e in t.equivalents]  # fmt: skip
        session.add(row)
    doc = Document(project_id=project.id, title="bench", state=DocumentState.READY)
    session.add(doc)
    session.flush()
    ids: list[int] = []
    for i, (ru, en) in enumerate(pairs[:n_pairs]):
        pair = Pair(document_id=doc.id, position=i, ru_text=ru, en_text=en)
        pair.segments = [
            Segment(document_id=doc.id, side="ru", position=0, text=ru),
            Segment(document_id=doc.id, side="en", position=0, text=en),
        ]
        session.add(pair)
        session.flush()
        ids.append(pair.id)
    session.commit()
    return project.id, ids, user.id


def _summary(name: str, values: list[float]) -> None:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    print(
        f"  {name}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, "
        f"max {values[-1]:.1f} ms ({len(values)} pairs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL instead of SQLite")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    from app.services import qa, review

    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate(url)
        engine = build_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            project_id, ids, user_id = _setup(session, args.pairs)
        print(f"database: {engine.dialect.name}; {len(ids)} pairs, 2,000-term glossary")
        rng = random.Random(7)
        sample = rng.sample(ids, min(args.samples, len(ids)))
        with Session(engine, expire_on_commit=False) as session:
            pair = session.get(Pair, sample[0])
            assert pair is not None
            started = time.perf_counter()
            qa.after_pair_saved(session, pair)
            session.commit()
            elapsed = (time.perf_counter() - started) * 1000
            print(f"  first check (builds the matcher): {elapsed:.0f} ms")
        qa_times: list[float] = []
        flush_times: list[float] = []
        cpu_times: list[float] = []
        save_times: list[float] = []
        for pid in sample:
            with Session(engine, expire_on_commit=False) as session:
                pair = session.get(Pair, pid)
                assert pair is not None
                started = time.perf_counter()
                cpu = time.process_time()
                qa.after_pair_saved(session, pair)
                flush_times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu) * 1000)
                session.commit()
                qa_times.append((time.perf_counter() - started) * 1000)
        for pid in sample:
            with Session(engine, expire_on_commit=False) as session:
                user = session.get(User, user_id)
                pair = session.scalar(select(Pair).where(Pair.id == pid))
                assert pair is not None
                text = pair.en_text + " (checked)"
                started = time.perf_counter()
                review.edit_text(session, user, pid, "en", text, pair.version)
                session.commit()
                save_times.append((time.perf_counter() - started) * 1000)
        _summary(
            "QA re-check of one pair, rows written (qa.after_pair_saved, flushed)", flush_times
        )
        _summary("  CPU time of the same", cpu_times)
        _summary("QA re-check of one pair + commit", qa_times)
        _summary("whole save of one pair + commit (review.edit_text, QA included)", save_times)
        engine.dispose()


if __name__ == "__main__":
    main()
