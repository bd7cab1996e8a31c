"""Errors services raise; routes turn them into pages or JSON with the same message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Something the user can fix; ``message`` is written for a translator."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    status_code = 404


class PermissionDenied(ServiceError):
    status_code = 403


class Conflict(ServiceError):
    """Someone else changed the row since it was loaded (optimistic locking).

    ``current`` carries the row as it is now, so the page can show both versions.
    """

    status_code = 409

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class TooLarge(ServiceError):
    status_code = 413


def is_write_collision(exc: BaseException) -> bool:
    """Two writes crossed in the database and this one was given up: a deadlock or a
    serialisation failure (PostgreSQL) or a busy database (SQLite). Nothing of the request
    was saved, and trying again works."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in ("40001", "40P01", "55P03"):
        return True
    message = str(orig or exc).lower()
    return "database is locked" in message or "database is busy" in message
