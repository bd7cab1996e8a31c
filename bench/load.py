"""Load test: simulated translators against ``sverka serve --workers 2`` on PostgreSQL.

    .venv/bin/python bench/load.py [--translators 50] [--seconds 60] [--think 1.5]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

What it does, all on 127.0.0.1:

1. creates a scratch PostgreSQL database (dropped at the end), migrates it, and writes a
   project, one owner and N translator accounts, and a 5,000-pair document (with segments);
2. starts ``sverka serve --workers 2`` on a free loopback port;
3. every translator signs in through the login form, then for ``--seconds`` repeats, with a
   random pause of 0–2×``--think`` seconds between actions (a person reading and typing):
   open the review page at their part of the document (every few actions), open a pair's
   editor, save a new translation with the version the editor showed (htmx request, CSRF
   header), and now and then merge two pairs of their part. One save in ten goes to a small
   "hot" stretch every translator shares, so saves collide and some get 409 (a conflict, the
   designed answer; not an error);
4. prints requests per second, latency percentiles per action and overall, errors (any
   answer other than the expected ones, or a failed connection), conflicts, and lost edits:
   every save the server acknowledged must be in the document's history (``revisions``).

Figures go to BENCHMARKS.md, "## Team server load".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load test password 1956"
PAIRS = 5_000
HOT = 12  # pairs at the start that everybody edits now and then
_VERSION = re.compile(r'name="version" value="(\d+)"')
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

RU = [
    "Пересмотр дел лиц, осуждённых тройками ОГПУ и НКВД, продолжается.",
    "По делу № {n} установлено, что обвинение было основано на ложных показаниях.",
    "Военная коллегия отменила приговор и прекратила дело за отсутствием состава преступления.",
    "Всего с 1954 года рассмотрено {n} жалоб и заявлений.",
]
EN = [
    "The review of the cases of persons sentenced by OGPU and NKVD troikas continues.",
    "In case No. {n} it was established that the charge rested on false testimony.",
    "The Military Collegium quashed the sentence and closed the case for lack of a crime.",
    "Since 1954, a total of {n} complaints and applications have been examined.",
]


# --------------------------------------------------------------------------- setup


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _create_database(base_url: str) -> tuple[str, str]:
    name = f"sverka_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def _drop_database(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _populate(url: str, translators: int) -> tuple[int, list[str], list[int]]:
    """Accounts, project, a 5,000-pair document; returns (document id, usernames, pair ids)."""
    from argon2 import PasswordHasher

    from app import migrate
    from app.auth import use_hasher
    from app.models import Document, DocumentState, Membership, Pair, Project, Role, Segment
    from app.services.users import create_user

    migrate.upgrade(url)
    # Hashes with light parameters: 50 sign-ins should not dominate the first seconds.
    use_hasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        owner = create_user(session, "owner", PASSWORD)
        names = [
            create_user(session, f"translator{i:02d}", PASSWORD).username
            for i in range(translators)
        ]
        project = Project(name="Rehabilitation reviews, 1954–1961", created_by_id=owner.id)
        session.add(project)
        session.flush()
        session.add(Membership(project_id=project.id, user_id=owner.id, role=Role.OWNER))
        for username in names:
            uid = session.scalar(
                select(text("id"))
                .select_from(text("users"))
                .where(text("username = :u"))
                .params(u=username)
            )
            session.add(Membership(project_id=project.id, user_id=uid, role=Role.TRANSLATOR))
        doc = Document(
            project_id=project.id,
            title="Reviews of troika cases",
            state=DocumentState.READY,
            created_by_id=owner.id,
        )
        session.add(doc)
        session.flush()
        pair_rows = [
            {
                "document_id": doc.id,
                "position": i,
                "ru_text": RU[i % 4].format(n=i + 1),
                "en_text": EN[i % 4].format(n=i + 1),
                "status": "auto",
                "confidence": 0.8,
                "locked": False,
                "ru_paragraph": i // 4,
                "en_paragraph": i // 4,
                "version": 1,
            }
            for i in range(PAIRS)
        ]
        ids = list(session.scalars(insert(Pair).returning(Pair.id), pair_rows))
        segments = [
            {
                "document_id": doc.id,
                "pair_id": pid,
                "side": side,
                "position": 0,
                "paragraph": row[f"{side}_paragraph"],
                "text": row[f"{side}_text"],
            }
            for pid, row in zip(ids, pair_rows, strict=True)
            for side in ("ru", "en")
        ]
        session.execute(insert(Segment), segments)
        document_id = doc.id
    engine.dispose()
    return document_id, names, ids


def _start_server(url: str, port: int, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        SVERKA_DATABASE_URL=url,
        SVERKA_DATA_DIR=str(data_dir),
        SVERKA_SECRET_KEY="load-test-" + uuid.uuid4().hex,
        SVERKA_ENVIRONMENT="production",
    )
    sverka = ROOT / ".venv" / "bin" / "sverka"
    command = [str(sverka), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,  # its own process group: stopped as a whole at the end
    )


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited at start: see its log")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz in time")


# --------------------------------------------------------------------------- the translators


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    acknowledged: list[str] = field(default_factory=list)
    merges: int = 0

    def note(self, action: str, seconds: float) -> None:
        self.latencies[action].append(seconds)


async def _timed(stats: Stats, action: str, call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        response = await call
    except httpx.HTTPError as exc:
        stats.errors.append(f"{action}: {type(exc).__name__} {exc}")
        return None
    stats.note(action, time.perf_counter() - started)
    return response


async def translator(
    base: str,
    username: str,
    own: list[int],
    hot: list[int],
    document_id: int,
    offset: int,
    stop_at: float,
    think: float,
    stats: Stats,
    rng: random.Random,
    merge_every: int,
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        form = await client.get("/login")
        token = _CSRF.search(form.text)
        assert token, "no CSRF token on the login page"
        signed = await client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        if signed.status_code != 303:
            stats.errors.append(f"login {username}: {signed.status_code}")
            return
        page = await client.get("/projects")
        csrf = _CSRF.search(page.text)
        assert csrf
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf.group(1)}
        mine = list(own)
        step = 0
        while time.monotonic() < stop_at:
            step += 1
            if step % 5 == 1:
                # The first page of everyone comes at once, right after signing in (a
                # stampede, like the start of a shift): counted apart from the later ones.
                r = await _timed(
                    stats,
                    "first page" if step == 1 else "open page",
                    client.get(f"/documents/{document_id}", params={"offset": offset}),
                )
                if r is not None and r.status_code != 200:
                    stats.errors.append(f"open page: {r.status_code}")
            await asyncio.sleep(rng.uniform(0, 2 * think))
            if merge_every and step % merge_every == 0 and len(mine) > 2:
                # Merge two of their own pairs (never the shared ones: others hold them open).
                index = rng.randrange(0, len(mine) - 1)
                pid = mine[index]
                row = await _timed(stats, "open pair", client.get(f"/pairs/{pid}", headers=headers))
                if row is None or row.status_code != 200:
                    stats.errors.append(f"open pair: {getattr(row, 'status_code', '-')}")
                    continue
                version = _VERSION.search(row.text)
                r = await _timed(
                    stats,
                    "merge",
                    client.post(
                        f"/pairs/{pid}/merge",
                        data={"version": version.group(1) if version else ""},
                        headers=headers,
                    ),
                )
                if r is None:
                    continue
                if r.status_code == 200:
                    stats.merges += 1
                    del mine[index + 1]
                elif r.status_code == 409:
                    stats.conflicts += 1
                else:
                    stats.errors.append(f"merge: {r.status_code} {r.text[:120]}")
                continue
            pid = rng.choice(hot) if rng.random() < 0.1 else rng.choice(mine)
            editor = await _timed(
                stats,
                "open editor",
                client.get(f"/pairs/{pid}/edit", params={"side": "en"}, headers=headers),
            )
            if editor is None or editor.status_code != 200:
                stats.errors.append(f"open editor: {getattr(editor, 'status_code', '-')}")
                continue
            version = _VERSION.search(editor.text)
            if not version:
                stats.errors.append("open editor: no version in the editor")
                continue
            await asyncio.sleep(rng.uniform(0, 2 * think))  # typing
            new = f"Revised by {username} at step {step}: the case was reviewed again."
            r = await _timed(
                stats,
                "save",
                client.post(
                    f"/pairs/{pid}/text",
                    data={"side": "en", "text": new, "version": version.group(1)},
                    headers=headers,
                ),
            )
            if r is None:
                continue
            if r.status_code == 200:
                stats.acknowledged.append(new)
            elif r.status_code == 409:
                stats.conflicts += 1
            else:
                stats.errors.append(f"save: {r.status_code} {r.text[:120]}")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def _warm_up(base: str, document_id: int, ids: list[int]) -> None:
    """Each worker loads its language models on first use: do that before the clock runs."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        form = await client.get("/login")
        token = _CSRF.search(form.text)
        assert token
        await client.post(
            "/login", data={"username": "owner", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        csrf = _CSRF.search((await client.get("/projects")).text)
        assert csrf
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf.group(1)}
        for pid in ids[-8:]:  # the end of the document: no translator works there
            await client.get(f"/documents/{document_id}", params={"offset": 4900})
            editor = await client.get(f"/pairs/{pid}/edit", params={"side": "en"}, headers=headers)
            version = _VERSION.search(editor.text)
            await client.post(
                f"/pairs/{pid}/text",
                headers=headers,
                data={
                    "side": "en",
                    "text": "Warm-up translation.",
                    "version": version.group(1) if version else "1",
                },
            )


async def _simulate(
    base: str,
    document_id: int,
    names: list[str],
    ids: list[int],
    seconds: float,
    think: float,
    merge_every: int,
) -> tuple[Stats, float]:
    stats = Stats()
    hot = ids[:HOT]
    per = (len(ids) - HOT) // len(names)
    started = time.monotonic()
    stop_at = started + seconds
    tasks = []
    for i, name in enumerate(names):
        own = ids[HOT + i * per : HOT + (i + 1) * per]
        offset = ((HOT + i * per) // 100) * 100
        rng = random.Random(i)
        tasks.append(
            translator(
                base, name, own, hot, document_id, offset, stop_at, think, stats, rng, merge_every
            )
        )
    await asyncio.gather(*tasks)
    return stats, time.monotonic() - started


def _lost_edits(url: str, document_id: int, acknowledged: list[str]) -> int:
    from app.models import Revision

    engine = create_engine(url)
    with Session(engine) as session:
        history = set(
            session.scalars(
                select(Revision.after).where(
                    Revision.document_id == document_id, Revision.field == "en_text"
                )
            )
        )
    engine.dispose()
    return sum(1 for t in acknowledged if t not in history)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--translators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.5, help="mean pause between actions")
    parser.add_argument(
        "--merge-every", type=int, default=7, help="every Nth action is a merge (0: none)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SVERKA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()

    url, name = _create_database(args.postgres)
    scratch = Path(tempfile.mkdtemp(prefix="sverka-load-"))
    server = None
    try:
        t0 = time.perf_counter()
        document_id, names, ids = _populate(url, args.translators)
        print(
            f"setup: {args.translators} translators, {len(ids):,} pairs "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        port = _free_port()
        server = _start_server(url, port, scratch, scratch / "server.log")
        _wait_ready(port, server)
        base = f"http://127.0.0.1:{port}"
        print(
            f"sverka serve --workers 2 on {base}; {args.seconds:g} s, think time "
            f"0–{2 * args.think:g} s between actions, "
            + (f"a merge every {args.merge_every} actions" if args.merge_every else "no merges")
        )
        asyncio.run(_warm_up(base, document_id, ids))
        load_before = os.getloadavg()[0]
        stats, elapsed = asyncio.run(
            _simulate(base, document_id, names, ids, args.seconds, args.think, args.merge_every)
        )
        load_after = os.getloadavg()[0]
        lost = _lost_edits(url, document_id, stats.acknowledged)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        _drop_database(args.postgres, name)

    everything = [v for values in stats.latencies.values() for v in values]
    print(
        f"requests: {len(everything):,} in {elapsed:.1f} s = {len(everything) / elapsed:.1f}/s "
        f"(1-min load average {load_before:.1f} before, {load_after:.1f} after; "
        f"{os.cpu_count()} CPUs, shared with the bench's own clients)"
    )
    print(f"{'action':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for action in ("first page", "open page", "open editor", "save", "open pair", "merge", "all"):
        values = everything if action == "all" else stats.latencies.get(action, [])
        if not values:
            continue
        print(
            f"{action:<12} {len(values):>6} {1000 * statistics.median(values):>8.1f} "
            f"{1000 * _percentile(values, 95):>8.1f} {1000 * _percentile(values, 99):>8.1f} "
            f"{1000 * max(values):>8.1f}"
        )
    print(
        f"saves acknowledged: {len(stats.acknowledged):,}; merges: {stats.merges}; "
        f"conflicts (409, expected): {stats.conflicts}"
    )
    print(f"errors: {len(stats.errors)}" + (f" (first: {stats.errors[0]})" if stats.errors else ""))
    print(f"lost edits (acknowledged but not in the history): {lost}")
    p95 = _percentile(everything, 95) * 1000
    ok = p95 < 200 and not stats.errors and lost == 0
    print(f"target p95 < 200 ms, zero errors, zero lost edits: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
