"""Login rate limiting: per account and per address, across workers, with the wait stated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.config import Settings
from app.main import create_app
from app.models import LoginAttempt, utcnow
from app.services import ratelimit
from tests.app.conftest import PASSWORD, make_user, page_csrf, unique


@pytest.fixture
def from_address(
    make_settings: Callable[..., Settings],
) -> Iterator[Callable[..., TestClient]]:
    """Clients from a given network address (each its own app, like separate workers)."""
    opened: list[TestClient] = []
    apps: list[FastAPI] = []

    def make(address: str, limit: int = 3) -> TestClient:
        app = create_app(make_settings(login_attempts_per_15_min=limit))
        client = TestClient(app, follow_redirects=False, client=(address, 40000))
        client.__enter__()
        opened.append(client)
        apps.append(app)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
    if apps:
        with apps[0].state.session_factory() as session, session.begin():
            session.execute(delete(LoginAttempt).where(LoginAttempt.key.like("addr:10.%")))


def _try(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = page_csrf(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_an_account_is_blocked_after_the_limit_and_told_how_long(
    from_address: Callable[..., TestClient], database_url: str
) -> None:
    client = from_address("10.1.0.1")
    user = make_user(database_url, unique("anna"))
    for _ in range(3):
        assert _try(client, user.username, "guess").status_code == 401
    blocked = _try(client, user.username, PASSWORD)
    assert blocked.status_code == 429
    assert "try again in 15 minutes" in blocked.text
    assert 840 <= int(blocked.headers["retry-after"]) <= 900
    # Another account from the same address is not affected.
    other = make_user(database_url, unique("boris"))
    assert _try(client, other.username, PASSWORD).status_code == 303


def test_the_limit_holds_across_workers(
    from_address: Callable[..., TestClient], database_url: str
) -> None:
    user = make_user(database_url, unique("anna"))
    first, second = from_address("10.2.0.1"), from_address("10.2.0.2")
    assert _try(first, user.username, "guess 1").status_code == 401
    assert _try(second, user.username, "guess 2").status_code == 401
    assert _try(first, user.username, "guess 3").status_code == 401
    assert _try(second, user.username, PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_blocked(
    from_address: Callable[..., TestClient], database_url: str
) -> None:
    attacker = from_address("10.3.0.1", limit=2)
    victims = [make_user(database_url, unique("v")) for _ in range(ratelimit.ADDRESS_FACTOR * 2)]
    for victim in victims:
        assert _try(attacker, victim.username, "password1").status_code == 401
    last = _try(attacker, victims[0].username + "x", "password1")
    assert last.status_code == 429
    assert "from your network address" in last.text
    # The real owner elsewhere signs in without trouble.
    elsewhere = from_address("10.3.0.2", limit=2)
    fresh = make_user(database_url, unique("w"))
    assert _try(elsewhere, fresh.username, PASSWORD).status_code == 303


def test_success_forgives_earlier_failures(
    from_address: Callable[..., TestClient], database_url: str
) -> None:
    client = from_address("10.4.0.1")
    user = make_user(database_url, unique("anna"))
    for _ in range(2):
        _try(client, user.username, "typo")
    assert _try(client, user.username, PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(2):
        assert _try(client, user.username, "typo").status_code == 401
    assert _try(client, user.username, PASSWORD).status_code == 303


def test_the_wait_shrinks_as_old_failures_expire(session, database_url: str) -> None:  # type: ignore[no-untyped-def]
    name = unique("anna")
    now = utcnow()
    for minutes_ago in (14, 13, 2):
        session.add(
            LoginAttempt(
                key=ratelimit.user_key(name), created_at=now - timedelta(minutes=minutes_ago)
            )
        )
    session.flush()
    with pytest.raises(ratelimit.TooManyAttempts) as blocked:
        ratelimit.check_login_allowed(session, name, None, 3)
    assert "try again in 1 minute" in blocked.value.message
    assert 1 <= blocked.value.retry_after <= 60
    ratelimit.check_login_allowed(session, name, None, 4)  # under a higher limit: allowed
    session.add(LoginAttempt(key=ratelimit.user_key(name), created_at=now - timedelta(minutes=20)))
    session.flush()
    assert ratelimit.failures(session, ratelimit.user_key(name)) == 3
