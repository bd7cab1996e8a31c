"""A project's members (owners manage them), its audit trail, and deleting (owners only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep
from app.htmx import redirect, render
from app.models import Document, Role, User
from app.services import audit, deletions, members, projects
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, can, require
from app.templating import flash

router = APIRouter(tags=["members"], include_in_schema=False)

RoleForm = Annotated[str, Form(max_length=40)]


def _members_page(
    request: Request,
    session: SessionDep,
    user: User,
    project_id: int,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    project = projects.get_project(session, user, project_id)
    context: dict[str, Any] = {
        "project": project,
        "members": members.list_members(session, user, project_id),
        "may_manage": can(session, user, project_id, Action.MANAGE),
        "roles": list(Role),
        "role_help": members.ROLE_HELP,
        "owners": members.owner_count(session, project_id),
        "error": error,
        "form": form or {"username": "", "role": Role.TRANSLATOR.value},
    }
    return render(request, "members/page.html", context, status_code=status_code)


@router.get("/projects/{project_id}/members", name="project_members")
def members_page(
    request: Request, project_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    return _members_page(request, session, user, project_id)


def _refused(
    request: Request,
    session: SessionDep,
    user: User,
    project_id: int,
    exc: ServiceError,
    form: dict[str, str] | None = None,
) -> Response:
    if exc.status_code == 403 or (exc.status_code == 404 and not form):
        raise exc
    session.rollback()
    return _members_page(
        request, session, user, project_id, error=exc.message, form=form,
        status_code=exc.status_code,
    )  # fmt: skip


@router.post("/projects/{project_id}/members", name="project_member_add")
def member_add(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    username: Annotated[str, Form(max_length=200)] = "",
    role: RoleForm = Role.TRANSLATOR.value,
) -> Response:
    require(session, user, project_id, Action.MANAGE)
    try:
        added = members.add_member(session, user, project_id, username, role)
    except ServiceError as exc:
        return _refused(
            request, session, user, project_id, exc, {"username": username, "role": role}
        )
    flash(request, f"{added.username} is now a {added.role.value} of this project.", "success")
    return redirect(request, f"/projects/{project_id}/members")


@router.post("/projects/{project_id}/members/{user_id}/role", name="project_member_role")
def member_role(
    request: Request,
    project_id: int,
    user_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    role: RoleForm = "",
) -> Response:
    try:
        changed = members.change_role(session, user, project_id, user_id, role)
    except ServiceError as exc:
        return _refused(request, session, user, project_id, exc)
    flash(request, f"{changed.username} is now a {changed.role.value}.", "success")
    return redirect(request, f"/projects/{project_id}/members")


@router.post("/projects/{project_id}/members/{user_id}/remove", name="project_member_remove")
def member_remove(
    request: Request, project_id: int, user_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    try:
        username = members.remove_member(session, user, project_id, user_id)
    except ServiceError as exc:
        return _refused(request, session, user, project_id, exc)
    flash(request, f"{username} is no longer a member of this project.")
    if user_id == user.id and not can(session, user, project_id, Action.VIEW):
        return redirect(request, "/projects")
    return redirect(request, f"/projects/{project_id}/members")


@router.get("/projects/{project_id}/audit", name="project_audit")
def audit_page(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    offset: int = 0,
) -> Response:
    project = projects.get_project(session, user, project_id)
    limit = 100
    entries, total = audit.project_events(session, user, project_id, offset=offset, limit=limit)
    context = {
        "project": project,
        "entries": entries,
        "total": total,
        "offset": max(0, offset),
        "limit": limit,
    }
    return render(request, "members/audit.html", context)


@router.post("/projects/{project_id}/delete", name="project_delete")
def project_delete(
    request: Request,
    project_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    project = projects.get_project(session, user, project_id)
    require(session, user, project_id, Action.MANAGE)
    if " ".join(confirm.split()) != project.name:
        return _members_page(
            request, session, user, project_id, status_code=400,
            error="To delete the project, type its name exactly as shown.",
        )  # fmt: skip
    name = deletions.delete_project(session, user, project_id)
    flash(request, f"The project “{name}” was deleted.")
    return redirect(request, "/projects")


@router.post("/documents/{document_id}/delete", name="document_delete")
def document_delete(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    project_id = doc.project_id
    title = deletions.delete_document(session, user, document_id)
    flash(request, f"The document “{title}” was deleted.")
    return redirect(request, f"/projects/{project_id}")
