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


EDITORS = 4
MERGERS = 2
ROUNDS = 12


def test_saves_and_merges_at_once_lose_nothing(app: FastAPI, database_url: str) -> None:
    """Saves skip the document's lock (the pair's version guards them) while merges take it
    and renumber the pairs after them: mixed at once, every answer is a success or a 409,
    every acknowledged save is in the history, and the document stays whole and in order."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SVERKA_TEST_POSTGRES_URL): row locks under real load")
    team = make_team(app, pairs=MEMO * 8)
    names = [_translator(app, team.project_id) for _ in range(EDITORS + MERGERS)]
    outcome = Outcome()
    merged: list[int] = []
    start = threading.Barrier(EDITORS + MERGERS)
    with app.state.session_factory() as session:
        original_ru = " ".join(
            session.scalars(
                select(Pair.ru_text)
                .where(Pair.document_id == team.document_id)
                .order_by(Pair.position)
            )
        )

    def edit(index: int, client: TestClient, csrf: str) -> None:
        for n in range(ROUNDS):
            pair_id = team.pair_ids[(index * 7 + n * 3) % len(team.pair_ids)]
            got = client.get(f"/api/v1/pairs/{pair_id}")
            if got.status_code == 404:  # merged away meanwhile
                continue
            text = f"Edit {n} by client {index}."
            response = client.patch(
                f"/api/v1/pairs/{pair_id}",
                json={"version": got.json()["version"], "en_text": text},
                headers={"X-CSRF-Token": csrf},
            )
            with outcome.lock:
                if response.status_code == 200:
                    outcome.accepted.append((pair_id, text, response.json()["version"]))
                elif response.status_code in (404, 409):
                    outcome.refused.append((pair_id, text, 0))
                else:
                    outcome.errors.append(f"save {response.status_code}: {response.text[:200]}")

    def merge(index: int, client: TestClient, csrf: str) -> None:
        for n in range(ROUNDS // 2):
            listing = client.get(
                f"/api/v1/documents/{team.document_id}/pairs", params={"limit": 500}
            ).json()["pairs"]
            k = (index * 11 + n * 5) % (len(listing) - 1)
            first, second = listing[k], listing[k + 1]
            response = client.post(
                f"/api/v1/pairs/{first['id']}/merge",
                json={"version": first["version"], "next_version": second["version"]},
                headers={"X-CSRF-Token": csrf},
            )
            with outcome.lock:
                if response.status_code == 200:
                    merged.append(second["id"])
                elif response.status_code not in (404, 409):
                    outcome.errors.append(f"merge {response.status_code}: {response.text[:200]}")

    def work(index: int, username: str) -> None:
        with TestClient(app, follow_redirects=False) as client:
            csrf = login(client, username)
            start.wait()
            try:
                (edit if index < EDITORS else merge)(index, client, csrf)
            except Exception as exc:  # reported below, with the others
                with outcome.lock:
                    outcome.errors.append(f"client {index}: {type(exc).__name__} {exc}")

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not outcome.errors
    assert merged, "the mergers should have merged at least once"
    with app.state.session_factory() as session:
        rows = session.execute(
            select(Pair.id, Pair.position, Pair.ru_text)
            .where(Pair.document_id == team.document_id)
            .order_by(Pair.position)
        ).all()
        # By document: a pair merged away takes its own history with it into the merge.
        history = set(
            session.scalars(
                select(Revision.after).where(
                    Revision.document_id == team.document_id, Revision.field == "en_text"
                )
            )
        )
    # Still dense and whole: every merge took one pair away, no Russian text was lost.
    assert [r.position for r in rows] == list(range(len(team.pair_ids) - len(merged)))
    # (A merged pair joins its two paragraphs with a blank line: compare the words.)
    assert " ".join(r.ru_text for r in rows).split() == original_ru.split()
    for _, text, _ in outcome.accepted:
        assert text in history, text


def test_a_save_does_not_wait_for_a_merge_elsewhere_in_the_document(
    app: FastAPI, database_url: str
) -> None:
    """While one translator's merge holds the document's lock, another's save of a different
    pair of that document is answered (before the merge finishes), not queued behind it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SVERKA_TEST_POSTGRES_URL): advisory locks")
    from app.services import review

    team = make_team(app)
    username = _translator(app, team.project_id)
    answered = threading.Event()
    status: list[int] = []

    def save() -> None:
        with TestClient(app, follow_redirects=False) as client:
            csrf = login(client, username)
            pair_id = team.pair_ids[-1]
            version = client.get(f"/api/v1/pairs/{pair_id}").json()["version"]
            response = client.patch(
                f"/api/v1/pairs/{pair_id}",
                json={"version": version, "en_text": "Saved while a merge was open."},
                headers={"X-CSRF-Token": csrf},
            )
            status.append(response.status_code)
            answered.set()

    with app.state.session_factory() as holder, holder.begin():
        review._lock(holder, team.document_id)  # as a merge in progress holds it
        worker = threading.Thread(target=save)
        worker.start()
        was_answered_while_held = answered.wait(timeout=60)
    worker.join()
    assert was_answered_while_held, "the save queued behind the document's lock"
    assert status == [200]
