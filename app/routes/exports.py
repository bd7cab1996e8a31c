"""Export and interchange pages: the Export panel, the export job's progress, the download,
and the TMX/XLIFF import form. Thin: the workflow is in ``app.services.exports`` and
``app.services.interchange_import``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from app.deps import CurrentUserDep, SessionDep, SettingsDep
from app.htmx import htmx, redirect, render
from app.interchange.types import EditionOptions, InterchangeError
from app.models import Document, DocumentState, Project, User
from app.services import exports, interchange_import
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.jobs import get_job, job_as_dict
from app.services.permissions import Action, can, require
from app.templating import flash

router = APIRouter(tags=["exports"], include_in_schema=False)

IMPORT_ACCEPT = ".tmx,.xlf,.xliff,application/x-tmx+xml,application/xliff+xml"
#: Formats the panel offers, in this order (every name is in the exporters' registry).
FORMAT_ORDER = ("tmx", "xliff21", "xliff12", "tsv", "csv", "html", "docx", "pdf", "epub")


def file_response(exported: exports.ExportedFile, *, remove: bool) -> FileResponse:
    """Send an export file from disk (never read into memory); ``remove`` it once sent."""
    return FileResponse(
        exported.path,
        media_type=exported.content_type,
        filename=exported.filename,
        background=BackgroundTask(exported.path.unlink, missing_ok=True) if remove else None,
        headers={"X-Sverka-Pairs": str(exported.pairs)},
    )


def parse_options(
    *,
    only_approved: bool,
    pair_numbers: bool,
    title_page: bool,
    appendix: bool,
    layout: str,
) -> EditionOptions:
    try:
        return EditionOptions(
            only_approved=only_approved,
            pair_numbers=pair_numbers,
            title_page=title_page,
            appendix=appendix,
            layout=layout,
        )
    except InterchangeError as exc:
        raise ServiceError(str(exc)) from exc


def _panel(
    request: Request,
    session: SessionDep,
    user: User,
    project: Project,
    *,
    document_id: int | None = None,
    error: str | None = None,
    import_error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
    block: str = "content",
) -> Response:
    require(session, user, project.id, Action.VIEW)
    documents = session.scalars(
        select(Document)
        .where(Document.project_id == project.id, Document.state == DocumentState.READY)
        .order_by(Document.id)
    ).all()
    names = exports.format_names()
    defaults = {
        "target": f"document:{document_id}" if document_id else "project",
        "format": "tmx",
        "only_approved": False,
        "pair_numbers": False,
        "title_page": True,
        "appendix": True,
        "layout": "side-by-side",
        "mode": "restore" if document_id else "document",
        "title": "",
    }
    defaults.update(form or {})
    return render(
        request,
        "exports/panel.html",
        {
            "project": project,
            "documents": documents,
            "document_id": document_id,
            "formats": [(name, names[name]) for name in FORMAT_ORDER if name in names],
            "form": defaults,
            "error": error,
            "import_error": import_error,
            "may_export": can(session, user, project.id, Action.EXPORT),
            "may_edit": can(session, user, project.id, Action.EDIT),
            "accept": IMPORT_ACCEPT,
            "direct_limit": exports.DEFAULT_DIRECT_LIMIT,
            "pdf_limit": exports.DIRECT_LIMITS["pdf"],
        },
        status_code=status_code,
        block=block,
    )


def _project(session: SessionDep, user: User, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    require(session, user, project_id, Action.VIEW)
    return project


@router.get("/projects/{project_id}/export", name="project_export")
def project_export(
    request: Request, project_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    return _panel(request, session, user, _project(session, user, project_id))


@router.get("/documents/{document_id}/export", name="document_export")
def document_export(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document, or you are not a member of its project.")
    project = _project(session, user, doc.project_id)
    return _panel(request, session, user, project, document_id=document_id)


def _document_id(target: str) -> int | None:
    number = target.removeprefix("document:")
    return int(number) if target.startswith("document:") and number.isdigit() else None


def _target(project_id: int, value: str, session: SessionDep) -> exports.ExportTarget:
    if value.startswith("document:") and value[9:].isdigit():
        doc_id = int(value[9:])
        doc = session.get(Document, doc_id)
        if doc is None or doc.project_id != project_id:
            raise NotFound("No such document in this project.")
        return exports.ExportTarget("document", doc_id)
    return exports.ExportTarget("project", project_id)


@router.post("/projects/{project_id}/export", name="export_start")
def export_start(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    target: Annotated[str, Form(max_length=40)] = "project",
    format: Annotated[str, Form(max_length=20)] = "tmx",
    only_approved: Annotated[bool, Form()] = False,
    pair_numbers: Annotated[bool, Form()] = False,
    title_page: Annotated[bool, Form()] = False,
    appendix: Annotated[bool, Form()] = False,
    layout: Annotated[str, Form(max_length=20)] = "side-by-side",
) -> Response:
    project = _project(session, user, project_id)
    form = {
        "target": target,
        "format": format,
        "only_approved": only_approved,
        "pair_numbers": pair_numbers,
        "title_page": title_page,
        "appendix": appendix,
        "layout": layout,
    }
    # Permission first: a refused user learns nothing from the validation of the form.
    require(session, user, project_id, Action.EXPORT)
    try:
        what = _target(project_id, target, session)
        options = parse_options(
            only_approved=only_approved,
            pair_numbers=pair_numbers,
            title_page=title_page,
            appendix=appendix,
            layout=layout,
        )
        exports.check_export(session, user, what)
        if exports.count_pairs(session, what, only_approved=only_approved) == 0:
            raise ServiceError(
                "There is nothing to export: no approved pairs yet."
                if only_approved
                else "There is nothing to export: no pairs yet."
            )
        if exports.needs_job(session, what, format, options):
            job = exports.start_export_job(session, user, what, format, options, settings.data_dir)
            return redirect(request, f"/exports/{job.id}")
        exported = exports.export_now(session, user, what, format, options, settings.data_dir)
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        doc_id = _document_id(target)
        return _panel(
            request, session, user, project, document_id=doc_id,
            error=exc.message, form=form, status_code=exc.status_code,
        )  # fmt: skip
    return file_response(exported, remove=True)


@router.get("/exports/{job_id}", name="export_job")
def export_job(
    request: Request, job_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    job = get_job(session, user, job_id)
    if job.kind != exports.EXPORT_JOB:
        raise NotFound("No such export.")
    info = job_as_dict(job)
    project = session.get(Project, job.project_id) if job.project_id is not None else None
    payload = job.payload or {}
    names = exports.format_names()
    return render(
        request,
        "exports/job.html",
        {
            "job": job,
            "info": info,
            "project": project,
            "title": str(payload.get("title") or ""),
            "format_name": names.get(str(payload.get("format")), str(payload.get("format"))),
            "finished": info["state"] in ("done", "failed"),
        },
        block="export_status" if htmx(request).request else "content",
    )


@router.get("/exports/{job_id}/download", name="export_download")
def export_download(
    job_id: int, session: SessionDep, user: CurrentUserDep, settings: SettingsDep
) -> Response:
    exported = exports.finished_export(session, user, job_id, settings.data_dir)
    return file_response(exported, remove=False)


@router.post("/projects/{project_id}/interchange-import", name="interchange_import")
async def interchange_import_start(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    mode: Annotated[str, Form(max_length=20)] = "document",
    document_id: Annotated[str, Form(max_length=20)] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    project = _project(session, user, project_id)
    if mode != "project":
        require(session, user, project_id, Action.EDIT)
    max_bytes = settings.max_upload_mb * 1024 * 1024
    form = {"mode": mode, "title": title}
    doc_id = int(document_id) if document_id.isdigit() else None
    try:
        if file is None or not file.filename:
            raise ServiceError("Choose a TMX or XLIFF file to import.")
        if file.size is not None and file.size > max_bytes:
            raise TooLarge(_too_large(file.filename, file.size, max_bytes))
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TooLarge(_too_large(file.filename, None, max_bytes))
        if doc_id is not None and mode == "restore":
            doc = session.get(Document, doc_id)
            if doc is None or doc.project_id != project_id:
                raise NotFound("No such document in this project.")
        report = interchange_import.import_memory(
            session, user, data=data, filename=file.filename, mode=mode,
            project_id=project_id, document_id=doc_id, title=title,
            project_name=title, max_bytes=max_bytes,
            max_chars=settings.max_document_chars,
        )  # fmt: skip
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _panel(
            request, session, user, project, document_id=doc_id if mode == "restore" else None,
            import_error=exc.message, form=form, status_code=exc.status_code,
        )  # fmt: skip
    flash(request, report.summary(), "success")
    return redirect(request, f"/documents/{report.document_id}")


def _too_large(name: str, size: int | None, limit: int) -> str:
    told = f" is {size / 1048576:.1f} MB;" if size is not None else " is too large:"
    return (
        f"“{name}”{told} Sverka imports files of at most {limit / 1048576:g} MB. "
        "Export a smaller part (one document) from your tool and retry."
    )
