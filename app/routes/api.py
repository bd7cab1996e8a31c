"""The REST API, ``/api/v1/``: the same services and permissions as the pages."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from app.deps import CurrentUserDep, SessionDep
from app.models import Project, Role
from app.services import projects
from app.services.permissions import role_of

router = APIRouter(prefix="/api/v1", tags=["api"])


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    is_admin: bool


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    source_lang: str = Field(default="ru", pattern=r"^[a-z]{2,3}$")
    target_lang: str = Field(default="en", pattern=r"^[a-z]{2,3}$")


class ProjectOut(BaseModel):
    id: int
    name: str
    description: str
    source_lang: str
    target_lang: str
    role: Role | None = Field(description="Your role; null for site admins who are not members")
    documents: int
    created_at: datetime
    url: str


class DocumentOut(BaseModel):
    id: int
    title: str
    state: str
    ru_filename: str
    en_filename: str
    ru_encoding: str
    en_encoding: str
    created_at: datetime
    url: str


class ProjectDetailOut(ProjectOut):
    document_list: list[DocumentOut]


class ErrorOut(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Not signed in"},
}


def _project_out(p: Project, role: Role | None, documents: int) -> ProjectOut:
    return ProjectOut(
        id=p.id,
        name=p.name,
        description=p.description,
        source_lang=p.source_lang,
        target_lang=p.target_lang,
        role=role,
        documents=documents,
        created_at=p.created_at,
        url=f"/projects/{p.id}",
    )


@router.get("/me", response_model=UserOut, responses=_ERRORS, summary="The signed-in user")
def me(user: CurrentUserDep) -> UserOut:
    return UserOut.model_validate(user)


@router.get(
    "/projects", response_model=list[ProjectOut], responses=_ERRORS, summary="Your projects"
)
def list_projects(session: SessionDep, user: CurrentUserDep) -> list[ProjectOut]:
    return [
        _project_out(s.project, s.role, s.documents) for s in projects.list_projects(session, user)
    ]


@router.post(
    "/projects",
    response_model=ProjectOut,
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 400: {"model": ErrorOut}},
    summary="Create a project (you become its owner)",
)
def create_project(body: ProjectIn, session: SessionDep, user: CurrentUserDep) -> ProjectOut:
    project = projects.create_project(
        session,
        user,
        body.name,
        description=body.description,
        source_lang=body.source_lang,
        target_lang=body.target_lang,
    )
    return _project_out(project, Role.OWNER, 0)


@router.get(
    "/projects/{project_id}",
    response_model=ProjectDetailOut,
    responses={**_ERRORS, 404: {"model": ErrorOut}},
    summary="One project with its documents",
)
def get_project(project_id: int, session: SessionDep, user: CurrentUserDep) -> ProjectDetailOut:
    project = projects.get_project(session, user, project_id)
    documents = projects.project_documents(session, user, project_id)
    base = _project_out(project, role_of(session, user, project_id), len(documents))
    return ProjectDetailOut(
        **base.model_dump(),
        document_list=[
            DocumentOut(
                id=d.id,
                title=d.title,
                state=str(d.state),
                ru_filename=d.ru_filename,
                en_filename=d.en_filename,
                ru_encoding=d.ru_encoding,
                en_encoding=d.en_encoding,
                created_at=d.created_at,
                url=f"/documents/{d.id}",
            )
            for d in documents
        ],
    )
