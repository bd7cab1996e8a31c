"""Values routes get injected, as named ``Annotated`` aliases.

The app carries its own settings, engine and session factory (``app.state``), so tests and
several apps in one process never share a database by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.auth import LoginRequired, load_user
from app.config import Settings
from app.db import unit_of_work
from app.models import User


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back if it fails.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    client that gets a success can rely on the next request seeing the change.
    """
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_optional_user(request: Request, session: SessionDep) -> User | None:
    return load_user(request, session)


def get_current_user(request: Request, session: SessionDep) -> User:
    user = load_user(request, session)
    if user is None:
        raise LoginRequired("Please sign in to continue.")
    return user


OptionalUserDep = Annotated[User | None, Depends(get_optional_user)]
CurrentUserDep = Annotated[User, Depends(get_current_user)]
