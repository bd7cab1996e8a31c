"""The REST API for exports (a document's file at once, or a project's as a job) and for
TMX/XLIFF imports.

``GET /api/v1/documents/{id}/export?format=tmx`` answers with the file itself (written to a
temporary file on the server, then streamed). ``POST /api/v1/projects/{id}/exports`` queues a
job; poll ``/api/v1/jobs/{job_id}`` and fetch ``download_url`` when it is done.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep, SettingsDep
from app.models import Document
from app.routes.api import ErrorOut
from app.routes.exports import file_response, parse_options
from app.services import exports, interchange_import
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.permissions import Action, require

router = APIRouter(prefix="/api/v1", tags=["api"])

_AUTH: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Unknown format or option; `detail` says why"},
    401: {"model": ErrorOut, "description": "Not signed in (no session, no valid token)"},
    403: {"model": ErrorOut, "description": "Your role does not allow exporting"},
    404: {"model": ErrorOut, "description": "No such thing, or not in one of your projects"},
}
Layout = Literal["side-by-side", "alternating"]


@router.get(
    "/documents/{document_id}/export",
    responses={**_AUTH, 200: {"description": "The exported file", "content": {"*/*": {}}}},
    summary="Export a document (TMX, XLIFF, TSV/CSV, HTML, DOCX, PDF, EPUB)",
    response_class=Response,
)
def export_document(
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    format: Annotated[str, Query(max_length=20, description="tmx, xliff, xliff12, tsv, …")] = "tmx",
    only_approved: bool = False,
    pair_numbers: bool = False,
    title_page: bool = True,
    appendix: bool = True,
    layout: Layout = "side-by-side",
) -> Response:
    if session.get(Document, document_id) is None:
        raise NotFound("No such document, or you are not a member of its project.")
    options = parse_options(
        only_approved=only_approved,
        pair_numbers=pair_numbers,
        title_page=title_page,
        appendix=appendix,
        layout=layout,
    )
    target = exports.ExportTarget("document", document_id)
    exported = exports.export_now(session, user, target, format, options, settings.data_dir)
    return file_response(exported, remove=True)


class ExportIn(BaseModel):
    format: str = Field(default="tmx", max_length=20, description="tmx, xliff, tsv, pdf, …")
    document_id: int | None = Field(default=None, description="One document; the project if null")
    only_approved: bool = False
    pair_numbers: bool = False
    title_page: bool = True
    appendix: bool = True
    layout: Layout = "side-by-side"


class ExportAccepted(BaseModel):
    job_id: int
    state: str
    url: str = Field(description="The export's page, with its progress bar")
    api_url: str = Field(description="Poll it: state and progress (0–1)")
    download_url: str = Field(description="The file, once the job is done")


@router.post(
    "/projects/{project_id}/exports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportAccepted,
    responses=_AUTH,
    summary="Export a project (or one of its documents) as a background job",
)
def start_export(
    project_id: int,
    body: ExportIn,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
) -> Any:
    if body.document_id is not None:
        doc = session.get(Document, body.document_id)
        if doc is None or doc.project_id != project_id:
            raise NotFound("No such document in this project.")
        target = exports.ExportTarget("document", body.document_id)
    else:
        target = exports.ExportTarget("project", project_id)
    options = parse_options(
        only_approved=body.only_approved,
        pair_numbers=body.pair_numbers,
        title_page=body.title_page,
        appendix=body.appendix,
        layout=body.layout,
    )
    exports.check_export(session, user, target)
    if exports.count_pairs(session, target, only_approved=body.only_approved) == 0:
        raise ServiceError("There is nothing to export: no pairs match.")
    job = exports.start_export_job(session, user, target, body.format, options, settings.data_dir)
    return JSONResponse(
        {
            "job_id": job.id,
            "state": str(job.state),
            "url": f"/exports/{job.id}",
            "api_url": f"/api/v1/jobs/{job.id}",
            "download_url": f"/api/v1/exports/{job.id}/download",
        },
        status_code=status.HTTP_202_ACCEPTED,
    )


@router.get(
    "/exports/{job_id}/download",
    responses={**_AUTH, 200: {"description": "The exported file", "content": {"*/*": {}}}},
    summary="The file a finished export job made",
    response_class=Response,
)
def download_export(
    job_id: int, session: SessionDep, user: CurrentUserDep, settings: SettingsDep
) -> Response:
    exported = exports.finished_export(session, user, job_id, settings.data_dir)
    return file_response(exported, remove=False)


class ImportOut(BaseModel):
    project_id: int
    document_id: int
    created: bool = Field(description="True for a new document; false when restored into one")
    units: int
    matched: int
    updated: int
    unmatched: int
    skipped: int
    comments: int
    lowered: int = Field(description="Review statuses lowered to translated (not a reviewer)")
    summary: str
    url: str


@router.post(
    "/projects/{project_id}/interchange-imports",
    response_model=ImportOut,
    responses={**_AUTH, 413: {"model": ErrorOut, "description": "The file is too large"}},
    summary="Import a TMX or XLIFF file: restore into a document, or as a new document",
)
async def import_memory(
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A .tmx, .xlf or .xliff file")],
    mode: Annotated[Literal["restore", "document"], Form()] = "document",
    document_id: Annotated[int | None, Form()] = None,
    title: Annotated[str, Form(max_length=300)] = "",
) -> ImportOut:
    require(session, user, project_id, Action.EDIT)
    if mode == "restore":
        doc = session.get(Document, document_id) if document_id is not None else None
        if doc is None or doc.project_id != project_id:
            raise NotFound("No such document in this project.")
    max_bytes = settings.max_upload_mb * 1024 * 1024
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(
            f"“{file.filename}” is larger than {settings.max_upload_mb} MB, the most Sverka "
            "imports at once. Export a smaller part (one document) from your tool."
        )
    report = interchange_import.import_memory(
        session,
        user,
        data=data,
        filename=file.filename or "",
        mode=mode,
        project_id=project_id,
        document_id=document_id,
        title=title,
        max_bytes=max_bytes,
        max_chars=settings.max_document_chars,
    )
    return ImportOut(
        project_id=report.project_id,
        document_id=report.document_id,
        created=report.created,
        units=report.units,
        matched=report.matched,
        updated=report.updated,
        unmatched=report.unmatched,
        skipped=report.skipped,
        comments=report.comments,
        lowered=report.lowered,
        summary=report.summary(),
        url=f"/documents/{report.document_id}",
    )
