"""Background jobs kept in the database, so every server process sees them and their progress.

A job is a row in ``jobs``. Any process may claim a queued job (atomically: ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, a conditional ``UPDATE`` on SQLite), runs the handler registered for its
kind in a worker thread, and commits progress and a heartbeat in short transactions of their
own. A job whose process died (``kill -9``, power loss) is marked failed at the next start, or
by any live worker once its heartbeat is stale, and the half-made document it owned is removed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.db import SQLITE_BUSY_TIMEOUT_MS, unit_of_work
from app.models import Document, DocumentState, Job, JobState, User, utcnow
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, can

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
Handler = Callable[[int, dict[str, Any], ProgressFn], dict[str, Any] | None]
SessionScope = Callable[[], AbstractContextManager[Session]]

HEARTBEAT_INTERVAL_S = 5.0
PROGRESS_WAIT_MS = 200  # SQLite: how long a progress report waits for the writer
STALE_AFTER_S = 60.0  # a running job whose heartbeat is older belongs to a dead process
POLL_INTERVAL_S = 1.0

SERVER_STOPPED = "The server stopped while this job was running; start it again."
UNEXPECTED = (
    "Something went wrong inside Sverka while doing this job. Try again; if it fails again, "
    "tell your administrator (the details are in the server log)."
)
NO_HANDLER = "This server does not know how to do this kind of job ({kind})."

_HANDLERS: dict[str, Handler] = {}
_wake = threading.Event()
_live_workers: set[str] = set()  # names of the workers running in this process


def register_handler(kind: str, fn: Handler) -> None:
    """Run ``fn(job_id, payload, report_progress)`` for jobs of ``kind``.

    The handler opens its own transactions with :func:`job_session` (the database of the
    worker running it, which in tests is not the configured one); what it returns is stored
    as the job's ``result``. A :class:`ServiceError` it raises becomes the job's error
    message as written; anything else is logged and reported as an internal error.
    """
    _HANDLERS[kind] = fn


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def _default_scope() -> AbstractContextManager[Session]:
    from app.db import session_scope

    return session_scope()


_current_scope = threading.local()


def job_session() -> AbstractContextManager[Session]:
    """A unit of work (commit on success, rollback on error) on the running job's database."""
    scope: SessionScope = getattr(_current_scope, "scope", None) or _default_scope
    return scope()


def scope_from(factory: sessionmaker[Session]) -> SessionScope:
    """A ``session_scope``-like callable for a session factory (tests, other databases)."""

    return partial(unit_of_work, factory)


# ------------------------------------------------------------------------------ enqueueing


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    user_id: int | None,
    project_id: int | None = None,
    document_id: int | None = None,
    message: str = "Waiting to start…",
) -> Job:
    """Add a queued job; it starts once the caller's transaction commits."""
    job = Job(
        kind=kind,
        state=JobState.QUEUED,
        payload=payload,
        user_id=user_id,
        project_id=project_id,
        document_id=document_id,
        progress=0.0,
        message=message,
    )
    session.add(job)
    session.flush()
    _wake.set()
    return job


def get_job(session: Session, user: User | None, job_id: int) -> Job:
    """The job, if ``user`` may see it (its project's members, or whoever started it)."""
    job = session.get(Job, job_id)
    if job is None or user is None:
        raise NotFound("No such job.")
    if job.user_id == user.id or user.is_admin:
        return job
    if job.project_id is not None and can(session, user, job.project_id, Action.VIEW):
        return job
    raise NotFound("No such job.")


def job_as_dict(job: Job) -> dict[str, Any]:
    """What pages and the API show about a job (never its payload, which may be large)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "progress": round(float(job.progress or 0.0), 4),
        "message": job.message or "",
        "error": job.error,
        "project_id": job.project_id,
        "document_id": job.document_id,
        "result": job.result or {},
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -------------------------------------------------------------------------------- claiming


def worker_name() -> str:
    """``host:pid:random``, so recovery can tell a dead local process from a live one."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker needs to run a job it claimed (detached from any session)."""

    id: int
    kind: str
    payload: dict[str, Any]


def claim_next(session: Session, worker: str) -> ClaimedJob | None:
    """Atomically take the oldest queued job for ``worker``; None when there is none.

    Commits, so that other workers see the job as running at once.
    """
    now = utcnow()
    claimed = {
        "state": JobState.RUNNING,
        "worker": worker,
        "started_at": now,
        "heartbeat_at": now,
        "message": "Starting…",
    }
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            select(Job.id, Job.kind, Job.payload)
            .where(Job.state == JobState.QUEUED)
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            session.rollback()
            return None
        session.execute(
            update(Job)
            .where(Job.id == row.id)
            .values(**claimed)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return ClaimedJob(row.id, row.kind, dict(row.payload or {}))
    # SQLite has no row locks: the UPDATE that still finds the job queued wins.
    while True:
        row = session.execute(
            select(Job.id, Job.kind, Job.payload)
            .where(Job.state == JobState.QUEUED)
            .order_by(Job.id)
            .limit(1)
        ).first()
        if row is None:
            session.rollback()
            return None
        result = session.execute(
            update(Job)
            .where(Job.id == row.id, Job.state == JobState.QUEUED)
            .values(**claimed)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(result, "rowcount", 0) == 1:
            return ClaimedJob(row.id, row.kind, dict(row.payload or {}))


# --------------------------------------------------------------------------------- running


class _JobRun:
    """Progress and heartbeat of one running job, each written in its own short transaction."""

    def __init__(self, job_id: int, worker: str, scope: SessionScope) -> None:
        self.job_id = job_id
        self.worker = worker
        self.scope = scope
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"sverka-job-{job_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> _JobRun:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_INTERVAL_S * 2)

    def _write(self, **values: Any) -> None:
        try:
            with self.scope() as session:
                sqlite = session.get_bind().dialect.name == "sqlite"
                if sqlite:
                    # SQLite has one writer: while the job's own transaction writes (an
                    # import's pairs), this report cannot be written at all, and waiting the
                    # full busy timeout would only stall the job. Give up quickly instead.
                    session.execute(text(f"PRAGMA busy_timeout={PROGRESS_WAIT_MS}"))
                try:
                    session.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.state == JobState.RUNNING)
                        .values(heartbeat_at=utcnow(), **values)
                        .execution_options(synchronize_session=False)
                    )
                finally:
                    if sqlite:
                        session.execute(text(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"))
        except SQLAlchemyError:
            # Progress is a courtesy: a busy database must not fail the job itself.
            log.info("could not record progress of job %s (database busy)", self.job_id)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_INTERVAL_S):
            self._write()

    def report_progress(self, fraction: float, message: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        values: dict[str, Any] = {"progress": fraction}
        if message:
            values["message"] = message[:500]
        self._write(**values)


def run_job(job: ClaimedJob, worker: str, scope: SessionScope | None = None) -> None:
    """Run a claimed job to its end, recording done or failed (never raises for job errors)."""
    scope = scope or _default_scope
    job_id, kind, payload = job.id, job.kind, job.payload
    handler = _HANDLERS.get(kind)
    result: dict[str, Any] | None = None
    error: str | None = None
    if handler is None:
        error = NO_HANDLER.format(kind=kind)
    else:
        previous = getattr(_current_scope, "scope", None)
        _current_scope.scope = scope
        with _JobRun(job_id, worker, scope) as run:
            try:
                result = handler(job_id, payload, run.report_progress)
            except ServiceError as exc:
                error = exc.message
            except Exception:
                log.error("job %s (%s) failed:\n%s", job_id, kind, traceback.format_exc())
                error = UNEXPECTED
            finally:
                _current_scope.scope = previous
    with scope() as session:
        values: dict[str, Any] = {"finished_at": utcnow(), "heartbeat_at": utcnow()}
        if error is None:
            values.update(state=JobState.DONE, progress=1.0, message="Done.", result=result or {})
        else:
            values.update(state=JobState.FAILED, error=error, message="Failed.")
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if error is not None:
            _remove_half_made_document(session, job_id)


def _remove_half_made_document(session: Session, job_id: int) -> None:
    doc_id = session.scalar(select(Job.document_id).where(Job.id == job_id))
    if doc_id is None:
        return
    state = session.scalar(select(Document.state).where(Document.id == doc_id))
    if state is not DocumentState.IMPORTING:
        return
    # jobs.document_id cascades on delete: unlink first, or the job and its message would go.
    session.execute(
        update(Job)
        .where(Job.document_id == doc_id)
        .values(document_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Document)
        .where(Document.id == doc_id, Document.state == DocumentState.IMPORTING)
        .execution_options(synchronize_session=False)
    )


def run_pending_jobs_once(
    scope: SessionScope | None = None, *, worker: str | None = None, limit: int | None = None
) -> int:
    """Run queued jobs in this thread until none is left (or ``limit``); how many ran."""
    scope = scope or _default_scope
    worker = worker or worker_name()
    _live_workers.add(worker)
    ran = 0
    try:
        while limit is None or ran < limit:
            with scope() as session:
                job = claim_next(session, worker)
            if job is None:
                break
            run_job(job, worker, scope)
            ran += 1
    finally:
        _live_workers.discard(worker)
    return ran


# -------------------------------------------------------------------------------- recovery


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_is_dead(worker: str, heartbeat_at: datetime | None, now: datetime) -> bool:
    parts = worker.split(":")
    if len(parts) == 3 and parts[0] == socket.gethostname()[:60] and parts[1].isdigit():
        pid = int(parts[1])
        if pid == os.getpid():
            # Our own process: the job is dead only if no thread of ours is running it.
            return worker not in _live_workers
        if not _process_alive(pid):
            return True
    if heartbeat_at is None:
        return True
    if heartbeat_at.tzinfo is None:  # SQLite returns naive datetimes
        heartbeat_at = heartbeat_at.replace(tzinfo=now.tzinfo)
    return now - heartbeat_at > timedelta(seconds=STALE_AFTER_S)


def recover_stale_jobs(scope: SessionScope | None = None) -> list[int]:
    """Mark failed the running jobs whose process is gone; remove their half-made documents.

    Called when a worker starts and then every minute, by every server process.
    """
    scope = scope or _default_scope
    now = utcnow()
    failed: list[int] = []
    with scope() as session:
        rows = session.execute(
            select(Job.id, Job.worker, Job.heartbeat_at).where(Job.state == JobState.RUNNING)
        ).all()
        for job_id, worker, heartbeat_at in rows:
            if not _worker_is_dead(worker or "", heartbeat_at, now):
                continue
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.RUNNING)
                .values(
                    state=JobState.FAILED,
                    error=SERVER_STOPPED,
                    message="Failed.",
                    finished_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                _remove_half_made_document(session, job_id)
                failed.append(job_id)
    for job_id in failed:
        log.warning("job %s was running in a process that stopped; marked failed", job_id)
    return failed


# ---------------------------------------------------------------------------------- worker


class JobWorker:
    """A thread that runs queued jobs, one at a time, in this server process."""

    def __init__(self, scope: SessionScope | None = None, *, poll_s: float = POLL_INTERVAL_S):
        self.scope = scope or _default_scope
        self.poll_s = poll_s
        self.name = worker_name()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sverka-jobs", daemon=True)

    def start(self) -> JobWorker:
        _live_workers.add(self.name)
        try:
            recover_stale_jobs(self.scope)
        except SQLAlchemyError:
            log.warning("could not check for interrupted jobs", exc_info=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; waits for the running one up to ``timeout`` seconds."""
        self._stop.set()
        _wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        _live_workers.discard(self.name)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        last_recovery = utcnow()
        while not self._stop.is_set():
            try:
                with self.scope() as session:
                    job = claim_next(session, self.name)
                if job is not None:
                    run_job(job, self.name, self.scope)
                    continue
                if utcnow() - last_recovery > timedelta(seconds=STALE_AFTER_S):
                    recover_stale_jobs(self.scope)
                    last_recovery = utcnow()
            except SQLAlchemyError:
                log.warning("job worker could not reach the database", exc_info=True)
                self._stop.wait(self.poll_s * 5)
                continue
            _wake.wait(self.poll_s)
            _wake.clear()


def start_worker(scope: SessionScope | None = None) -> JobWorker:
    """Start a worker thread on ``scope``'s database (an app's lifespan calls this once).

    Every app gets its own worker, so two apps on two databases in one process (tests) never
    run each other's jobs; several workers on one database are safe, claims being atomic.
    """
    register_all_handlers()
    return JobWorker(scope).start()


def register_all_handlers() -> list[str]:
    """Import every ``app.services`` module and call its ``register_jobs()``, if it has one.

    That is how a feature makes its job kinds known to every worker: define
    ``register_jobs()`` in its service module, calling :func:`register_handler`.
    """
    import importlib
    import pkgutil

    import app.services

    for info in pkgutil.iter_modules(app.services.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"app.services.{info.name}")
        except Exception:
            log.exception("could not load app.services.%s for its job handlers", info.name)
            continue
        register = getattr(module, "register_jobs", None)
        if callable(register):
            register()
    return registered_kinds()
