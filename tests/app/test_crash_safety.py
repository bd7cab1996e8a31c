"""kill -9 during an import: after a restart the document is absent and the job says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app.models import Job, JobState, Pair, Segment
from app.services import imports, jobs
from tests.app.committed import CommittedDB
from tests.app.import_jobs import assert_failed_leaving_no_document, start_demo_import

ROOT = Path(__file__).resolve().parents[2]

# Runs one import job in a separate process and stops at a chosen point, as if the server
# were busy there when it was killed.
_WORKER_SCRIPT = r"""
import sys, time
from pathlib import Path
from sqlalchemy.orm import sessionmaker
from app.db import build_engine
from app.services import imports, jobs
import alignment.align as aligner

url, marker, stage = sys.argv[1:4]
scope = jobs.scope_from(sessionmaker(bind=build_engine(url), expire_on_commit=False))
imports.register()

def hang(what):
    Path(marker).write_text(what)
    time.sleep(600)

if stage == "aligning":
    real_align = aligner.align_texts
    def align_then_hang(ru, en, **kw):
        kw["progress"](0.5)
        hang("aligning")
    aligner.align_texts = align_then_hang
else:
    real_store = imports.store_alignment
    def store_then_hang(session, document, aligned, **kw):
        written = real_store(session, document, aligned, **kw)
        session.flush()  # every row is in the database, not yet committed
        hang(str(document.id))
        return written
    imports.store_alignment = store_then_hang

jobs.run_pending_jobs_once(scope, limit=1)
"""


@pytest.fixture
def db(engine: Engine) -> Iterator[CommittedDB]:
    imports.register()
    committed = CommittedDB(engine)
    committed.set_aside_leftover_jobs()
    yield committed
    committed.cleanup()


def _wait_for_file(path: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"the import process ended early:\n{out}")
        time.sleep(0.1)
    raise AssertionError("the import process never reached the point where it is killed")


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["aligning", "saving"])
def test_import_killed_mid_job_leaves_no_document_and_a_failed_job(
    db: CommittedDB, database_url: str, tmp_path: Path, stage: str
) -> None:
    owner = db.user()
    project = db.project(owner)
    jobs.run_pending_jobs_once(db.scope)  # nothing else queued: the child takes our job
    job_id = start_demo_import(db, owner, project)

    marker = tmp_path / "reached"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", _WORKER_SCRIPT, database_url, str(marker), stage],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        reached = _wait_for_file(marker, proc)
        with db.scope() as session:
            job = session.get(Job, job_id)
            assert job is not None and job.state is JobState.RUNNING
            if stage == "aligning":
                assert job.progress > 0  # progress of the other process is visible here
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    # The server starts again: its worker recovers what the dead process left.
    worker = jobs.JobWorker(db.scope).start()
    worker.stop()

    with db.scope() as session:
        assert_failed_leaving_no_document(
            session,
            job_id,
            project,
            "The server stopped while this job was running; start it again.",
        )
        if stage == "saving":
            document_id = int(reached)
            for table in (Pair, Segment):
                rows = session.scalar(
                    select(func.count()).select_from(table).where(table.document_id == document_id)  # type: ignore[attr-defined]
                )
                assert rows == 0

    # Starting the import again works and gives the complete document.
    again = start_demo_import(db, owner, project)
    jobs.run_pending_jobs_once(db.scope)
    with db.scope() as session:
        job = session.get(Job, again)
        assert job is not None and job.state is JobState.DONE, job.error
