"""A job's page with its progress bar (polled by htmx), and the job as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep
from app.htmx import htmx, render
from app.models import Job, JobState, Project
from app.services.decoding import encoding_label
from app.services.jobs import get_job as load_job
from app.services.jobs import job_as_dict
from app.services.permissions import Action, require

router = APIRouter(tags=["jobs"])

_KIND_TITLES = {
    "import": "Importing and aligning",
    "realign": "Realigning",
    "export": "Exporting",
    "qa": "Checking",
}
_FORMAT_NAMES = {
    "txt": "plain text",
    "md": "Markdown",
    "html": "HTML",
    "docx": "Word",
    "paste": "pasted text",
}


def done_url(job: Job) -> str | None:
    """Where the translator goes when the job is done: the imported document, typically."""
    result = job.result or {}
    target = result.get("redirect")
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    if job.kind == "import" and job.document_id is not None:
        return f"/documents/{job.document_id}"
    return None


def _sides(job: Job) -> list[dict[str, Any]]:
    """What was detected about each uploaded side (never the text itself)."""
    payload = job.payload or {}
    sides = []
    for key, name in (("ru", "Russian"), ("en", "English")):
        side = payload.get(key)
        if not isinstance(side, dict):
            continue
        sides.append(
            {
                "name": name,
                "filename": str(side.get("filename") or ""),
                "format": _FORMAT_NAMES.get(str(side.get("format")), str(side.get("format"))),
                "encoding": encoding_label(str(side.get("encoding") or "")),
                "warnings": [str(w) for w in side.get("warnings") or []],
            }
        )
    return sides


@router.get("/jobs/{job_id}", name="job_detail", include_in_schema=False)
def job_detail(
    request: Request, job_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    job = load_job(session, user, job_id)
    finished = job.state in (JobState.DONE, JobState.FAILED)
    target = done_url(job) if job.state is JobState.DONE else None
    headers = {}
    if target and htmx(request).request:
        # The poll that sees the job finished takes the translator to the result.
        headers["HX-Redirect"] = target
    project = session.get(Project, job.project_id) if job.project_id is not None else None
    payload = job.payload or {}
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "info": job_as_dict(job),
            "kind_title": _KIND_TITLES.get(job.kind, "Working"),
            "title": str(payload.get("title") or ""),
            "sides": _sides(job),
            "project": project,
            "finished": finished,
            "done_url": target,
            "retry_url": f"/projects/{job.project_id}/import"
            if job.kind == "import" and job.project_id is not None
            else None,
        },
        block="job_status",
        headers=headers,
    )


class JobOut(BaseModel):
    id: int
    kind: str
    state: str
    progress: float
    message: str
    error: str | None
    project_id: int | None
    document_id: int | None
    result: dict[str, Any]
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    url: str
    result_url: str | None


@router.get("/api/v1/projects/{project_id}/jobs", name="api_project_jobs")
def api_project_jobs(
    project_id: int, session: SessionDep, user: CurrentUserDep, limit: int = 50
) -> list[dict[str, Any]]:
    """The project's latest jobs (imports, exports, …), newest first."""
    require(session, user, project_id, Action.VIEW)
    rows = session.scalars(
        select(Job)
        .where(Job.project_id == project_id)
        .order_by(Job.id.desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    out = []
    for job in rows:
        item = job_as_dict(job)
        item["url"] = f"/jobs/{job.id}"
        item["result_url"] = done_url(job) if job.state is JobState.DONE else None
        out.append(item)
    return out


@router.get("/api/v1/jobs/{job_id}", name="api_job", response_model=JobOut)
def api_job(job_id: int, session: SessionDep, user: CurrentUserDep) -> dict[str, Any]:
    """A job's state and progress (0–1); ``error`` says why a failed job failed."""
    job = load_job(session, user, job_id)
    out = job_as_dict(job)
    out["url"] = f"/jobs/{job.id}"
    out["result_url"] = done_url(job) if job.state is JobState.DONE else None
    return out
