"""The account page: password change, API tokens, signing out everywhere, Secure cookies."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import ApiToken, AuditEvent, User
from tests.app.conftest import PASSWORD, login, make_user, page_csrf, unique

SignedIn = tuple[TestClient, User, str]
_SECRET = re.compile(r'value="(svk_[^"]+)"')


def _create_token(client: TestClient, csrf: str, name: str = "nightly export") -> str:
    response = client.post("/account/tokens", data={"name": name, "csrf_token": csrf})
    assert response.status_code == 201, response.text
    match = _SECRET.search(response.text)
    assert match, "the new token is shown once on the page"
    return match.group(1)


def test_password_change_keeps_this_session_and_ends_the_others(
    signed_in: SignedIn, app: FastAPI
) -> None:
    client, user, csrf = signed_in
    with TestClient(app, follow_redirects=False) as other:
        login(other, user.username)
        assert other.get("/api/v1/me").status_code == 200
        new = "a much better passphrase"
        response = client.post(
            "/account/password",
            data={"current": PASSWORD, "new": new, "again": new, "csrf_token": csrf},
        )
        assert response.status_code == 303
        assert client.get("/api/v1/me").status_code == 200
        assert other.get("/api/v1/me").status_code == 401
        login(other, user.username, new)


def test_password_change_refuses_a_wrong_current_password(signed_in: SignedIn) -> None:
    client, user, csrf = signed_in
    response = client.post(
        "/account/password",
        data={"current": "not my password", "new": "x" * 12, "again": "x" * 12, "csrf_token": csrf},
    )
    assert response.status_code == 400
    assert "current password is wrong" in response.text
    # Nothing changed: the old password still works.
    with TestClient(client.app, follow_redirects=False) as other:
        login(other, user.username, PASSWORD)


def test_password_change_says_what_is_wrong_with_the_new_one(signed_in: SignedIn) -> None:
    client, _, csrf = signed_in
    short = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "short", "again": "short", "csrf_token": csrf},
    )
    assert short.status_code == 400 and "at least 10 characters" in short.text
    differ = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "y" * 12, "again": "z" * 12, "csrf_token": csrf},
    )
    assert differ.status_code == 400 and "differ" in differ.text


def test_a_token_is_shown_once_and_stored_only_as_its_hash(
    signed_in: SignedIn, app: FastAPI
) -> None:
    client, user, csrf = signed_in
    secret = _create_token(client, csrf)
    page = client.get("/account")
    assert "nightly export" in page.text
    assert secret not in page.text
    with app.state.session_factory() as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr(stored.__dict__)


def test_a_token_works_without_cookie_or_csrf_and_acts_as_its_user(
    signed_in: SignedIn, app: FastAPI
) -> None:
    client, user, csrf = signed_in
    secret = _create_token(client, csrf)
    with TestClient(app, follow_redirects=False) as script:
        headers = {"Authorization": f"Bearer {secret}"}
        me = script.get("/api/v1/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == user.username
        created = script.post(
            "/api/v1/projects", json={"name": unique("Via token")}, headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["role"] == "owner"
        with app.state.session_factory() as session:
            token = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
            assert token.last_used_at is not None


def test_a_wrong_token_is_refused_even_with_a_valid_cookie(signed_in: SignedIn) -> None:
    client, _, csrf = signed_in
    _create_token(client, csrf)
    # No falling back to the cookie: that would let a forged cross-site request skip CSRF.
    response = client.post(
        "/api/v1/projects",
        json={"name": unique("forged")},
        headers={"Authorization": "Bearer svk_not-a-real-token"},
    )
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")


def test_revoked_token_and_deactivated_owner_are_refused(signed_in: SignedIn, app: FastAPI) -> None:
    client, user, csrf = signed_in
    first = _create_token(client, csrf, "first")
    second = _create_token(client, csrf, "second")
    with app.state.session_factory() as session:
        first_id = session.scalar(
            select(ApiToken.id).where(ApiToken.name == "first", ApiToken.user_id == user.id)
        )
    revoked = client.post(f"/account/tokens/{first_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    with TestClient(app) as script:
        assert (
            script.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code
            == 401
        )
        assert (
            script.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code
            == 200
        )
        with app.state.session_factory() as session, session.begin():
            session.get(User, user.id).is_active = False  # type: ignore[union-attr]
        assert (
            script.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code
            == 401
        )


def test_nobody_revokes_someone_elses_token(signed_in: SignedIn, app: FastAPI) -> None:
    client, user, csrf = signed_in
    _create_token(client, csrf)
    with app.state.session_factory() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    with TestClient(app, follow_redirects=False) as other:
        other_csrf = login(other, make_user(app.state.settings.resolved_database_url).username)
        response = other.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": other_csrf})
        assert response.status_code == 404
    with app.state.session_factory() as session:
        assert session.get(ApiToken, token_id) is not None


def test_sign_out_everywhere_ends_every_session_but_not_tokens(
    signed_in: SignedIn, app: FastAPI
) -> None:
    client, user, csrf = signed_in
    secret = _create_token(client, csrf)
    with TestClient(app, follow_redirects=False) as laptop:
        login(laptop, user.username)
        response = client.post("/account/sign-out-everywhere", data={"csrf_token": csrf})
        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert laptop.get("/api/v1/me").status_code == 401
        assert client.get("/api/v1/me").status_code == 401
        token_call = laptop.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert token_call.status_code == 200
    with app.state.session_factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.user_id == user.id)
        ).all()
        assert "sessions.revoked" in actions and "token.created" in actions


def test_an_empty_token_name_is_refused_with_a_message(signed_in: SignedIn) -> None:
    client, _, csrf = signed_in
    response = client.post("/account/tokens", data={"name": "   ", "csrf_token": csrf})
    assert response.status_code == 400
    assert "Give the token a name" in response.text


def test_cookies_are_secure_behind_a_trusted_https_proxy(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    proxied = make_client(trusted_proxy=True)
    response = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in response.headers["set-cookie"].lower()
    plain = proxied.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    direct = make_client()
    response = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in response.headers["set-cookie"].lower()


def test_every_https_request_gets_secure_cookies(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client()  # SVERKA_SECURE_COOKIES forgotten
    client.base_url = client.base_url.copy_with(scheme="https")
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_the_header_links_to_the_account_page(signed_in: SignedIn) -> None:
    client, _, _ = signed_in
    page = client.get("/projects").text
    assert 'href="/account"' in page
    account = client.get("/account")
    assert account.status_code == 200
    assert "Change password" in account.text and "API tokens" in account.text
