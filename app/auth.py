"""Passwords, the signed session cookie and CSRF protection.

The session lives in a cookie signed with the secret key (itsdangerous, through Starlette's
``SessionMiddleware``): ``{"uid": user id, "epoch": user.session_epoch, "csrf": token}``.
Bumping a user's ``session_epoch`` (password change, "log out everywhere") invalidates every
cookie issued before, because :func:`load_user` compares the two.

Every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's CSRF token,
either as the form field ``csrf_token`` or as the ``X-CSRF-Token`` header (htmx sends the
header on every request, see ``base.html``).
"""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session
from starlette.requests import Request

from app.models import User
from app.services.errors import PermissionDenied, ServiceError

SESSION_COOKIE = "sverka_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_hasher = PasswordHasher()
# Verifying against a real hash when the user does not exist keeps the timing the same,
# so response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginRequired(ServiceError):
    """The page or API call needs a signed-in user."""

    status_code = 401


class CsrfFailed(PermissionDenied):
    """A state-changing request came without the session's CSRF token."""


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the password hasher (tests use cheap parameters); returns the previous one."""
    global _hasher, _DUMMY_HASH
    previous, _hasher = _hasher, hasher
    _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always spends the time of one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (also for anonymous visitors)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def start_session(request: Request, user: User) -> None:
    """Sign ``user`` in: a fresh session (and a fresh CSRF token) against session fixation."""
    request.session.clear()
    request.session.update(
        {"uid": user.id, "epoch": user.session_epoch, "csrf": secrets.token_urlsafe(32)}
    )


def end_session(request: Request) -> None:
    request.session.clear()


def load_user(request: Request, session: Session) -> User | None:
    """The signed-in user, or None (no cookie, expired epoch, deactivated account)."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    uid = request.session.get("uid")
    if _uses_bearer_token(request):
        # Scripts authenticate with an API token instead of the session cookie (issue 7).
        from app.services.accounts import user_for_token

        user = user_for_token(session, request.headers["authorization"][7:])
    elif isinstance(uid, int):
        candidate = session.get(User, uid)
        if (
            candidate is not None
            and candidate.is_active
            and candidate.session_epoch == request.session.get("epoch")
        ):
            user = candidate
    request.state.user = user
    if user is not None:
        # Whoever is signed in is the actor of the audit events this session records.
        session.info["sverka_actor_id"] = user.id
    return user


def _uses_bearer_token(request: Request) -> bool:
    # Browsers never attach an Authorization header on their own, so requests authenticated
    # by an API token (issue 7) are not exposed to cross-site forgery.
    return request.headers.get("authorization", "").lower().startswith("bearer ")


async def verify_csrf(request: Request) -> None:
    """Global dependency: refuse state-changing requests without the session's token."""
    if request.method in SAFE_METHODS or _uses_bearer_token(request):
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # Starlette caches the parsed form on the request: the route reuses it.
            # Pasted documents are large text fields: allow them up to the request limit
            # (Starlette's default of 1 MB per field would refuse a long pasted text).
            limit = request.app.state.settings.max_request_mb * 1024 * 1024
            form = await request.form(max_part_size=limit)
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed(
            "This form could not be accepted: its security token is missing or out of date "
            "(the page may have been open for too long, or you signed in elsewhere). "
            "Reload the page and try again."
        )
