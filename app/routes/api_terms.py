"""The REST API for glossary terms: the same services and permissions as the glossary pages.

``GET/POST /api/v1/projects/{id}/terms``, ``GET/PATCH/DELETE /api/v1/terms/{id}``. Changing a
term sends the ``version`` the client last saw; a stale one gets ``409`` with the term as it
is now (``current``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.deps import CurrentUserDep, SessionDep
from app.models import EquivalentKind, TermStatus
from app.routes.api import ErrorOut
from app.services import glossary
from app.services.errors import Conflict
from app.services.glossary import EquivalentInput, TermView

router = APIRouter(prefix="/api/v1", tags=["terms"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in (no session, no valid token)"},
    403: {"model": ErrorOut, "description": "Your role does not allow this"},
    404: {"model": ErrorOut, "description": "No such term, or not in one of your projects"},
}


class EquivalentIO(BaseModel):
    en: str = Field(min_length=1, max_length=500)
    kind: EquivalentKind = EquivalentKind.PREFERRED


class TermOut(BaseModel):
    id: int
    project_id: int
    ru: str
    equivalents: list[EquivalentIO]
    part_of_speech: str
    note: str
    domain: str
    status: TermStatus
    proposed_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    version: int = Field(description="Send it back when changing the term")


class TermListOut(BaseModel):
    terms: list[TermOut]
    total: int
    offset: int
    limit: int


class TermIn(BaseModel):
    ru: str = Field(min_length=1, max_length=500, description="The Russian term")
    equivalents: list[EquivalentIO] = Field(default_factory=list, max_length=20)
    part_of_speech: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=10_000)
    domain: str = Field(default="", max_length=100)
    status: TermStatus | None = Field(
        default=None, description="Reviewers and owners only; translators' terms are proposed"
    )


class TermPatch(BaseModel):
    version: int = Field(description="The version you last saw")
    ru: str | None = Field(default=None, min_length=1, max_length=500)
    equivalents: list[EquivalentIO] | None = Field(default=None, max_length=20)
    part_of_speech: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=10_000)
    domain: str | None = Field(default=None, max_length=100)
    status: TermStatus | None = None


class TermConflictOut(BaseModel):
    detail: str
    current: TermOut | None


def _out(view: TermView) -> TermOut:
    return TermOut.model_validate(view.to_dict())


def _inputs(items: list[EquivalentIO]) -> list[EquivalentInput]:
    return [EquivalentInput(e.en, e.kind.value) for e in items]


@router.get(
    "/projects/{project_id}/terms",
    response_model=TermListOut,
    responses=_AUTH,
    summary="A project's terms (filter by text in either language, status, domain)",
)
def list_terms(
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status_: Annotated[TermStatus | None, Query(alias="status")] = None,
    domain: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TermListOut:
    views, total = glossary.list_terms(
        session, user, project_id, q=q, status=status_.value if status_ else "", domain=domain,
        offset=offset, limit=limit,
    )  # fmt: skip
    return TermListOut(terms=[_out(v) for v in views], total=total, offset=offset, limit=limit)


@router.post(
    "/projects/{project_id}/terms",
    response_model=TermOut,
    status_code=status.HTTP_201_CREATED,
    responses={**_AUTH, 400: {"model": ErrorOut, "description": "Refused; `detail` says why"}},
    summary="Propose a term (translators) or add one with a status (reviewers, owners)",
)
def create_term(
    project_id: int, body: TermIn, session: SessionDep, user: CurrentUserDep
) -> TermOut:
    view = glossary.create_term(
        session, user, project_id, body.ru, _inputs(body.equivalents),
        part_of_speech=body.part_of_speech, note=body.note, domain=body.domain,
        status=body.status.value if body.status else "",
    )  # fmt: skip
    return _out(view)


@router.get("/terms/{term_id}", response_model=TermOut, responses=_AUTH, summary="One term")
def get_term(term_id: int, session: SessionDep, user: CurrentUserDep) -> TermOut:
    return _out(glossary.get_term(session, user, term_id))


def _conflict(session: SessionDep, user: CurrentUserDep, term_id: int, exc: Conflict) -> Response:
    session.rollback()
    current = exc.current if isinstance(exc.current, TermView) else None
    if current is None:
        try:
            current = glossary.get_term(session, user, term_id)
        except Exception:  # noqa: BLE001 - deleted in the meantime: no current term
            current = None
    body = TermConflictOut(detail=exc.message, current=_out(current) if current else None)
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)


@router.patch(
    "/terms/{term_id}",
    response_model=TermOut,
    responses={
        **_AUTH,
        400: {"model": ErrorOut, "description": "Refused; `detail` says why"},
        409: {"model": TermConflictOut, "description": "Changed by someone else"},
    },
    summary="Edit, approve, deprecate or forbid a term (reviewers and owners)",
)
def patch_term(term_id: int, body: TermPatch, session: SessionDep, user: CurrentUserDep) -> Any:
    try:
        view = glossary.update_term(
            session, user, term_id, expected_version=body.version, ru=body.ru,
            equivalents=_inputs(body.equivalents) if body.equivalents is not None else None,
            part_of_speech=body.part_of_speech, note=body.note, domain=body.domain,
            status=body.status.value if body.status else None,
        )  # fmt: skip
    except Conflict as exc:
        return _conflict(session, user, term_id, exc)
    return _out(view)


@router.delete(
    "/terms/{term_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_AUTH, 409: {"model": TermConflictOut, "description": "Changed by someone else"}},
    summary="Remove a term (reviewers and owners); `version` optional",
)
def delete_term(
    term_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Query()] = None,
) -> Response:
    try:
        glossary.delete_term(session, user, term_id, version)
    except Conflict as exc:
        return _conflict(session, user, term_id, exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
