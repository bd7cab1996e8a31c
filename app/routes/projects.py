"""Project pages: the list, creating a project, a project's documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.deps import CurrentUserDep, OptionalUserDep, SessionDep
from app.htmx import redirect, render
from app.services import projects
from app.services.errors import ServiceError
from app.services.permissions import Action, can

router = APIRouter(tags=["projects"], include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, user: OptionalUserDep) -> Response:
    return redirect(request, "/projects" if user else "/login")


def _list_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "projects/list.html",
        {
            "projects": projects.list_projects(session, user),
            "form": form or {"name": "", "description": ""},
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/projects", name="project_list")
def project_list(request: Request, session: SessionDep, user: CurrentUserDep) -> Response:
    return _list_page(request, session, user)


@router.post("/projects", name="project_create")
def project_create(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    name: Annotated[str, Form(max_length=1000)] = "",
    description: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    try:
        project = projects.create_project(session, user, name, description=description)
    except ServiceError as exc:
        session.rollback()
        form = {"name": name, "description": description}
        return _list_page(
            request, session, user, form=form, error=exc.message, status_code=exc.status_code
        )
    return redirect(request, f"/projects/{project.id}")


@router.get("/projects/{project_id}", name="project_detail")
def project_detail(
    request: Request, project_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    project = projects.get_project(session, user, project_id)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "documents": projects.project_documents(session, user, project_id),
            "role": projects.user_role(session, user, project_id),
            "members": sorted(project.memberships, key=lambda m: (m.role, m.user.username)),
            "may_edit": can(session, user, project_id, Action.EDIT),
            "may_manage": can(session, user, project_id, Action.MANAGE),
        },
    )
