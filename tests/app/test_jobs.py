"""The job queue: lifecycle, progress seen from other sessions, errors, recovery, claiming."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from app.models import Document, DocumentState, Job, JobState, Role, User, utcnow
from app.services import jobs
from app.services.errors import NotFound, ServiceError
from app.services.projects import create_project
from tests.app.committed import CommittedDB
from tests.app.conftest import login, make_user, unique

_release = threading.Event()


def _echo(job_id: int, payload: dict[str, Any], report: jobs.ProgressFn) -> dict[str, Any]:
    report(0.5, "Halfway through the pairs…")
    return {"echo": payload["word"], "job": job_id}


def _blocking(job_id: int, payload: dict[str, Any], report: jobs.ProgressFn) -> dict[str, Any]:
    report(0.4, "Aligning paragraph 4 of 10…")
    if not _release.wait(30):
        raise RuntimeError("test never released the job")
    return {}


def _refuses(job_id: int, payload: dict[str, Any], report: jobs.ProgressFn) -> None:
    raise ServiceError("The English file has no sentences to align.")


def _crashes(job_id: int, payload: dict[str, Any], report: jobs.ProgressFn) -> None:
    raise ZeroDivisionError("internal detail a translator must not see")


jobs.register_handler("test.echo", _echo)
jobs.register_handler("test.blocking", _blocking)
jobs.register_handler("test.refuses", _refuses)
jobs.register_handler("test.crashes", _crashes)


@pytest.fixture
def db(engine: Engine) -> Iterator[CommittedDB]:
    committed = CommittedDB(engine)
    committed.set_aside_leftover_jobs()
    yield committed
    committed.cleanup()


def _enqueue(db: CommittedDB, kind: str, user_id: int, **payload: Any) -> int:
    with db.scope() as session:
        return jobs.enqueue(session, kind, payload, user_id=user_id).id


def _job(db: CommittedDB, job_id: int) -> Job:
    with db.scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def _wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_job_runs_from_queued_to_done_with_its_result(db: CommittedDB) -> None:
    user = db.user()
    job_id = _enqueue(db, "test.echo", user, word="тройка")
    queued = _job(db, job_id)
    assert queued.state is JobState.QUEUED
    assert queued.progress == 0.0

    assert jobs.run_pending_jobs_once(db.scope) >= 1

    done = _job(db, job_id)
    assert done.state is JobState.DONE
    assert done.progress == 1.0
    assert done.result == {"echo": "тройка", "job": job_id}
    assert done.error is None
    assert done.started_at is not None and done.finished_at is not None
    assert done.worker


def test_progress_is_visible_from_another_session_while_the_job_runs(db: CommittedDB) -> None:
    user = db.user()
    _release.clear()
    worker = jobs.JobWorker(db.scope, poll_s=0.05).start()
    try:
        job_id = _enqueue(db, "test.blocking", user)
        _wait_for(lambda: _job(db, job_id).message == "Aligning paragraph 4 of 10…")
        running = _job(db, job_id)
        assert running.state is JobState.RUNNING
        assert running.progress == pytest.approx(0.4)
        assert running.worker == worker.name
        _release.set()
        _wait_for(lambda: _job(db, job_id).state is JobState.DONE)
    finally:
        _release.set()
        worker.stop()
    assert not worker.running


def test_service_error_message_reaches_the_translator(db: CommittedDB) -> None:
    user = db.user()
    job_id = _enqueue(db, "test.refuses", user)
    jobs.run_pending_jobs_once(db.scope)
    failed = _job(db, job_id)
    assert failed.state is JobState.FAILED
    assert failed.error == "The English file has no sentences to align."


def test_unexpected_error_is_logged_but_not_shown(
    db: CommittedDB, caplog: pytest.LogCaptureFixture
) -> None:
    user = db.user()
    job_id = _enqueue(db, "test.crashes", user)
    with caplog.at_level(logging.ERROR, logger="app.services.jobs"):
        jobs.run_pending_jobs_once(db.scope)
    failed = _job(db, job_id)
    assert failed.state is JobState.FAILED
    assert failed.error == jobs.UNEXPECTED
    assert "internal detail" not in (failed.error or "")
    assert "ZeroDivisionError: internal detail" in caplog.text


def test_unknown_job_kind_fails_with_a_message(db: CommittedDB) -> None:
    user = db.user()
    job_id = _enqueue(db, "test.nobody-handles-this", user)
    jobs.run_pending_jobs_once(db.scope)
    failed = _job(db, job_id)
    assert failed.state is JobState.FAILED
    assert "test.nobody-handles-this" in (failed.error or "")


def _running_job(db: CommittedDB, user: int, project: int, worker: str, beat_age_s: float) -> int:
    """A job left 'running' by some worker, owning a half-made document."""
    with db.scope() as session:
        document = Document(project_id=project, title="Half-made", state=DocumentState.IMPORTING)
        session.add(document)
        session.flush()
        job = jobs.enqueue(
            session, "import", {}, user_id=user, project_id=project, document_id=document.id
        )
        job.state = JobState.RUNNING
        job.worker = worker
        job.heartbeat_at = utcnow() - timedelta(seconds=beat_age_s)
        return job.id


def test_recovery_fails_jobs_of_dead_processes_and_removes_their_documents(
    db: CommittedDB,
) -> None:
    import socket

    user = db.user()
    project = db.project(user)
    host = socket.gethostname()[:60]
    dead_pid = _job_of_dead_process_pid()
    dead_local = _running_job(db, user, project, f"{host}:{dead_pid}:abcd", beat_age_s=1)
    stale_remote = _running_job(db, user, project, "other-host:123:beef", beat_age_s=600)
    alive_remote = _running_job(db, user, project, "other-host:124:cafe", beat_age_s=2)

    failed = jobs.recover_stale_jobs(db.scope)

    assert dead_local in failed and stale_remote in failed
    assert alive_remote not in failed
    for job_id in (dead_local, stale_remote):
        job = _job(db, job_id)
        assert job.state is JobState.FAILED
        assert job.error == jobs.SERVER_STOPPED
    assert _job(db, alive_remote).state is JobState.RUNNING
    with db.scope() as session:
        titles = session.scalars(select(Document.id).where(Document.project_id == project)).all()
    assert len(titles) == 1  # only the live job's document is still there


def _job_of_dead_process_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_two_workers_never_claim_the_same_job(db: CommittedDB) -> None:
    user = db.user()
    with db.scope() as session:
        ids = [jobs.enqueue(session, "test.echo", {"word": str(i)}, user_id=user).id
               for i in range(30)]  # fmt: skip
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def claim_all(n: int) -> None:
        barrier.wait()
        while True:
            with db.scope() as session:
                job = jobs.claim_next(session, f"test-worker-{n}")
            if job is None:
                return
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    mine = [job_id for job_id in claimed if job_id in set(ids)]
    assert sorted(mine) == sorted(ids)  # every job claimed exactly once
    with db.scope() as session:
        workers = session.scalars(select(Job.worker).where(Job.id.in_(ids))).all()
    assert all(w.startswith("test-worker-") for w in workers)


def test_job_page_visibility_follows_project_membership(db: CommittedDB) -> None:
    owner, viewer, stranger = db.user(), db.user(), db.user()
    project = db.project(owner, members={viewer: Role.VIEWER})
    with db.scope() as session:
        job_id = jobs.enqueue(
            session, "test.echo", {"word": "x"}, user_id=owner, project_id=project
        ).id
    with db.scope() as session:
        for user_id in (owner, viewer):
            user = session.get(User, user_id)
            assert jobs.get_job(session, user, job_id).id == job_id
        with pytest.raises(NotFound):
            jobs.get_job(session, session.get(User, stranger), job_id)
        with pytest.raises(NotFound):
            jobs.get_job(session, None, job_id)
    jobs.run_pending_jobs_once(db.scope)
    shown = jobs.job_as_dict(_job(db, job_id))
    assert shown["state"] == "done"
    assert "payload" not in shown


def test_own_process_jobs_are_recovered_only_when_no_thread_runs_them(db: CommittedDB) -> None:
    import socket

    user = db.user()
    project = db.project(user)
    me = f"{socket.gethostname()[:60]}:{os.getpid()}:0000"
    orphan = _running_job(db, user, project, me, beat_age_s=1)
    assert orphan in jobs.recover_stale_jobs(db.scope)


# ------------------------------------------------------------------------------- the API


def test_job_json_for_members_only(
    app: FastAPI, client: TestClient, database_url: str, make_client: Callable[..., TestClient]
) -> None:
    owner = make_user(database_url, unique("owner"))
    stranger = make_user(database_url, unique("stranger"))
    with app.state.session_factory() as session:
        project = create_project(session, owner, unique("Jobs"))
        job = jobs.enqueue(
            session, "test.echo", {"word": "НКВД"}, user_id=owner.id, project_id=project.id
        )
        session.commit()
        job_id = job.id

    anonymous = client.get(f"/api/v1/jobs/{job_id}")
    assert anonymous.status_code == 401

    login(client, owner.username)
    queued = client.get(f"/api/v1/jobs/{job_id}").json()
    assert queued["state"] == "queued" and queued["progress"] == 0.0
    assert queued["url"] == f"/jobs/{job_id}"
    assert "payload" not in queued

    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))
    done = client.get(f"/api/v1/jobs/{job_id}").json()
    assert done["state"] == "done" and done["progress"] == 1.0
    assert done["result"] == {"echo": "НКВД", "job": job_id}
    assert done["result_url"] is None  # not an import: nowhere to go

    other = make_client()
    login(other, stranger.username)
    assert other.get(f"/api/v1/jobs/{job_id}").status_code == 404
    page = other.get(f"/jobs/{job_id}")
    assert page.status_code == 404


def test_workers_know_every_service_that_registers_jobs() -> None:
    kinds = jobs.register_all_handlers()
    assert "import" in kinds


def test_project_job_list_shows_members_the_latest_jobs_first(
    app: FastAPI,
    signed_in: tuple[TestClient, User, str],
    database_url: str,
    make_client: Callable[..., TestClient],
) -> None:
    client, owner, _ = signed_in
    with app.state.session_factory() as session:
        project = create_project(session, owner, unique("Jobs list"))
        first = jobs.enqueue(session, "test.echo", {"word": "1"}, user_id=owner.id,
                             project_id=project.id)  # fmt: skip
        second = jobs.enqueue(session, "test.refuses", {}, user_id=owner.id,
                              project_id=project.id)  # fmt: skip
        session.commit()
        project_id, ids = project.id, [second.id, first.id]
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))
    listed = client.get(f"/api/v1/projects/{project_id}/jobs").json()
    assert [j["id"] for j in listed] == ids
    assert [j["state"] for j in listed] == ["failed", "done"]
    assert listed[0]["error"] == "The English file has no sentences to align."
    stranger = make_user(database_url, unique("stranger"))
    other = make_client()
    login(other, stranger.username)
    assert other.get(f"/api/v1/projects/{project_id}/jobs").status_code == 404
