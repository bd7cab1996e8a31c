"""Translator aids benchmark: memory lookup speed and quality, spell-check speed.

    .venv/bin/python bench/tm_bench.py                      # SQLite and PostgreSQL, 200k units
    .venv/bin/python bench/tm_bench.py --backends sqlite --size 50000

The memory is built at run time from ../shared/data/bench (every aligned bead of every set),
plus synthetic variants (a word dropped, a word inflected otherwise, neighbours joined) until it
holds ``--size`` units. Quality: pairs of tatoeba-synth are in the memory; each is looked up by
its own slightly altered source (one word in another form, a number changed, or a word
dropped), and we count how often its own translation is the top suggestion.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from _common import peak_rss_mb  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from alignment.text import _morph, tokenize  # noqa: E402

PG_URL = os.environ.get(
    "SVERKA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def read_set(folder: Path) -> list[tuple[str, str]]:
    ru = (folder / "ru.txt").read_text(encoding="utf-8").splitlines()
    en = (folder / "en.txt").read_text(encoding="utf-8").splitlines()
    pairs = []
    for line in (folder / "gold.tsv").read_text(encoding="utf-8").splitlines():
        r, _, e = line.partition("\t")
        if not r.strip() or not e.strip():
            continue
        rs = " ".join(ru[int(i)] for i in r.split(","))
        es = " ".join(en[int(i)] for i in e.split(","))
        pairs.append((rs, es))
    return pairs


def corpus() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """All beads of the bench sets, and the tatoeba-synth 1-1 beads kept for quality."""
    everything: list[tuple[str, str]] = []
    tatoeba: list[tuple[str, str]] = []
    for set_dir in sorted((DATA / "bench").iterdir()):
        for doc in sorted(p for p in set_dir.iterdir() if p.is_dir()):
            pairs = read_set(doc)
            everything.extend(pairs)
            if set_dir.name == "tatoeba-synth":
                tatoeba.extend(pairs)
    return everything, tatoeba


_WORD = re.compile(r"[А-Яа-яЁё]+")


def inflect_one(ru: str, rng: random.Random) -> str | None:
    """``ru`` with one noun or adjective in another case (as a translator's new source)."""
    words = [m for m in _WORD.finditer(ru) if len(m.group()) > 3]
    rng.shuffle(words)
    for m in words:
        parse = _morph().parse(m.group().lower())[0]
        if parse.tag.POS not in ("NOUN", "ADJF"):
            continue
        for case in rng.sample(["nomn", "gent", "datv", "accs", "ablt", "loct"], 6):
            form = parse.inflect({case})
            if form and form.word != m.group().lower():
                word = form.word
                if m.group()[0].isupper():
                    word = word[0].upper() + word[1:]
                return ru[: m.start()] + word + ru[m.end() :]
    return None


def drop_one(ru: str, rng: random.Random) -> str | None:
    toks = [t for t in tokenize(ru) if t.is_word]
    if len(toks) < 5:
        return None
    t = rng.choice(toks[1:])
    return (ru[: t.start] + ru[t.end :]).replace("  ", " ")


def change_number(ru: str, rng: random.Random) -> str | None:
    m = re.search(r"\d+", ru)
    if not m:
        return None
    value = str(int(m.group()) + rng.randint(1, 9))
    return ru[: m.start()] + value + ru[m.end() :]


def alter(ru: str, rng: random.Random) -> str | None:
    return change_number(ru, rng) or inflect_one(ru, rng) or drop_one(ru, rng)


def build_memory(size: int, seed: int = 7) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    everything, tatoeba = corpus()
    rng = random.Random(seed)
    units = list(everything)
    base = list(everything)
    while len(units) < size:
        i = rng.randrange(len(base))
        ru, en = base[i]
        kind = rng.random()
        if kind < 0.4:
            v = drop_one(ru, rng)
        elif kind < 0.7:
            v = inflect_one(ru, rng)
        else:
            j = min(i + 1, len(base) - 1)
            v, en = f"{ru} {base[j][0]}", f"{en} {base[j][1]}"
        if v:
            units.append((v, en))
    return units[:size], tatoeba


def bench_backend(name: str, url: str, units: list[tuple[str, str]], queries, quality) -> dict:
    from app.models import Membership, Project, Role, User
    from app.services import tm as tm_service

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import migrate  # type: ignore[import-not-found]

    migrate(url)
    engine = create_engine(url)
    result: dict = {"backend": name}
    with Session(engine) as session:
        user = User(username="bench", password_hash="x")
        project = Project(name="Bench")
        session.add_all([user, project])
        session.flush()
        session.add(Membership(project_id=project.id, user_id=user.id, role=Role.OWNER))
        session.flush()
        t0 = time.perf_counter()
        rows, keys = [], []
        now = tm_service.utcnow()
        for ru, en in units:
            row, k = tm_service._unit_row(ru, en)
            row.update(
                project_id=project.id,
                memory_id=None,
                pair_id=None,
                status="",
                author="",
                note="",
                created_at=now,
                changed_at=now,
            )
            rows.append(row)
            keys.append(k)
            if len(rows) == 5000:
                tm_service._insert_units(session, rows, keys)
                rows, keys = [], []
        tm_service._insert_units(session, rows, keys)
        session.commit()
        result["build_s"] = time.perf_counter() - t0
        if name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
            result["db_mb"] = session.scalar(
                text(
                    "SELECT (pg_total_relation_size('tm_units') + "
                    "pg_total_relation_size('tm_postings')) / 1048576.0"
                )
            )
        result["postings"] = session.scalar(select(func.count()).select_from(tm_service.TMPosting))
        # Warm the lemma cache and the database pages the way a running server has them.
        for q in queries[:50]:
            tm_service.best_matches(session, user, q, project_id=project.id)
        times = []
        cpu = time.process_time()
        for q in queries:
            t = time.perf_counter()
            tm_service.best_matches(session, user, q, project_id=project.id)
            times.append((time.perf_counter() - t) * 1000)
        result["cpu_ms"] = (time.process_time() - cpu) * 1000 / len(queries)
        tracemalloc.start()
        for q in queries[:50]:
            tm_service.best_matches(session, user, q, project_id=project.id)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        loaded = next(iter(tm_service._INDEXES.values()))
        result["index_mb"] = loaded.index.nbytes() / 1048576
        times.sort()
        result["p50_ms"] = statistics.median(times)
        result["p95_ms"] = times[int(len(times) * 0.95) - 1]
        result["max_ms"] = times[-1]
        result["lookup_peak_kb"] = peak / 1024
        top = in5 = 0
        for altered, en in quality:
            found = tm_service.best_matches(session, user, altered, project_id=project.id)
            if found and found[0].en == en:
                top += 1
            if any(m.en == en for m in found):
                in5 += 1
        result["quality_top1"] = top / len(quality)
        result["quality_top5"] = in5 / len(quality)
    engine.dispose()
    return result


def bench_spelling(pairs: list[tuple[str, str]]) -> dict:
    from app.services.spelling import check_spelling, warm_up

    warm_up()
    t = time.perf_counter()
    flagged = 0
    for ru, en in pairs:
        flagged += len(check_spelling(ru, "ru", project_id=None, suggest=False))
        flagged += len(check_spelling(en, "en", project_id=None, suggest=False))
    return {"spell_s": time.perf_counter() - t, "spell_pairs": len(pairs), "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--quality", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-spelling", action="store_true")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"needs {DATA} (the shared corpora beside the project folder)")

    t = time.perf_counter()
    units, tatoeba = build_memory(args.size)
    print(
        f"memory: {len(units):,} units built from the shared corpora in "
        f"{time.perf_counter() - t:.1f} s (RSS {peak_rss_mb():.0f} MB)"
    )
    rng = random.Random(11)
    long_enough = [(ru, en) for ru, en in tatoeba if len(ru.split()) >= 3]
    held = rng.sample(long_enough, min(args.quality, len(long_enough)))
    from app.tm import analyse, substitute_numbers

    quality = []
    for ru, en in held:
        altered = alter(ru, rng)
        if altered and altered != ru:
            # The right suggestion is the pair's translation with the source's numbers in it.
            quality.append((altered, substitute_numbers(analyse(altered), analyse(ru), en)[0]))
    queries = [a for a, _ in quality]
    others = rng.sample(units, args.queries)
    queries = (queries + [alter(ru, rng) or ru for ru, _ in others])[: args.queries]
    rng.shuffle(queries)

    from app.services import tm as tm_service

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            path = Path(tempfile.mkdtemp()) / "tm_bench.sqlite3"
            url = f"sqlite:///{path}"
        else:
            base = make_url(PG_URL)
            db = f"tm_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{db}"'))
            url = base.set(database=db).render_as_string(hide_password=False)
        tm_service.forget_indexes()
        try:
            r = bench_backend(backend, url, units, queries, quality)
        finally:
            if backend == "postgresql":
                from app.db import get_engine

                get_engine.cache_clear()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                admin.dispose()
        if backend == "sqlite":
            r["db_mb"] = path.stat().st_size / 1048576
            shutil.rmtree(path.parent, ignore_errors=True)
        print(
            f"{backend:10} build {r['build_s']:.0f} s, {r['postings']:,} postings, "
            f"db {r['db_mb']:.0f} MB | lookup p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms over {len(queries)} queries (this process's CPU "
            f"{r['cpu_ms']:.1f} ms/lookup) | index {r['index_mb']:.0f} MB, heap peak per "
            f"lookup {r['lookup_peak_kb']:.0f} KB, process RSS {peak_rss_mb():.0f} MB"
        )
        print(
            f"{backend:10} quality: own translation top-1 {r['quality_top1']:.1%}, "
            f"in top 5 {r['quality_top5']:.1%} of {len(quality)} altered tatoeba-synth sources"
        )
    if not args.no_spelling:
        doc = rng.sample([u for u in units if len(u[0]) < 400], 5000)
        s = bench_spelling(doc)
        print(
            f"spelling: {s['spell_pairs']:,} pairs (both sides) checked in {s['spell_s']:.2f} s,"
            f" {s['flagged']:,} words flagged"
        )


if __name__ == "__main__":
    main()
