"""Import jobs on committed rows, shared by the import and crash-safety tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Document, Job, JobState, User
from app.services import imports
from app.services.imports import Limits, UploadedSide
from tests.app.committed import CommittedDB

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo"
LIMITS = Limits(max_upload_bytes=2 * 1024 * 1024, max_document_chars=200_000)


def start_demo_import(
    db: CommittedDB, user_id: int, project_id: int, ru: UploadedSide | None = None
) -> int:
    """Queue the import of the demo memo (``ru`` in place of its Russian side); the job id."""
    if ru is None:
        ru = UploadedSide("ru.txt", (DEMO / "ru.txt").read_bytes())
    with db.scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return imports.start_import(
            session, user, project_id, "Докладная записка", ru,
            UploadedSide("en.txt", (DEMO / "en.txt").read_bytes()), limits=LIMITS,
        ).id  # fmt: skip


def assert_failed_leaving_no_document(
    session: Session, job_id: int, project_id: int, error: str
) -> None:
    """The job failed with ``error`` and left no document behind in the project."""
    job = session.get(Job, job_id)
    assert job is not None
    assert job.state is JobState.FAILED
    assert job.error == error
    assert job.document_id is None
    documents = session.scalar(
        select(func.count()).select_from(Document).where(Document.project_id == project_id)
    )
    assert documents == 0
