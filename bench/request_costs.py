"""What one request of each kind costs on its own: wall time and SQL statements, in-process.

    .venv/bin/python bench/request_costs.py [--runs 30]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

The same scratch database as ``bench/load.py`` (a 5,000-pair document, PostgreSQL, created
and dropped here), the application in this process behind Starlette's test client, one
request at a time: the review page (50 pairs), a pair's editor, a save (editor + save), a
merge (the row + merge, the list redrawn). Prints, per request kind, the median wall time
and the SQL statements one request sends with the time PostgreSQL took for them. The load
bench says how the server copes with many translators; this one says where one request's
time goes (see BENCHMARKS.md, "## Team server load").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (bench/load.py: the scratch database and the 5,000-pair document)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SVERKA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    url, name = load._create_database(args.postgres)
    try:
        document_id, names, ids = load._populate(url, 1)
        os.environ.update(
            SVERKA_DATABASE_URL=url,
            SVERKA_DATA_DIR=tempfile.mkdtemp(prefix="sverka-costs-"),
            SVERKA_SECRET_KEY="request-costs-" + "x" * 32,
        )
        from fastapi.testclient import TestClient
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from app.main import create_app

        statements: list[float] = []

        @event.listens_for(Engine, "before_cursor_execute")
        def _started(conn: Any, *_: Any) -> None:
            conn.info["sverka_bench_t0"] = time.perf_counter()

        @event.listens_for(Engine, "after_cursor_execute")
        def _finished(conn: Any, *_: Any) -> None:
            statements.append(time.perf_counter() - conn.info["sverka_bench_t0"])

        with TestClient(create_app(), follow_redirects=False) as client:
            form = client.get("/login").text
            token = load._CSRF.search(form)
            assert token
            client.post(
                "/login",
                data={"username": names[0], "password": load.PASSWORD, "csrf_token": token[1]},
            )
            csrf = load._CSRF.search(client.get("/projects").text)
            assert csrf
            headers = {"HX-Request": "true", "X-CSRF-Token": csrf[1]}
            counter = iter(range(10**6))

            def version_in(text: str) -> str:
                found = load._VERSION.search(text)
                assert found, "no version in the answer"
                return found[1]

            def page() -> Any:
                return client.get(f"/documents/{document_id}", params={"offset": 1000})

            def editor() -> Any:
                return client.get(
                    f"/pairs/{ids[1000]}/edit", params={"side": "en"}, headers=headers
                )

            def save() -> Any:
                pair_id = ids[1100 + next(counter)]
                shown = client.get(f"/pairs/{pair_id}/edit", params={"side": "en"}, headers=headers)
                return client.post(
                    f"/pairs/{pair_id}/text",
                    data={
                        "side": "en",
                        "text": "The case was reviewed.",
                        "version": version_in(shown.text),
                    },
                    headers=headers,
                )

            def merge() -> Any:
                pair_id = ids[2000 + 2 * next(counter)]
                row = client.get(f"/pairs/{pair_id}", headers=headers)
                return client.post(
                    f"/pairs/{pair_id}/merge",
                    data={"version": version_in(row.text)},
                    headers=headers,
                )

            kinds: list[tuple[str, Callable[[], Any]]] = [
                ("review page, 50 pairs", page),
                ("open editor", editor),
                ("open editor + save", save),
                ("open row + merge", merge),
            ]
            print(f"{args.runs} runs each, PostgreSQL, 5,000 pairs, one request at a time")
            print(f"{'request':<24} {'median ms':>10} {'statements':>11} {'in SQL ms':>10}")
            for label, call in kinds:
                call()  # warm: templates, statement caches
                walls: list[float] = []
                counts: list[int] = []
                sql: list[float] = []
                for _ in range(args.runs):
                    statements.clear()
                    started = time.perf_counter()
                    response = call()
                    walls.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text[:200]
                    counts.append(len(statements))
                    sql.append(sum(statements))
                print(
                    f"{label:<24} {1000 * statistics.median(walls):>10.1f} "
                    f"{statistics.median(counts):>11.0f} {1000 * statistics.median(sql):>10.1f}"
                )
    finally:
        load._drop_database(args.postgres, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
