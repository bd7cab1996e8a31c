"""Login rate limiting, by account and by client address.

Failed attempts are rows of :class:`~app.models.LoginAttempt` (``user:<name>`` and
``addr:<address>`` keys), so the limit holds across every worker process and survives a
restart. An account is blocked after ``limit`` failures within the window; an address after
``ADDRESS_FACTOR`` times as many (one office behind one address has many people). The refusal
says how long to wait.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import LoginAttempt, utcnow
from app.services.errors import ServiceError

WINDOW = timedelta(minutes=15)
ADDRESS_FACTOR = 5


class TooManyAttempts(ServiceError):
    """Sign-in refused for a while; ``retry_after`` is the wait in seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:200]


def address_key(address: str | None) -> str | None:
    return f"addr:{address}"[:200] if address else None


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _wait_seconds(session: Session, key: str, limit: int, now: datetime) -> int:
    """0 when ``key`` may try again, else the seconds until the oldest counted failure expires."""
    since = now - WINDOW
    recent = session.scalars(
        select(LoginAttempt.created_at)
        .where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return 0
    # The block lifts when the limit-th newest failure leaves the window.
    oldest = _aware(recent[-1])
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def check_login_allowed(session: Session, username: str, address: str | None, limit: int) -> None:
    """Raise :class:`TooManyAttempts` when the account or the address is blocked for now."""
    now = utcnow()
    if username.strip():
        wait = _wait_seconds(session, user_key(username), limit, now)
        if wait:
            raise TooManyAttempts(
                f"Too many failed sign-in attempts for this account: try again in "
                f"{_minutes(wait)}, or ask an administrator to reset the password.",
                wait,
            )
    key = address_key(address)
    if key:
        wait = _wait_seconds(session, key, limit * ADDRESS_FACTOR, now)
        if wait:
            raise TooManyAttempts(
                f"Too many failed sign-in attempts from your network address: try again in "
                f"{_minutes(wait)}.",
                wait,
            )


def record_failure(session: Session, username: str, address: str | None) -> None:
    """Count one failed sign-in against the account and the address."""
    now = utcnow()
    keys = [user_key(username)] if username.strip() else []
    key = address_key(address)
    if key:
        keys.append(key)
    session.add_all(LoginAttempt(key=k, created_at=now) for k in keys)
    # Old rows only cost space: drop them now and then, by whoever fails next.
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - 2 * WINDOW))
    session.flush()


def clear_failures(session: Session, username: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == user_key(username)))


def failures(session: Session, key: str) -> int:
    since = utcnow() - WINDOW
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.created_at >= since)
        )
        or 0
    )
