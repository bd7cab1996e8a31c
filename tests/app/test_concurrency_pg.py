"""Several translators save overlapping pairs at the same moment, on PostgreSQL.

Each client is its own HTTP session in its own thread; the server handles requests in its
thread pool with a database session each, as in production. Every save that was answered
"200" must be in the pair's history, every refused one must have got a 409 with the pair as it
is now, and no save may vanish or apply twice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import Membership, Pair, Revision, Role
from tests.app.conftest import login, make_user, unique
from tests.app.team import MEMO, make_team

pytestmark = pytest.mark.postgres

CLIENTS = 6
SAVES_EACH = 20
HOT_PAIRS = 3  # few pairs, many people: plenty of collisions


@dataclass
class Outcome:
    accepted: list[tuple[int, str, int]] = field(default_factory=list)  # pair, text, version
    refused: list[tuple[int, str, int]] = field(default_factory=list)  # pair, text, current v
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _translator(app: FastAPI, project_id: int) -> str:
    user = make_user(app.state.settings.resolved_database_url, unique("tr"))
    with app.state.session_factory() as session, session.begin():
        session.add(Membership(project_id=project_id, user_id=user.id, role=Role.TRANSLATOR))
    return user.username


def test_overlapping_saves_are_all_accounted_for(app: FastAPI, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SVERKA_TEST_POSTGRES_URL): row locks under real load")
    team = make_team(app, pairs=MEMO * 2)
    hot = team.pair_ids[:HOT_PAIRS]
    names = [_translator(app, team.project_id) for _ in range(CLIENTS)]
    outcome = Outcome()
    start = threading.Barrier(CLIENTS)

    def work(index: int, username: str) -> None:
        with TestClient(app, follow_redirects=False) as client:
            csrf = login(client, username)
            start.wait()
            for n in range(SAVES_EACH):
                pair_id = hot[(index + n) % len(hot)]
                version = client.get(f"/api/v1/pairs/{pair_id}").json()["version"]
                text = f"Translation by {username}, take {n}."
                response = client.patch(
                    f"/api/v1/pairs/{pair_id}",
                    json={"version": version, "en_text": text},
                    headers={"X-CSRF-Token": csrf},
                )
                with outcome.lock:
                    if response.status_code == 200:
                        outcome.accepted.append((pair_id, text, response.json()["version"]))
                    elif response.status_code == 409:
                        current = response.json()["current"]
                        outcome.refused.append((pair_id, text, current["version"]))
                    else:
                        outcome.errors.append(f"{response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not outcome.errors
    assert len(outcome.accepted) + len(outcome.refused) == CLIENTS * SAVES_EACH
    assert outcome.refused, "the clients should have collided at least once"
    with app.state.session_factory() as session:
        history = {
            (pid, after)
            for pid, after in session.execute(
                select(Revision.pair_id, Revision.after).where(
                    Revision.pair_id.in_(hot), Revision.field == "en_text"
                )
            )
        }
        rows = session.execute(select(Pair.id, Pair.en_text, Pair.version).where(Pair.id.in_(hot)))
        current = {pid: (text, version) for pid, text, version in rows.tuples()}
    # Every acknowledged save is in the history; no refused one is.
    for pair_id, text, _ in outcome.accepted:
        assert (pair_id, text) in history, text
    for pair_id, text, seen in outcome.refused:
        assert (pair_id, text) not in history, text
        assert seen >= 1
    assert len(history) == len(outcome.accepted)
    # One success per version: no two saves were built on the same version.
    per_pair: dict[int, list[int]] = defaultdict(list)
    for pair_id, _, version in outcome.accepted:
        per_pair[pair_id].append(version)
    for pair_id, got in per_pair.items():
        assert len(got) == len(set(got)), pair_id
        # The pair shows the save with the highest version: the last one, not an older one.
        last = max((v, t) for p, t, v in outcome.accepted if p == pair_id)
        assert current[pair_id] == (last[1], last[0])
