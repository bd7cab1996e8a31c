"""Accounts: first-run setup, signing in and out, session cookies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models import User
from app.services.users import set_password
from tests.app.conftest import PASSWORD, login, make_user, page_csrf, unique


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """A server on a freshly migrated SQLite database with no accounts at all."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        data_dir=tmp_path / "data",
        environment="test",
        run_jobs_in_process=False,
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, url


def test_first_visit_to_an_empty_server_leads_to_setup(empty_server) -> None:
    client, _ = empty_server
    assert client.get("/").headers["location"] == "/login"
    assert client.get("/login").headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert "no accounts yet" in page.text


def test_there_are_no_default_credentials(empty_server) -> None:
    client, _ = empty_server
    token = page_csrf(client.get("/setup").text)
    for username, password in [("admin", "admin"), ("admin", "password"), ("sverka", "sverka")]:
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
    assert client.get("/projects").status_code == 303


def test_setup_creates_the_administrator_once(empty_server) -> None:
    client, url = empty_server
    token = page_csrf(client.get("/setup").text)
    created = client.post(
        "/setup",
        data={
            "username": "olga",
            "display_name": "Ольга Петровна",
            "password": "длинный пароль 1956",
            "password_again": "длинный пароль 1956",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    page = client.get("/projects")
    assert page.status_code == 200
    assert "Ольга Петровна" in page.text
    assert "admin" in page.text

    engine = create_engine(url)
    with Session(engine) as session:
        olga = session.scalars(select(User)).one()
        assert olga.is_admin
        assert olga.password_hash.startswith("$argon2id$")
        assert "длинный" not in olga.password_hash
    engine.dispose()

    # A second visitor cannot become administrator too.
    other = TestClient(client.app, follow_redirects=False)
    assert other.get("/setup").headers["location"] == "/login"
    token = page_csrf(other.get("/login").text)
    again = other.post(
        "/setup",
        data={
            "username": "mallory",
            "password": "another long one",
            "password_again": "another long one",
            "csrf_token": token,
        },
    )
    assert again.headers["location"] == "/login"
    assert other.get("/projects").status_code == 303


def test_setup_says_what_is_wrong_with_the_form(empty_server) -> None:
    client, _ = empty_server
    token = page_csrf(client.get("/setup").text)
    short = client.post(
        "/setup",
        data={
            "username": "olga",
            "password": "short",
            "password_again": "short",
            "csrf_token": token,
        },
    )
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    differ = client.post(
        "/setup",
        data={
            "username": "olga",
            "password": "long enough 1",
            "password_again": "long enough 2",
            "csrf_token": token,
        },
    )
    assert "passwords differ" in differ.text
    bad_name = client.post(
        "/setup",
        data={
            "username": "ольга",
            "password": "long enough 1",
            "password_again": "long enough 1",
            "csrf_token": token,
        },
    )
    assert "Latin letters" in bad_name.text
    assert client.get("/login").headers["location"] == "/setup"  # still nobody


def test_login_and_logout(client: TestClient, database_url: str) -> None:
    user = make_user(database_url, unique("anna"))
    assert client.get("/projects").headers["location"] == "/login?next=/projects"
    token = login(client, user.username)
    assert client.get("/projects").status_code == 200
    out = client.post("/logout", data={"csrf_token": token})
    assert out.headers["location"] == "/login"
    assert "You have signed out" in client.get("/login").text
    assert client.get("/projects").status_code == 303


def test_wrong_password_is_refused_with_a_message(client: TestClient, database_url: str) -> None:
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": user.username, "password": "wrong", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert user.username in response.text  # the form keeps what was typed
    assert client.get("/projects").status_code == 303


def test_username_is_not_case_sensitive(client: TestClient, database_url: str) -> None:
    user = make_user(database_url, unique("Anna"))
    login(client, user.username.upper())
    assert client.get("/api/v1/me").json()["username"] == user.username


def test_login_returns_to_the_page_asked_for(client: TestClient, database_url: str) -> None:
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login?next=/projects/7").text)
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "next": "/projects/7",
            "csrf_token": token,
        },
    )
    assert response.headers["location"] == "/projects/7"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client: TestClient, database_url: str, target: str) -> None:
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "next": target, "csrf_token": token},
    )
    assert response.headers["location"] == "/"


def test_session_cookie_is_httponly_and_samesite(client: TestClient, database_url: str) -> None:
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("sverka_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    assert user.username not in cookie and PASSWORD not in cookie


def test_cookie_is_secure_when_served_over_https(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(secure_cookies=True)
    client.base_url = client.base_url.copy_with(scheme="https")
    response = client.get("/login")
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_forged_cookie_is_ignored(client: TestClient, database_url: str) -> None:
    admin = make_user(database_url, unique("root"), admin=True)
    import base64
    import json

    payload = base64.b64encode(json.dumps({"uid": admin.id, "epoch": 0}).encode()).decode()
    client.cookies.set("sverka_session", f"{payload}.forged.signature")
    assert client.get("/projects").status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_signs_out_other_sessions(
    client: TestClient, app, database_url: str
) -> None:
    user = make_user(database_url, unique("anna"))
    login(client, user.username)
    assert client.get("/api/v1/me").status_code == 200
    with app.state.session_factory() as session, session.begin():
        set_password(session, session.get(User, user.id), "a brand new password")
    assert client.get("/api/v1/me").status_code == 401
    login(client, user.username, "a brand new password")
    assert client.get("/api/v1/me").status_code == 200


def test_deactivated_account_cannot_sign_in_or_stay(
    client: TestClient, app, database_url: str
) -> None:
    user = make_user(database_url, unique("anna"))
    login(client, user.username)
    with app.state.session_factory() as session, session.begin():
        session.get(User, user.id).is_active = False
    assert client.get("/projects").status_code == 303
    token = page_csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401


def test_repeated_failures_block_the_account_for_a_while(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(login_attempts_per_15_min=3)
    user = make_user(database_url, unique("anna"))
    token = page_csrf(client.get("/login").text)
    for _ in range(3):
        wrong = client.post(
            "/login", data={"username": user.username, "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
    right = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 429
    assert "Too many failed sign-in attempts" in right.text
    assert client.get("/projects").status_code == 303
