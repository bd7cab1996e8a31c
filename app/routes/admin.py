"""Site administration: accounts (create, deactivate, reset a password) and the sign-in log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep
from app.htmx import redirect, render
from app.models import User
from app.services import accounts, audit
from app.services.errors import ServiceError
from app.templating import flash

router = APIRouter(tags=["admin"], include_in_schema=False)


def _users_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    created: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "users": accounts.list_users(session, user),
        "error": error,
        "form": form or {"username": "", "display_name": "", "is_admin": False},
        "created": created,
    }
    return render(request, "admin/users.html", context, status_code=status_code)


@router.get("/admin/users", name="admin_users")
def users_page(request: Request, session: SessionDep, user: CurrentUserDep) -> Response:
    return _users_page(request, session, user)


@router.post("/admin/users", name="admin_user_create")
def user_create(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    try:
        created, password = accounts.admin_create_user(
            session, user, username, display_name=display_name, is_admin=is_admin
        )
    except ServiceError as exc:
        if exc.status_code == 403:
            raise
        session.rollback()
        form = {"username": username, "display_name": display_name, "is_admin": is_admin}
        return _users_page(
            request, session, user, error=exc.message, form=form, status_code=exc.status_code
        )
    # The password is in this response only, never in a redirect or a cookie.
    return _users_page(
        request, session, user, created=(created.username, password), status_code=201
    )


@router.post("/admin/users/{user_id}/active", name="admin_user_active")
def user_active(
    request: Request,
    user_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    active: Annotated[bool, Form()] = False,
) -> Response:
    try:
        target = accounts.set_active(session, user, user_id, active)
    except ServiceError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _users_page(request, session, user, error=exc.message, status_code=400)
    state = "active again" if active else "deactivated: signed out, tokens refused"
    flash(request, f"{target.username} is {state}.")
    return redirect(request, "/admin/users")


@router.post("/admin/users/{user_id}/password", name="admin_user_password")
def user_password(
    request: Request, user_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    target, password = accounts.reset_password(session, user, user_id)
    return _users_page(request, session, user, created=(target.username, password))


@router.get("/admin/log", name="admin_log")
def sign_in_log(
    request: Request, session: SessionDep, user: CurrentUserDep, offset: int = 0
) -> Response:
    limit = 100
    entries, total = audit.site_events(session, user, offset=offset, limit=limit)
    context = {"entries": entries, "total": total, "offset": max(0, offset), "limit": limit}
    return render(request, "admin/log.html", context)
