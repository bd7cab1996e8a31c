"""Glossary pages: terms (list, propose, approve, edit, deprecate, forbid), import and export,
the consistency report, the concordance, term extraction, and QA findings of a document.

Routes parse the form, call :mod:`app.services.glossary` or :mod:`app.services.qa`, and render;
a refused change is shown on the page it came from, with the service's message.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep
from app.htmx import redirect, render, safe_next
from app.models import Document, Pair, Project, TermStatus
from app.services import glossary, qa
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.glossary import EquivalentInput, TermView
from app.services.permissions import Action, can, require
from app.templating import flash, templates

router = APIRouter(tags=["glossary"], include_in_schema=False)

PAGE_SIZE = 100
KINDS = ("preferred", "admitted", "deprecated", "forbidden")
Text = Annotated[str, Form(max_length=20_000)]


class TermForm(BaseModel):
    """The term form (a new term, or a term edited), as the reviewer typed it."""

    ru: str = Field("", max_length=1000)
    en_preferred: str = Field("", max_length=20_000)
    en_admitted: str = Field("", max_length=20_000)
    en_deprecated: str = Field("", max_length=20_000)
    en_forbidden: str = Field("", max_length=20_000)
    part_of_speech: str = Field("", max_length=40)
    domain: str = Field("", max_length=200)
    note: str = Field("", max_length=20_000)
    status: str = Field("", max_length=20)

    def fields(self) -> dict[str, str]:
        """What the form shows again when the term is refused."""
        return {name: str(getattr(self, name)) for name in TermForm.model_fields}


class TermUpdateForm(TermForm):
    version: int

# Term highlights in the review view: ``{{ seg|highlight_terms(hits) }}``.
templates.env.filters["highlight_terms"] = glossary.highlight_terms
templates.env.globals["segment_hits"] = glossary.segment_hits


def _project(session: SessionDep, user: CurrentUserDep, project_id: int) -> Project:
    require(session, user, project_id, Action.VIEW)
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    return project


def _rights(session: SessionDep, user: CurrentUserDep, project_id: int) -> dict[str, bool]:
    return {
        "may_propose": can(session, user, project_id, Action.PROPOSE_TERM),
        "may_approve": can(session, user, project_id, Action.APPROVE_TERM),
        "may_export": can(session, user, project_id, Action.EXPORT),
        "may_edit": can(session, user, project_id, Action.EDIT),
    }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("|", ";").split(";") if part.strip()]


def _equivalents(form: dict[str, str]) -> list[EquivalentInput]:
    out: list[EquivalentInput] = []
    for kind in KINDS:
        out += [EquivalentInput(en, kind) for en in _split(form.get(f"en_{kind}", ""))]
    return out


def _form_of(term: TermView | None) -> dict[str, str]:
    if term is None:
        return {"ru": "", "part_of_speech": "", "domain": "", "note": "", "status": ""}
    form = {
        "ru": term.ru,
        "part_of_speech": term.part_of_speech,
        "domain": term.domain,
        "note": term.note,
        "status": term.status,
    }
    for kind in KINDS:
        form[f"en_{kind}"] = "; ".join(term.of_kind(kind))
    return form


def _list_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    project_id: int,
    *,
    q: str = "",
    status: str = "",
    domain: str = "",
    offset: int = 0,
    form: dict[str, str] | None = None,
    error: str | None = None,
    import_error: str | None = None,
    status_code: int = 200,
) -> Response:
    project = _project(session, user, project_id)
    if status and status not in {s.value for s in TermStatus}:
        status = ""
    terms, total = glossary.list_terms(
        session, user, project_id, q=q, status=status, domain=domain, offset=offset,
        limit=PAGE_SIZE,
    )  # fmt: skip
    ctx: dict[str, Any] = {
        "project": project,
        "terms": terms,
        "total": total,
        "q": q,
        "status": status,
        "domain": domain,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "statuses": [s.value for s in TermStatus],
        "domains": glossary.domains(session, project_id),
        "form": form or _form_of(None),
        "error": error,
        "import_error": import_error,
        "kinds": KINDS,
        **_rights(session, user, project_id),
    }
    return render(request, "glossary/list.html", ctx, block="terms", status_code=status_code)


@router.get("/projects/{project_id}/glossary", name="glossary")
def glossary_page(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    domain: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _list_page(
        request, session, user, project_id, q=q, status=status, domain=domain, offset=offset
    )


@router.post("/projects/{project_id}/terms", name="term_create")
def term_create(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    typed: Annotated[TermForm, Form()],
) -> Response:
    form = typed.fields()
    try:
        term = glossary.create_term(
            session, user, project_id, typed.ru, _equivalents(form),
            part_of_speech=typed.part_of_speech, note=typed.note, domain=typed.domain,
            status=typed.status,
        )  # fmt: skip
    except ServiceError as exc:
        session.rollback()
        return _list_page(request, session, user, project_id, form=form, error=exc.message,
                          status_code=exc.status_code)  # fmt: skip
    verb = "proposed" if term.status == "proposed" else f"added as {term.status}"
    flash(request, f"“{term.ru}” {verb}.", "success")
    return redirect(request, f"/projects/{project_id}/glossary?q={quote(term.ru)}")


def _edit_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    term: TermView,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    version: int | None = None,
) -> Response:
    ctx = {
        "project": _project(session, user, term.project_id),
        "term": term,
        "form": form or _form_of(term),
        "version": version if version is not None else term.version,
        "error": error,
        "conflict": status_code == 409,
        "kinds": KINDS,
        "statuses": [s.value for s in TermStatus],
    }
    return render(request, "glossary/edit.html", ctx, block="edit", status_code=status_code)


@router.get("/terms/{term_id}/edit", name="term_edit")
def term_edit(
    request: Request, term_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    term = glossary.get_term(session, user, term_id)
    require(session, user, term.project_id, Action.APPROVE_TERM)
    return _edit_page(request, session, user, term)


@router.post("/terms/{term_id}", name="term_update")
def term_update(
    request: Request,
    term_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    typed: Annotated[TermUpdateForm, Form()],
) -> Response:
    form = typed.fields()
    version = typed.version
    try:
        term = glossary.update_term(
            session, user, term_id, expected_version=version, ru=typed.ru,
            equivalents=_equivalents(form), part_of_speech=typed.part_of_speech,
            note=typed.note, domain=typed.domain, status=typed.status or None,
        )  # fmt: skip
    except Conflict as exc:
        session.rollback()
        current = exc.current
        assert isinstance(current, TermView)
        # The form keeps what the reviewer typed; the page shows the term as it is now.
        return _edit_page(request, session, user, current, form=form, error=exc.message,
                          status_code=409, version=current.version)  # fmt: skip
    except ServiceError as exc:
        session.rollback()
        current = glossary.get_term(session, user, term_id)
        return _edit_page(request, session, user, current, form=form, error=exc.message,
                          status_code=exc.status_code, version=version)  # fmt: skip
    flash(request, f"“{term.ru}” saved.", "success")
    return redirect(request, f"/projects/{term.project_id}/glossary?q={quote(term.ru)}")


@router.post("/terms/{term_id}/status", name="term_status")
def term_status(
    request: Request,
    term_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    status: Annotated[str, Form(max_length=20)],
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    term = glossary.get_term(session, user, term_id)
    target = safe_next(back, f"/projects/{term.project_id}/glossary")
    try:
        changed = glossary.set_status(session, user, term_id, status, version)
    except ServiceError as exc:
        session.rollback()
        flash(request, exc.message, "error")
        return redirect(request, target)
    flash(request, f"“{changed.ru}” is now {changed.status}.", "success")
    return redirect(request, target)


@router.post("/terms/{term_id}/delete", name="term_delete")
def term_delete(
    request: Request,
    term_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    term = glossary.get_term(session, user, term_id)
    try:
        glossary.delete_term(session, user, term_id, version)
    except ServiceError as exc:
        session.rollback()
        flash(request, exc.message, "error")
    else:
        flash(request, f"“{term.ru}” removed from the glossary.", "success")
    return redirect(request, f"/projects/{term.project_id}/glossary")


# --------------------------------------------------------------------------- exchange


@router.post("/projects/{project_id}/glossary/import", name="glossary_import")
async def glossary_import(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    file: Annotated[UploadFile | None, File()] = None,
    update_existing: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        if file is None or not file.filename:
            raise ServiceError("Choose a CSV or TBX file to import.")
        data = await file.read(glossary.MAX_IMPORT_BYTES + 1)
        summary = glossary.import_terms(
            session, user, project_id, data, file.filename, update_existing=bool(update_existing)
        )
    except ServiceError as exc:
        session.rollback()
        return _list_page(request, session, user, project_id, import_error=exc.message,
                          status_code=exc.status_code)  # fmt: skip
    message = f"Imported {summary.added} new terms"
    if summary.updated:
        message += f", updated {summary.updated}"
    message += "."
    if summary.warnings:
        message += " " + " ".join(w[:200] for w in summary.warnings[:3])
    flash(request, message, "success")
    return redirect(request, f"/projects/{project_id}/glossary")


@router.get("/projects/{project_id}/glossary/export", name="glossary_export")
def glossary_export(
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    format: Annotated[str, Query(max_length=5)] = "csv",
) -> Response:
    project = _project(session, user, project_id)
    content, media, ext = glossary.export_terms(session, user, project_id, format)
    ascii_name = "".join(ch if ch.isalnum() else "-" for ch in project.name if ch.isascii())
    name = f"{ascii_name.strip('-') or 'glossary'}-glossary.{ext}"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- reports


@router.get("/projects/{project_id}/glossary/consistency", name="glossary_consistency")
def consistency_page(
    request: Request, project_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    project = _project(session, user, project_id)
    rows = glossary.consistency_report(session, user, project_id)
    ctx = {
        "project": project,
        "rows": rows,
        "not_found_label": "(none of the glossary equivalents)",
    }
    return render(request, "glossary/consistency.html", ctx, block="report")


@router.get("/projects/{project_id}/concordance", name="concordance")
def concordance_page(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    q: Annotated[str, Query(max_length=200)] = "",
    lang: Annotated[str, Query(max_length=2)] = "",
    exact: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    project = _project(session, user, project_id)
    error = None
    hits: list[glossary.ConcordanceHit] = []
    total = 0
    try:
        hits, total = glossary.concordance_search(
            session, user, project_id, q, lang, by_lemma=not exact
        )
    except ServiceError as exc:
        error = exc.message
    ctx = {
        "project": project,
        "q": q,
        "lang": lang,
        "exact": bool(exact),
        "hits": hits,
        "total": total,
        "error": error,
        "mark_spans": glossary.mark_spans,
    }
    return render(request, "glossary/concordance.html", ctx, block="results")


@router.get("/projects/{project_id}/glossary/extract", name="glossary_extract")
def extract_page(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    document: Annotated[int | None, Query()] = None,
) -> Response:
    project = _project(session, user, project_id)
    documents = session.query(Document).filter(Document.project_id == project_id).all()
    chosen = next((d for d in documents if d.id == document), None)
    if chosen is None and documents:
        chosen = documents[0]
    candidates = (
        glossary.extract_for_document(session, user, chosen.id) if chosen is not None else []
    )
    ctx = {
        "project": project,
        "documents": documents,
        "document": chosen,
        "candidates": candidates,
        **_rights(session, user, project_id),
    }
    return render(request, "glossary/extract.html", ctx, block="candidates")


@router.post("/projects/{project_id}/glossary/candidates", name="candidate_decide")
def candidate_decide(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    ru: Annotated[str, Form(max_length=1000)],
    decision: Annotated[str, Form(max_length=10)],
    en: Annotated[str, Form(max_length=1000)] = "",
    document: Annotated[int | None, Form()] = None,
) -> Response:
    back = f"/projects/{project_id}/glossary/extract" + (
        f"?document={document}" if document else ""
    )
    try:
        if decision == "accept":
            term = glossary.accept_candidate(session, user, project_id, ru, en)
            flash(request, f"“{term.ru}” added to the glossary as approved.", "success")
        elif decision == "reject":
            glossary.reject_candidate(session, user, project_id, ru)
            flash(request, f"“{ru}” will not be proposed again.", "info")
        else:
            raise ServiceError("Accept or reject the candidate.")
    except ServiceError as exc:
        session.rollback()
        flash(request, exc.message, "error")
    return redirect(request, back)


# --------------------------------------------------------------------------- QA


@router.get("/documents/{document_id}/qa", name="qa_document")
def qa_page(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    dismissed: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    issues = qa.document_issues(session, user, document_id, include_dismissed=bool(dismissed))
    positions = dict(session.query(Pair.id, Pair.position).filter(Pair.document_id == document_id))
    ctx = {
        "project": _project(session, user, doc.project_id),
        "document": doc,
        "issues": issues,
        "numbers": {pid: pos + 1 for pid, pos in positions.items()},
        "show_dismissed": bool(dismissed),
        "may_edit": can(session, user, doc.project_id, Action.EDIT),
    }
    return render(request, "glossary/qa.html", ctx, block="issues")


@router.post("/documents/{document_id}/qa", name="qa_run")
def qa_run(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    result = qa.check_document(session, user, document_id)
    if isinstance(result, int):
        return redirect(request, f"/jobs/{result}")
    flash(request, f"Checked {result['pairs']} pairs: {result['issues']} findings.", "success")
    return redirect(request, f"/documents/{document_id}/qa")


@router.post("/qa/{issue_id}/dismiss", name="qa_dismiss")
def qa_dismiss(
    request: Request,
    issue_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    undo: Annotated[str, Form(max_length=5)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    issue = qa.set_dismissed(session, user, issue_id, not undo)
    return redirect(request, safe_next(back, f"/documents/{issue.document_id}/qa"))
