"""Sign in, sign out, and the first-run setup that creates the administrator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.auth import end_session, start_session
from app.deps import OptionalUserDep, SessionDep, SettingsDep
from app.htmx import redirect, render, safe_next
from app.services import audit, ratelimit, users
from app.services.errors import Conflict, ServiceError
from app.templating import flash

router = APIRouter(tags=["accounts"], include_in_schema=False)


@router.get("/login", name="login")
def login_form(
    request: Request, session: SessionDep, user: OptionalUserDep, next: str = "/"
) -> Response:
    if users.count_users(session) == 0:
        return redirect(request, "/setup")
    if user is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    context = {"next": safe_next(next), "username": username}
    address = request.client.host if request.client else None
    try:
        ratelimit.check_login_allowed(
            session, username, address, settings.login_attempts_per_15_min
        )
    except ratelimit.TooManyAttempts as exc:
        context["error"] = exc.message
        return render(
            request, "login.html", context, status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )  # fmt: skip
    user = users.authenticate(session, username, password)
    if user is None:
        ratelimit.record_failure(session, username, address)
        audit.record(session, "login.failed", username=username[:64], address=address)
        context["error"] = "Wrong username or password."
        return render(request, "login.html", context, status_code=401)
    ratelimit.clear_failures(session, username)
    audit.record(session, "login", actor=user, address=address)
    start_session(request, user)
    return redirect(request, safe_next(next))


@router.post("/logout", name="logout")
def logout(request: Request) -> Response:
    end_session(request)
    flash(request, "You have signed out.")
    return redirect(request, "/login")


@router.get("/setup", name="setup")
def setup_form(request: Request, session: SessionDep) -> Response:
    if users.count_users(session) > 0:
        return redirect(request, "/login")
    return render(request, "setup.html", {"username": "", "display_name": ""})


@router.post("/setup")
def setup(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if users.count_users(session) > 0:
        flash(request, "Sverka is already set up: sign in with your account.")
        return redirect(request, "/login")
    context = {"username": username, "display_name": display_name}
    try:
        if password != password_again:
            raise ServiceError("The two passwords differ: type the same password twice.")
        user = users.create_user(
            session, username, password, is_admin=True, display_name=display_name
        )
        if users.count_users(session) > 1:
            # Two first visitors at once: only one of them may become the administrator.
            raise Conflict("Someone else completed the setup a moment ago: sign in instead.")
    except ServiceError as exc:
        session.rollback()
        context["error"] = exc.message
        return render(request, "setup.html", context, status_code=exc.status_code)
    start_session(request, user)
    flash(request, f"Welcome, {user.display_name or user.username}. You are the administrator.")
    return redirect(request, "/projects")
