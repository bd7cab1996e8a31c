"""A user's own account (password, sessions, API tokens) and administrators' user management.

API tokens are shown once, when created; the database keeps only their SHA-256, so a leaked
database does not leak working tokens. A token acts as its user, with the same roles.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth import verify_password
from app.models import ApiToken, User, utcnow
from app.services import audit, users
from app.services.errors import NotFound, PermissionDenied, ServiceError

TOKEN_PREFIX = "svk_"
MAX_TOKENS = 20
#: How stale ``last_used_at`` may get before a request writes it again (saves a write per call).
_TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: ``secret`` is shown to its owner this once."""

    id: int
    name: str
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------- own account


def change_password(session: Session, user: User, current: str, new: str, again: str) -> None:
    """Change ``user``'s password; every other session of theirs is signed out."""
    if not verify_password(user.password_hash, current):
        raise ServiceError("The current password is wrong: nothing was changed.")
    if new != again:
        raise ServiceError("The two new passwords differ: type the same password twice.")
    if new == current:
        raise ServiceError("The new password is the same as the current one.")
    users.set_password(session, user, new)
    audit.record(session, "password.changed", actor=user)


def sign_out_everywhere(session: Session, user: User) -> None:
    """Invalidate every session cookie of ``user`` (API tokens stay valid: revoke them apart)."""
    user.session_epoch += 1
    session.flush()
    audit.record(session, "sessions.revoked", actor=user)


def create_token(session: Session, user: User, name: str) -> NewToken:
    from app.services.decoding import normalise_text

    name = " ".join(normalise_text(name).split())
    if not name:
        raise ServiceError("Give the token a name that says where it is used (e.g. 'CI export').")
    if len(name) > 100:
        raise ServiceError("A token name can have at most 100 characters.")
    count = session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)
    )
    if (count or 0) >= MAX_TOKENS:
        raise ServiceError(
            f"You have {MAX_TOKENS} tokens already, the most one account may have: "
            "revoke one you no longer use."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(secret))
    session.add(token)
    session.flush()
    audit.record(session, "token.created", actor=user, name=name)
    return NewToken(token.id, name, secret)


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> str:
    """Delete one of ``user``'s tokens; returns its name."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token (it may have been revoked already).")
    name = token.name
    session.delete(token)
    session.flush()
    audit.record(session, "token.revoked", actor=user, name=name)
    return name


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    secret = secret.strip()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if last is None or now - last > _TOUCH_EVERY:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return user


# --------------------------------------------------------------------------- administrators


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only administrators can manage accounts.")


def list_users(session: Session, actor: User) -> list[User]:
    _require_admin(actor)
    return list(session.scalars(select(User).order_by(func.lower(User.username))))


def admin_create_user(
    session: Session,
    actor: User,
    username: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
) -> tuple[User, str]:
    """A new account with a generated one-time password (returned to show once)."""
    _require_admin(actor)
    password = users.generate_password()
    user = users.create_user(
        session, username, password, is_admin=is_admin, display_name=display_name
    )
    audit.record(session, "user.created", actor=actor, username=user.username, admin=is_admin)
    return user, password


def _target(session: Session, actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (signs them out at once, tokens stop working) or reactivate an account."""
    user = _target(session, actor, user_id)
    if user.id == actor.id and not active:
        raise ServiceError("You cannot deactivate your own account.")
    if not active and user.is_admin:
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.is_admin, User.is_active)
        )
        if (admins or 0) <= 1:
            raise ServiceError("This is the last active administrator: it stays active.")
    if user.is_active != active:
        user.is_active = active
        user.session_epoch += 1
        session.flush()
        action = "user.activated" if active else "user.deactivated"
        audit.record(session, action, actor=actor, username=user.username)
    return user


def reset_password(session: Session, actor: User, user_id: int) -> tuple[User, str]:
    """A new generated password for someone who lost theirs (shown once to the admin)."""
    user = _target(session, actor, user_id)
    password = users.generate_password()
    users.set_password(session, user, password)
    audit.record(session, "user.password_reset", actor=actor, username=user.username)
    return user, password
