"""The import page: a Russian and an English file (or pasted text) → a background job."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from app.deps import CurrentUserDep, SessionDep, SettingsDep
from app.htmx import redirect, render
from app.models import Job, User
from app.services import imports, projects
from app.services.decoding import SUPPORTED_FORMATS, format_size, too_large_message
from app.services.errors import ServiceError, TooLarge
from app.services.imports import Limits, UploadedSide
from app.services.jobs import job_as_dict
from app.services.permissions import Action, require

router = APIRouter(tags=["imports"])

ACCEPT = ".txt,.md,.markdown,.html,.htm,.xhtml,.docx,text/plain,text/markdown,text/html"
# A form field (pasted text) is parsed in memory and Starlette caps one at 1 MB; the form says
# so (no maxlength: browsers cut pasted text at it silently).
MAX_PASTE_CHARS = 400_000


async def _read_side(upload: UploadFile | None, pasted: str, limits: Limits) -> UploadedSide:
    if upload is not None and upload.filename:
        name = upload.filename
        # The size is known from the spooled part: refuse before reading it into memory.
        if upload.size is not None and upload.size > limits.max_upload_bytes:
            raise TooLarge(too_large_message(name, upload.size, limits.max_upload_bytes))
        data = await upload.read(limits.max_upload_bytes + 1)
        if len(data) > limits.max_upload_bytes:
            raise TooLarge(too_large_message(name, None, limits.max_upload_bytes))
        if data or not pasted.strip():
            return UploadedSide(filename=name, data=data)
    return UploadedSide(pasted=pasted)


def _form_page(
    request: Request,
    user: User,
    session: SessionDep,
    project_id: int,
    limits: Limits,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    project = projects.get_project(session, user, project_id)
    require(session, user, project_id, Action.EDIT)
    return render(
        request,
        "imports/form.html",
        {
            "project": project,
            "form": form or {"title": "", "ru_text": "", "en_text": ""},
            "error": error,
            "accept": ACCEPT,
            "supported": SUPPORTED_FORMATS,
            "max_upload": format_size(limits.max_upload_bytes),
            "max_paste": MAX_PASTE_CHARS,
        },
        block="import_form",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/import", name="import_form", include_in_schema=False)
def import_form(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
) -> Response:
    return _form_page(request, user, session, project_id, Limits.from_settings(settings))


@router.post("/projects/{project_id}/import", name="import_start", include_in_schema=False)
async def import_start(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=2000)] = "",
    ru_file: Annotated[UploadFile | None, File()] = None,
    en_file: Annotated[UploadFile | None, File()] = None,
    ru_text: Annotated[str, Form()] = "",
    en_text: Annotated[str, Form()] = "",
) -> Response:
    limits = Limits.from_settings(settings)
    try:
        ru = await _read_side(ru_file, ru_text, limits)
        en = await _read_side(en_file, en_text, limits)
        job = imports.start_import(session, user, project_id, title, ru, en, limits=limits)
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        form = {"title": title, "ru_text": ru_text, "en_text": en_text}
        return _form_page(
            request, user, session, project_id, limits,
            form=form, error=exc.message, status_code=exc.status_code,
        )  # fmt: skip
    return redirect(request, f"/jobs/{job.id}")


# --------------------------------------------------------------------------------- the API


class ImportAccepted(BaseModel):
    job_id: int
    state: str
    url: str
    api_url: str
    ru_encoding: str
    en_encoding: str


@router.post(
    "/api/v1/projects/{project_id}/imports",
    name="api_import_start",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportAccepted,
    responses={400: {"description": "A file was refused; `detail` says why"}},
)
async def api_import_start(
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    ru_file: Annotated[UploadFile, File(description="The Russian original")],
    en_file: Annotated[UploadFile, File(description="The English translation")],
    title: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    """Upload a Russian and an English file; alignment runs as a job (poll its ``api_url``)."""
    limits = Limits.from_settings(settings)
    ru = await _read_side(ru_file, "", limits)
    en = await _read_side(en_file, "", limits)
    job: Job = imports.start_import(session, user, project_id, title, ru, en, limits=limits)
    payload = job_as_dict(job)
    return JSONResponse(
        {
            "job_id": job.id,
            "state": payload["state"],
            "url": f"/jobs/{job.id}",
            "api_url": f"/api/v1/jobs/{job.id}",
            "ru_encoding": job.payload["ru"]["encoding"],
            "en_encoding": job.payload["en"]["encoding"],
        },
        status_code=status.HTTP_202_ACCEPTED,
    )
