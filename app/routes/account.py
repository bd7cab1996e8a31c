"""The signed-in user's own account: password, API tokens, signing out everywhere."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.auth import end_session, start_session
from app.deps import CurrentUserDep, SessionDep
from app.htmx import redirect, render
from app.models import User
from app.services import accounts
from app.services.accounts import NewToken
from app.services.errors import ServiceError
from app.services.users import MIN_PASSWORD_LENGTH
from app.templating import flash

router = APIRouter(tags=["account"], include_in_schema=False)

Secret = Annotated[str, Form(max_length=1000)]


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str | None = None,
    error_in: str = "",
    new_token: NewToken | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "tokens": accounts.list_tokens(session, user),
        "error": error,
        "error_in": error_in,
        "new_token": new_token,
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return render(request, "account/page.html", context, status_code=status_code)


@router.get("/account", name="account")
def account_page(request: Request, session: SessionDep, user: CurrentUserDep) -> Response:
    return _page(request, session, user)


@router.post("/account/password", name="account_password")
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    current: Secret = "",
    new: Secret = "",
    again: Secret = "",
) -> Response:
    try:
        accounts.change_password(session, user, current, new, again)
    except ServiceError as exc:
        session.rollback()
        return _page(
            request, session, user, error=exc.message, error_in="password",
            status_code=exc.status_code,
        )  # fmt: skip
    # Other sessions are signed out by the new epoch; this one carries on.
    start_session(request, user)
    flash(request, "Your password was changed. Other sessions were signed out.", "success")
    return redirect(request, "/account")


@router.post("/account/tokens", name="account_token_create")
def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        token = accounts.create_token(session, user, name)
    except ServiceError as exc:
        session.rollback()
        return _page(
            request, session, user, error=exc.message, error_in="tokens",
            status_code=exc.status_code,
        )  # fmt: skip
    # Shown on this response only: never put into a redirect or the (signed, not secret) cookie.
    return _page(request, session, user, new_token=token, status_code=201)


@router.post("/account/tokens/{token_id}/revoke", name="account_token_revoke")
def revoke_token(
    request: Request, token_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    name = accounts.revoke_token(session, user, token_id)
    flash(request, f"The token “{name}” was revoked: scripts using it are refused now.")
    return redirect(request, "/account")


@router.post("/account/sign-out-everywhere", name="account_sign_out_everywhere")
def sign_out_everywhere(request: Request, session: SessionDep, user: CurrentUserDep) -> Response:
    accounts.sign_out_everywhere(session, user)
    end_session(request)
    flash(request, "You were signed out on every device, this one included.")
    return redirect(request, "/login")
