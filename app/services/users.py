"""Accounts: creating users, checking passwords, counting failed logins."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth import hash_password, needs_rehash, verify_password
from app.models import LoginAttempt, User, utcnow
from app.services.errors import Conflict, ServiceError

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_RATE_WINDOW = timedelta(minutes=15)


def generate_password() -> str:
    """A random password that is easy to type from a terminal (no ambiguous symbols)."""
    return secrets.token_urlsafe(12)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def validate_username(username: str) -> str:
    username = username.strip()
    if not _USERNAME.match(username):
        raise ServiceError(
            "A username is 1–64 characters: Latin letters, digits, and . _ @ - "
            "(starting with a letter or digit)."
        )
    return username


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    display_name: str = "",
    email: str | None = None,
) -> User:
    """A new active account; :class:`Conflict` when the username is taken (any letter case)."""
    username = validate_username(username)
    validate_password(password)
    if get_by_username(session, username) is not None:
        raise Conflict(f"The username “{username}” is already taken.")
    user = User(
        username=username,
        display_name=display_name.strip()[:200],
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        is_active=True,
        session_epoch=0,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Upgrades outdated hashes."""
    user = get_by_username(session, username.strip()) if username.strip() else None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and sign the user out of every other session."""
    validate_password(password)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    session.flush()


# --- login rate limiting (the hook issue 7 completes; attempts live in the database so the
# limit holds across worker processes) ---------------------------------------------------


def login_blocked(session: Session, key: str, limit: int) -> bool:
    """Whether ``key`` (a lower-cased username) had ``limit`` failures in the last 15 min."""
    since = utcnow() - _RATE_WINDOW
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
    )
    return (failures or 0) >= limit


def record_failed_login(session: Session, key: str) -> None:
    session.add(LoginAttempt(key=key[:200]))
    session.flush()


def clear_failed_logins(session: Session, key: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
