"""Translator aids: memory matches and spelling beside the editor, find and replace, reference
memories (TMX) and the project's dictionary.

The match and spelling lists are htmx fragments the review editor loads into a slot; a direct
visit gets the same list as a page. Find and replace previews first and applies only what was
previewed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from alignment.text import Lang
from app.deps import CurrentUserDep, SessionDep
from app.htmx import htmx, redirect, render
from app.models import Document, Job, Pair, Project, TranslationMemory
from app.services import replace as replace_service
from app.services import spelling, tm
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, can, require
from app.templating import flash
from app.tm import DiffSpan

router = APIRouter(tags=["aids"], include_in_schema=False)


def _pair_and_document(session: SessionDep, pair_id: int) -> tuple[Pair, Document]:
    pair = session.get(Pair, pair_id)
    document = session.get(Document, pair.document_id) if pair is not None else None
    if pair is None or document is None:
        raise NotFound("No such pair.")
    return pair, document


def _highlight(text: str, spans: Sequence[DiffSpan]) -> list[tuple[str, str]]:
    """``text`` cut into (piece, kind) runs; kind is "" outside the differences."""
    runs: list[tuple[str, str]] = []
    last = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < last:
            continue
        runs.append((text[last : span.start], ""))
        runs.append((text[span.start : span.end], span.kind))
        last = span.end
    runs.append((text[last:], ""))
    return [r for r in runs if r[0]]


@router.get("/pairs/{pair_id}/matches", name="aids_matches")
def matches(request: Request, pair_id: int, session: SessionDep, user: CurrentUserDep) -> Response:
    pair, document = _pair_and_document(session, pair_id)
    found = tm.best_matches(
        session, user, pair.ru_text, project_id=document.project_id, pair_id=pair.id
    )
    ctx = {
        "pair": pair,
        "document": document,
        "matches": [(m, _highlight(m.ru, m.spans)) for m in found],
    }
    return render(request, "aids/matches.html", ctx, block="matches")


@router.get("/pairs/{pair_id}/spelling", name="aids_spelling")
def spelling_list(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    side: str = "en",
    text: str | None = None,  # the editor's draft, when it sends one
) -> Response:
    pair, document = _pair_and_document(session, pair_id)
    require(session, user, document.project_id, Action.VIEW)
    lang: Lang = "ru" if side == "ru" else "en"
    draft = text if text is not None and len(text) <= 20_000 else getattr(pair, f"{lang}_text")
    other = pair.en_text if lang == "ru" else pair.ru_text
    found = spelling.check_spelling(
        draft,
        lang,
        project_id=document.project_id,
        session=session,
        other_side=other,
    )
    ctx = {
        "pair": pair,
        "side": lang,
        "misspellings": found,
        "missing": spelling.missing_message(),
        "may_edit": can(session, user, document.project_id, Action.EDIT),
    }
    return render(request, "aids/spelling.html", ctx, block="spelling")


@router.post("/projects/{project_id}/dictionary", name="aids_add_word")
def add_word(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    word: Annotated[str, Form(max_length=200)],
    lang: Annotated[str, Form(max_length=2)] = "en",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    entry = spelling.add_word(session, user, project_id, word, lang)
    if htmx(request).request:
        return render(
            request,
            "aids/word_added.html",
            {"entry": entry, "project_id": project_id},
            block="added",
        )
    flash(request, f"“{entry.word}” was added to the project's dictionary.")
    return redirect(request, back if back.startswith("/") else f"/projects/{project_id}/memories")


# -- find and replace ---------------------------------------------------------------------


def _request_from(
    find: str, replace: str, side: str, mode: str, whole_word: str, case_sensitive: str
) -> replace_service.ReplaceRequest:
    return replace_service.ReplaceRequest(
        find=find,
        replace=replace,
        side="ru" if side == "ru" else "en",
        mode=mode if mode in ("plain", "regex", "lemma") else "plain",  # type: ignore[arg-type]
        whole_word=bool(whole_word),
        case_sensitive=bool(case_sensitive),
    )


@router.get("/documents/{document_id}/replace", name="aids_replace")
def replace_form(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No such document.")
    require(session, user, document.project_id, Action.EDIT)
    ctx = {"document": document, "req": None, "preview": None, "error": None, "result": None}
    return render(request, "aids/replace.html", ctx)


@router.post("/documents/{document_id}/replace", name="aids_replace_post")
def replace_post(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    find: Annotated[str, Form(max_length=1000)] = "",
    replace: Annotated[str, Form(max_length=5000)] = "",
    side: Annotated[str, Form(max_length=2)] = "en",
    mode: Annotated[str, Form(max_length=10)] = "plain",
    whole_word: Annotated[str, Form(max_length=5)] = "",
    case_sensitive: Annotated[str, Form(max_length=5)] = "",
    scope: Annotated[str, Form(max_length=10)] = "document",
    action: Annotated[str, Form(max_length=10)] = "preview",
    token: Annotated[str, Form(max_length=64)] = "",
    confirm_empty: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No such document.")
    req = _request_from(find, replace, side, mode, whole_word, case_sensitive)
    where = (
        {"project_id": document.project_id} if scope == "project" else {"document_id": document.id}
    )
    ctx: dict[str, object] = {
        "document": document,
        "req": req,
        "scope": scope,
        "preview": None,
        "error": None,
        "result": None,
    }
    try:
        if action == "apply":
            result = replace_service.apply(
                session,
                user,
                req,
                token=token or None,
                confirm_empty=bool(confirm_empty),
                **where,  # type: ignore[arg-type]
            )
            message = (
                f"Replaced {result.hits} occurrence{'s' if result.hits != 1 else ''} in "
                f"{result.pairs} pair{'s' if result.pairs != 1 else ''}. Undo (Ctrl+Z in the "
                "document) takes the whole replacement back."
            )
            if not htmx(request).request:
                flash(request, message)
                return redirect(request, f"/documents/{document.id}")
            ctx["result"] = message
        else:
            ctx["preview"] = replace_service.preview(session, user, req, **where)  # type: ignore[arg-type]
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()  # nothing half-done: the whole replacement or nothing
        ctx["error"] = exc.message
        if action == "apply":
            with contextlib.suppress(ServiceError):
                ctx["preview"] = replace_service.preview(session, user, req, **where)  # type: ignore[arg-type]
    status = 200 if ctx["error"] is None else 422
    return render(request, "aids/replace.html", ctx, block="results", status_code=status)


@router.post("/documents/{document_id}/prefill", name="aids_prefill")
def prefill(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    context_only: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    result = tm.prefill(session, user, document_id, min_score=101 if context_only else 100)
    if result.filled:
        flash(
            request,
            f"Filled {result.filled} empty translation{'s' if result.filled != 1 else ''} "
            "from exact memory matches. One undo (Ctrl+Z) takes them all back.",
        )
    else:
        flash(request, "No empty translation has an exact match in the memory.")
    return redirect(request, f"/documents/{document_id}")


# -- reference memories and the dictionary ------------------------------------------------


@router.get("/projects/{project_id}/memories", name="aids_memories")
def memories(
    request: Request, project_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    from sqlalchemy import select

    from app.models import DictionaryWord

    require(session, user, project_id, Action.VIEW)
    project = session.get(Project, project_id)
    ctx = {
        "project": project,
        "memories": session.scalars(
            select(TranslationMemory)
            .where(TranslationMemory.project_id == project_id)
            .order_by(TranslationMemory.id.desc())
        ).all(),
        "words": session.scalars(
            select(DictionaryWord)
            .where(DictionaryWord.project_id == project_id)
            .order_by(DictionaryWord.lang, DictionaryWord.word)
        ).all(),
        "may_edit": can(session, user, project_id, Action.EDIT),
        # The request size limit usually comes first; say the smaller of the two.
        "max_mb": min(
            tm.MAX_MEMORY_BYTES // (1024 * 1024), request.app.state.settings.max_request_mb
        ),
    }
    return render(request, "aids/memories.html", ctx)


@router.post("/projects/{project_id}/memories", name="aids_upload_memory")
async def upload_memory(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    file: Annotated[UploadFile, File(description="A TMX file")],
) -> Response:
    from starlette.concurrency import run_in_threadpool

    name = (file.filename or "memory.tmx").rsplit("/", 1)[-1][:200]
    started = await run_in_threadpool(
        tm.start_memory_import, session, user, project_id, file.file, filename=name
    )
    if isinstance(started, Job):
        return redirect(request, f"/jobs/{started.id}")
    flash(
        request,
        f"{started.name}: {started.unit_count} translation units added to the project's memory.",
    )
    return redirect(request, f"/projects/{project_id}/memories")


@router.post("/projects/{project_id}/memories/{memory_id}/delete", name="aids_delete_memory")
def delete_memory(
    request: Request, project_id: int, memory_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    memory = session.get(TranslationMemory, memory_id)
    if memory is None or memory.project_id != project_id:
        raise NotFound("No such memory in this project.")
    tm.delete_memory(session, user, memory_id)
    flash(request, f"The memory {memory.name} was removed.")
    return redirect(request, f"/projects/{project_id}/memories")


@router.post("/projects/{project_id}/dictionary/{word_id}/delete", name="aids_delete_word")
def delete_word(
    request: Request, project_id: int, word_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    spelling.remove_word(session, user, project_id, word_id)
    return redirect(request, f"/projects/{project_id}/memories")
