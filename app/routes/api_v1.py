"""The REST API, continued: members, documents, pairs (with optimistic locking), audit.

The same services and permission checks as the pages. Authentication is the session cookie
(with the CSRF header for writes) or an API token: ``Authorization: Bearer svk_…``.

Editing a pair sends the ``version`` the client last saw. When someone else saved the pair in
between, the answer is ``409`` with the pair as it is now (``current``): nothing is overwritten
silently, and the client can show both versions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from app.deps import CurrentUserDep, SessionDep
from app.models import Document, Pair, PairStatus, Role
from app.routes.api import DocumentOut, ErrorOut
from app.services import audit, deletions, members, projects, review
from app.services.decoding import normalise_text
from app.services.errors import Conflict, NotFound, ServiceError, is_write_collision
from app.services.permissions import Action, require

router = APIRouter(prefix="/api/v1", tags=["api"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in (no session, no valid token)"},
    403: {"model": ErrorOut, "description": "Your role does not allow this"},
    404: {"model": ErrorOut, "description": "No such thing, or not in one of your projects"},
}
MAX_TEXT = 100_000


class MemberOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    is_active: bool


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    role: Role = Role.TRANSLATOR


class RoleIn(BaseModel):
    role: Role


class DocumentDetailOut(DocumentOut):
    project_id: int
    pairs: int
    counts: dict[str, int] = Field(description="Pairs per status")


class PairOut(BaseModel):
    id: int
    document_id: int
    number: int = Field(description="1-based, as translators count")
    position: int
    ru_text: str
    en_text: str
    ru_segments: list[str]
    en_segments: list[str]
    status: PairStatus
    confidence: float
    locked: bool
    version: int = Field(description="Send it back when changing the pair")
    flags: list[str] = Field(description="QA findings to look at (warnings and errors)")
    open_comments: int
    updated_at: datetime | None
    notes: list[str] = Field(default=[], description="Advisory findings (spelling)")


class PairPageOut(BaseModel):
    pairs: list[PairOut]
    total: int = Field(description="Pairs matching the filters")
    offset: int
    limit: int
    document_total: int


class PairPatch(BaseModel):
    version: int = Field(description="The version you last saw (optimistic locking)")
    ru_text: str | None = Field(default=None, max_length=MAX_TEXT)
    en_text: str | None = Field(default=None, max_length=MAX_TEXT)
    status: PairStatus | None = None
    comment: str | None = Field(
        default=None, max_length=10_000, description="Required when rejecting"
    )


class ConflictOut(BaseModel):
    detail: str
    current: PairOut | None


class MergeIn(BaseModel):
    version: int
    next_version: int | None = None


class HistoryOut(BaseModel):
    id: int
    when: datetime
    who: str
    action: str
    field: str
    before: str | None
    after: str | None


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)


class CommentOut(BaseModel):
    id: int
    pair_id: int
    author: str
    body: str
    resolved: bool
    created_at: datetime


class AuditOut(BaseModel):
    id: int
    created_at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def _pair_out(view: review.PairView) -> PairOut:
    return PairOut.model_validate(view.to_dict())


def _document_out(doc: Document) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        title=doc.title,
        state=str(getattr(doc.state, "value", doc.state)),
        ru_filename=doc.ru_filename,
        en_filename=doc.en_filename,
        ru_encoding=doc.ru_encoding,
        en_encoding=doc.en_encoding,
        created_at=doc.created_at,
        url=f"/documents/{doc.id}",
    )


def _conflict(session: SessionDep, user: CurrentUserDep, pair_id: int, message: str) -> Response:
    session.rollback()
    try:
        current: PairOut | None = _pair_out(review.pair_view(session, user, pair_id))
    except NotFound:
        current = None
    body = ConflictOut(detail=message, current=current)
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)


_RACE = "Someone else changed this pair at the same moment. Reload it and try again."

# --------------------------------------------------------------------------- projects, members


@router.delete(
    "/projects/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_AUTH,
    summary="Delete a project with everything in it (owners)",
)
def delete_project(project_id: int, session: SessionDep, user: CurrentUserDep) -> Response:
    deletions.delete_project(session, user, project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/projects/{project_id}/members",
    response_model=list[MemberOut],
    responses=_AUTH,
    summary="The project's members",
)
def list_members(project_id: int, session: SessionDep, user: CurrentUserDep) -> list[MemberOut]:
    return [_member(m) for m in members.list_members(session, user, project_id)]


def _member(m: members.MemberView) -> MemberOut:
    return MemberOut(
        user_id=m.user_id,
        username=m.username,
        display_name=m.display_name,
        role=m.role,
        is_active=m.is_active,
    )


@router.post(
    "/projects/{project_id}/members",
    response_model=MemberOut,
    status_code=status.HTTP_201_CREATED,
    responses={**_AUTH, 409: {"model": ErrorOut, "description": "Already a member"}},
    summary="Add an existing account to the project (owners)",
)
def add_member(
    project_id: int, body: MemberIn, session: SessionDep, user: CurrentUserDep
) -> MemberOut:
    return _member(members.add_member(session, user, project_id, body.username, body.role))


@router.patch(
    "/projects/{project_id}/members/{user_id}",
    response_model=MemberOut,
    responses={**_AUTH, 400: {"model": ErrorOut, "description": "The last owner stays owner"}},
    summary="Change a member's role (owners)",
)
def change_role(
    project_id: int, user_id: int, body: RoleIn, session: SessionDep, user: CurrentUserDep
) -> MemberOut:
    return _member(members.change_role(session, user, project_id, user_id, body.role))


@router.delete(
    "/projects/{project_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_AUTH, 400: {"model": ErrorOut, "description": "The last owner stays"}},
    summary="Remove a member (owners)",
)
def remove_member(
    project_id: int, user_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    members.remove_member(session, user, project_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/projects/{project_id}/audit",
    response_model=list[AuditOut],
    responses=_AUTH,
    summary="The project's audit events, newest first (owners)",
)
def project_audit(
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    entries, _ = audit.project_events(session, user, project_id, offset=offset, limit=limit)
    return [
        AuditOut(id=e.id, created_at=e.created_at, actor=e.actor, action=e.action,
                 detail=e.detail)
        for e in entries
    ]  # fmt: skip


# --------------------------------------------------------------------------- documents


@router.get(
    "/projects/{project_id}/documents",
    response_model=list[DocumentOut],
    responses=_AUTH,
    summary="The project's documents",
)
def list_documents(project_id: int, session: SessionDep, user: CurrentUserDep) -> list[DocumentOut]:
    return [_document_out(d) for d in projects.project_documents(session, user, project_id)]


def _document(session: SessionDep, user: CurrentUserDep, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    require(session, user, doc.project_id, Action.VIEW)
    return doc


@router.get(
    "/documents/{document_id}",
    response_model=DocumentDetailOut,
    responses=_AUTH,
    summary="One document with its pair counts",
)
def get_document(document_id: int, session: SessionDep, user: CurrentUserDep) -> DocumentDetailOut:
    doc = _document(session, user, document_id)
    rows = session.execute(
        select(Pair.status, func.count()).where(Pair.document_id == doc.id).group_by(Pair.status)
    )
    counts = {str(getattr(s, "value", s)): n for s, n in rows}
    return DocumentDetailOut(
        **_document_out(doc).model_dump(),
        project_id=doc.project_id,
        pairs=sum(counts.values()),
        counts=counts,
    )


@router.delete(
    "/documents/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_AUTH,
    summary="Delete a document with its pairs and history (owners)",
)
def delete_document(document_id: int, session: SessionDep, user: CurrentUserDep) -> Response:
    deletions.delete_document(session, user, document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/documents/{document_id}/pairs",
    response_model=PairPageOut,
    responses={**_AUTH, 400: {"model": ErrorOut, "description": "A search cannot be used"}},
    summary="A page of the document's pairs, in order, filtered",
)
def list_pairs(
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=review.MAX_PAGE)] = 100,
    status_: Annotated[list[PairStatus] | None, Query(alias="status")] = None,
    flagged: bool | None = None,
    low_confidence: bool | None = None,
    search: Annotated[str | None, Query(max_length=review.MAX_PATTERN)] = None,
    regex: bool = False,
    side: Annotated[str | None, Query(pattern="^(ru|en)$")] = None,
) -> PairPageOut:
    page = review.list_pairs(
        session, user, document_id,
        offset=offset, limit=limit,
        status=[s.value for s in status_] if status_ else None,
        flagged=flagged, low_confidence=low_confidence,
        search=normalise_text(search) if search else None, regex=regex, side=side,
    )  # fmt: skip
    return PairPageOut(
        pairs=[_pair_out(p) for p in page.pairs],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        document_total=page.document_total,
    )


# --------------------------------------------------------------------------- pairs


@router.get("/pairs/{pair_id}", response_model=PairOut, responses=_AUTH, summary="One pair")
def get_pair(pair_id: int, session: SessionDep, user: CurrentUserDep) -> PairOut:
    return _pair_out(review.pair_view(session, user, pair_id))


@router.patch(
    "/pairs/{pair_id}",
    response_model=PairOut,
    responses={
        **_AUTH,
        400: {"model": ErrorOut, "description": "The change was refused; `detail` says why"},
        409: {"model": ConflictOut, "description": "Changed by someone else: `current` is it now"},
    },
    summary="Change a pair's texts and/or status (send the version you last saw)",
)
def patch_pair(pair_id: int, body: PairPatch, session: SessionDep, user: CurrentUserDep) -> Any:
    if body.ru_text is None and body.en_text is None and body.status is None:
        raise ServiceError("Nothing to change: send ru_text, en_text or status.")
    version = body.version
    try:
        view = review.pair_view(session, user, pair_id)
        if view.version != version:
            raise Conflict(
                f"Pair {view.number} was changed by someone else since you loaded it "
                f"(your version {version}, now {view.version})."
            )
        for side, text in (("ru", body.ru_text), ("en", body.en_text)):
            if text is not None:
                view = review.edit_text(session, user, pair_id, side, normalise_text(text), version)
                version = view.version
        if body.status is not None and body.status.value != view.status:
            view = review.set_status(
                session, user, pair_id, body.status.value, version,
                comment=normalise_text(body.comment) if body.comment else None,
            )  # fmt: skip
        session.flush()
    except Conflict as exc:
        return _conflict(session, user, pair_id, exc.message)
    except DBAPIError as exc:
        if not is_write_collision(exc):
            raise
        return _conflict(session, user, pair_id, _RACE)
    return _pair_out(view)


@router.post(
    "/pairs/{pair_id}/merge",
    response_model=PairOut,
    responses={**_AUTH, 409: {"model": ConflictOut, "description": "Changed by someone else"}},
    summary="Merge the pair with the next one (send both versions you last saw)",
)
def merge_pair(pair_id: int, body: MergeIn, session: SessionDep, user: CurrentUserDep) -> Any:
    try:
        view = review.merge_with_next(session, user, pair_id, body.version, body.next_version)
        session.flush()
    except Conflict as exc:
        return _conflict(session, user, pair_id, exc.message)
    except DBAPIError as exc:
        if not is_write_collision(exc):
            raise
        return _conflict(session, user, pair_id, _RACE)
    return _pair_out(view)


@router.get(
    "/pairs/{pair_id}/history",
    response_model=list[HistoryOut],
    responses=_AUTH,
    summary="Who changed the pair, when, before and after (newest first)",
)
def pair_history(pair_id: int, session: SessionDep, user: CurrentUserDep) -> list[HistoryOut]:
    return [HistoryOut(**_fields(h)) for h in review.history(session, user, pair_id)]


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


@router.get(
    "/pairs/{pair_id}/comments",
    response_model=list[CommentOut],
    responses=_AUTH,
    summary="The pair's comment thread, oldest first",
)
def pair_comments(pair_id: int, session: SessionDep, user: CurrentUserDep) -> list[CommentOut]:
    return [CommentOut(**_fields(c)) for c in review.comments(session, user, pair_id)]


@router.post(
    "/pairs/{pair_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses=_AUTH,
    summary="Comment on a pair (translators and up)",
)
def add_comment(
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    body: Annotated[CommentIn, Body()],
) -> CommentOut:
    view = review.add_comment(session, user, pair_id, normalise_text(body.body))
    return CommentOut(**_fields(view))
