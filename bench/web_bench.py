"""Review workspace figures, measured over HTTP against a running ``sverka serve``.

    .venv/bin/python bench/web_bench.py [--pairs 5000] [--runs 60] [--postgres URL]

Starts ``sverka serve`` on a free port with a fresh database (SQLite in a temp folder, or the
PostgreSQL database given), stores a document of ``--pairs`` 1-1 pairs (real Tatoeba sentences
from ../shared/data when present, the demo memorandum repeated otherwise), signs in and times:

* the first screen: ``GET /documents/{id}`` as a browser asks for it (the whole page, 50 pairs);
* a later page as htmx asks for it (``HX-Request``, pairs 2,501–2,550);
* a jump to pair N (``?n=4321`` with htmx), a text search and a regex search over all pairs;
* the alignment strip (the whole document) and the map page;
* the edit–save round trip: ``POST /pairs/{id}/text`` with htmx, answered with the new row;
* merge + undo (two round trips that move pairs and redraw the list).

Timings are wall-clock on the client (so they include the loopback hop); the server runs one
uvicorn worker with its job thread, as ``sverka serve`` does by default.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "bench" / "stress-tatoeba-15k" / "doc000"
PASSWORD = "correct horse battery staple"


def _sentences(n: int) -> list[tuple[str, str]]:
    if (SHARED / "ru.txt").exists():
        ru = (SHARED / "ru.txt").read_text(encoding="utf-8").splitlines()
        en = (SHARED / "en.txt").read_text(encoding="utf-8").splitlines()
        pairs = list(zip(ru, en, strict=False))
    else:
        ru = (ROOT / "app" / "demo" / "ru.txt").read_text(encoding="utf-8").split("\n\n")
        en = (ROOT / "app" / "demo" / "en.txt").read_text(encoding="utf-8").split("\n\n")
        pairs = list(zip(ru, en, strict=False))
    out: list[tuple[str, str]] = []
    while len(out) < n:
        out.extend(pairs)
    return out[:n]


def _store_document(url: str, n: int) -> int:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app.db import build_engine
    from app.models import Document, DocumentState, Membership, Pair, Project, Role, Segment, User

    engine = build_engine(url)
    with Session(engine) as session:
        owner = session.query(User).filter_by(username="bench").one()
        project = Project(name="Bench", created_by_id=owner.id)
        session.add(project)
        session.flush()
        session.add(Membership(project_id=project.id, user_id=owner.id, role=Role.OWNER))
        doc = Document(project_id=project.id, title=f"{n} pairs", state=DocumentState.READY)
        session.add(doc)
        session.flush()
        texts = _sentences(n)
        session.execute(
            insert(Pair),
            [
                {
                    "document_id": doc.id,
                    "position": i,
                    "ru_text": ru,
                    "en_text": en,
                    "confidence": 0.3 if i % 37 == 0 else 0.9,
                    "ru_paragraph": i,
                    "en_paragraph": i,
                    "version": 1,
                }
                for i, (ru, en) in enumerate(texts)
            ],
        )
        ids = [
            pid
            for (pid,) in session.query(Pair.id)
            .filter_by(document_id=doc.id)
            .order_by(Pair.position)
        ]
        session.execute(
            insert(Segment),
            [
                {
                    "document_id": doc.id,
                    "pair_id": pid,
                    "side": side,
                    "position": 0,
                    "paragraph": i,
                    "text": text,
                }
                for i, (pid, (ru, en)) in enumerate(zip(ids, texts, strict=True))
                for side, text in (("ru", ru), ("en", en))
            ],
        )
        session.commit()
        doc_id = doc.id
    engine.dispose()
    return doc_id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVER: list[float] = []


def _server_time(response: httpx.Response) -> None:
    found = re.search(r"app;dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if found:
        SERVER.append(float(found.group(1)))


def _timed(fn, runs: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    times = []
    SERVER.clear()
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, list(SERVER)


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * 0.95))]


def _report(name: str, measured: tuple[list[float], list[float]]) -> None:
    times, server = measured
    line = (
        f"  {name:<40} p50 {statistics.median(times):6.1f} ms  p95 {_p95(times):6.1f} ms"
        f"  (n={len(times)})"
    )
    if server:
        line += f"  server p50 {statistics.median(server):5.1f} ms"
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of SQLite")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sverka-web-bench-"))
    url = args.postgres or f"sqlite:///{tmp / 'sverka.sqlite3'}"
    env = {
        **os.environ,
        "SVERKA_DATA_DIR": str(tmp),
        "SVERKA_DATABASE_URL": url,
        "SVERKA_ENVIRONMENT": "test",
    }
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*cli, "user", "add", "bench", "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    started = time.perf_counter()
    doc_id = _store_document(url, args.pairs)
    print(
        f"stored {args.pairs} pairs in {time.perf_counter() - started:.1f} s "
        f"({'PostgreSQL' if args.postgres else 'SQLite'})"
    )

    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    hooks = {"response": [_server_time]}
    try:
        with httpx.Client(base_url=base, timeout=30, event_hooks=hooks) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            login_form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login_form).group(1)  # type: ignore[union-attr]
            client.post(
                "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
            )
            page = client.get(f"/documents/{doc_id}")
            assert page.status_code == 200, page.text[:500]
            token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            hx = {
                "HX-Request": "true",
                "X-CSRF-Token": token,
                "HX-Current-URL": f"{base}/documents/{doc_id}",
            }
            shown = page.text.count('<article class="pair ')
            print(f"first screen: {len(page.content) // 1024} KiB of HTML, {shown} pairs")

            runs = args.runs
            _report(
                "first screen (full page, 50 pairs)",
                _timed(lambda: client.get(f"/documents/{doc_id}"), runs),
            )
            _report(
                "page 51 with htmx (pairs 2501-2550)",
                _timed(lambda: client.get(f"/documents/{doc_id}?offset=2500", headers=hx), runs),
            )
            _report(
                "jump to pair 4321 with htmx",
                _timed(lambda: client.get(f"/documents/{doc_id}?n=4321", headers=hx), runs),
            )
            _report(
                "text search 'полиц' over all pairs",
                _timed(lambda: client.get(f"/documents/{doc_id}?q=полиц", headers=hx), runs),
            )
            _report(
                "regex search '\\bpolice\\w*' over all pairs",
                _timed(
                    lambda: client.get(
                        f"/documents/{doc_id}",
                        params={"q": r"\bpolice\w*", "regex": "1"},
                        headers=hx,
                    ),
                    runs,
                ),
            )
            _report(
                "alignment strip (whole document)",
                _timed(lambda: client.get(f"/documents/{doc_id}/strip", headers=hx), runs),
            )
            _report(
                "map page (whole document)",
                _timed(lambda: client.get(f"/documents/{doc_id}/map"), max(5, runs // 6)),
            )

            row = client.get(f"/documents/{doc_id}?offset=2500", headers=hx).text
            match = re.search(r'data-id="(\d+)"[^>]*data-version="(\d+)"', row)
            assert match
            pair_id, version = int(match.group(1)), int(match.group(2))
            state = {"version": version, "i": 0}

            def save() -> None:
                state["i"] += 1
                response = client.post(
                    f"/pairs/{pair_id}/text",
                    data={
                        "side": "en",
                        "text": f"Edited sentence, revision {state['i']}.",
                        "version": state["version"],
                    },
                    headers=hx,
                )
                assert response.status_code == 200, response.text[:300]
                found = re.search(r'data-version="(\d+)"', response.text)
                assert found
                state["version"] = int(found.group(1))

            _report("edit-save round trip (htmx, row back)", _timed(save, runs * 2))

            def merge_and_undo() -> None:
                merged = client.post(f"/pairs/{pair_id}/merge", headers=hx)
                assert merged.status_code == 200, merged.text[:300]
                undone = client.post(f"/documents/{doc_id}/undo", headers=hx)
                assert undone.status_code == 200, undone.text[:300]

            _report(
                "merge + undo (two round trips, list back)",
                _timed(merge_and_undo, max(10, runs // 3)),
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
