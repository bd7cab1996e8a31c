"""Fixtures for the web application.

The app opens its own engine and sessions on the test database, so app tests commit real
rows: they use unique usernames and project names (:func:`unique`) instead of relying on a
rollback. The ``session`` fixture from ``tests/conftest.py`` is still there for service tests.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Membership, Role, User
from app.services.users import create_user

PASSWORD = "correct horse battery"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_FIELD_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same database) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    # Real argon2 parameters take ~0.5 s per hash on a small machine; tests hash hundreds.
    from argon2 import PasswordHasher

    from app.auth import use_hasher

    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_hasher(previous)


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for an app on the test database; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "data_dir": tmp_path / "data",
            "environment": "test",
            "run_jobs_in_process": False,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def app_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app(app_settings: Settings) -> FastAPI:
    return create_app(app_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client (cookies kept); redirects are not followed, to be asserted."""
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """Clients of apps with other settings: ``make_client(max_request_mb=1)``."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        test_client = TestClient(create_app(make_settings(**overrides)), follow_redirects=False)
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


def _engine_for(target: Session | Engine | str) -> tuple[Session, Engine | None]:
    if isinstance(target, Session):
        return target, None
    engine = create_engine(target) if isinstance(target, str) else target
    return Session(engine, expire_on_commit=False), engine if isinstance(target, str) else None


def make_user(
    target: Session | Engine | str,
    username: str | None = None,
    *,
    password: str = PASSWORD,
    admin: bool = False,
    role: Role | str | None = None,
    project_id: int | None = None,
) -> User:
    """Create (and commit, unless given a test session) a user, optionally a project member."""
    session, own_engine = _engine_for(target)
    try:
        user = create_user(session, username or unique("user"), password, is_admin=admin)
        if role is not None:
            assert project_id is not None, "a role needs a project_id"
            session.add(Membership(project_id=project_id, user_id=user.id, role=Role(role)))
            session.flush()
        if not isinstance(target, Session):
            session.commit()
        return user
    finally:
        if not isinstance(target, Session):
            session.close()
        if own_engine is not None:
            own_engine.dispose()


def page_csrf(html: str) -> str:
    """The CSRF token a page carries (meta tag, or a form's hidden field)."""
    match = _META_CSRF.search(html) or _FIELD_CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's (new) CSRF token."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": page_csrf(form.text)},
    )
    assert response.status_code == 303, response.text
    page = client.get("/projects")
    assert page.status_code == 200
    return page_csrf(page.text)


@pytest.fixture
def user(database_url: str) -> User:
    """A committed user who is not an administrator."""
    return make_user(database_url, unique("tr"))


@pytest.fixture
def signed_in(client: TestClient, user: User) -> tuple[TestClient, User, str]:
    """``client`` signed in as ``user``, with the CSRF token."""
    token = login(client, user.username)
    return client, user, token
