"""Every state-changing request needs the session's CSRF token (form field or header)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.models import User
from tests.app.conftest import page_csrf, unique

REFUSAL = "security token is missing or out of date"


def test_form_post_without_token_is_refused(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, _ = signed_in
    name = unique("Без токена")
    response = client.post("/projects", data={"name": name})
    assert response.status_code == 403
    assert REFUSAL in response.text
    assert "Reload the page" in response.text
    assert name not in client.get("/projects").text


def test_form_post_with_a_wrong_token_is_refused(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, token = signed_in
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post("/projects", data={"name": unique("p"), "csrf_token": forged})
    assert response.status_code == 403
    assert REFUSAL in response.text


def test_form_post_with_the_token_field_is_accepted(
    signed_in: tuple[TestClient, User, str],
) -> None:
    client, _, token = signed_in
    name = unique("Архив")
    response = client.post("/projects", data={"name": name, "csrf_token": token})
    assert response.status_code == 303
    assert name in client.get("/projects").text


def test_htmx_post_with_the_header_is_accepted(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, token = signed_in
    name = unique("htmx")
    response = client.post(
        "/projects",
        data={"name": name},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/projects/")
    refused = client.post("/projects", data={"name": name}, headers={"HX-Request": "true"})
    assert refused.status_code == 403


def test_every_page_gives_htmx_the_token(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, token = signed_in
    page = client.get("/projects").text
    assert f'<meta name="csrf-token" content="{token}">' in page
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page


def test_login_form_needs_the_token_too(client: TestClient, user: User) -> None:
    response = client.post("/login", data={"username": user.username, "password": "x"})
    assert response.status_code == 403
    assert REFUSAL in response.text


def test_logout_needs_the_token(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, _ = signed_in
    assert client.post("/logout").status_code == 403
    assert client.get("/projects").status_code == 200  # still signed in


def test_token_changes_when_signing_in(client: TestClient, user: User) -> None:
    from tests.app.conftest import login

    before = page_csrf(client.get("/login").text)
    after = login(client, user.username)
    assert before != after
    stale = client.post("/projects", data={"name": unique("p"), "csrf_token": before})
    assert stale.status_code == 403


def test_api_post_needs_the_header(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, token = signed_in
    refused = client.post("/api/v1/projects", json={"name": unique("api")})
    assert refused.status_code == 403
    assert REFUSAL in refused.json()["detail"]
    accepted = client.post(
        "/api/v1/projects", json={"name": unique("api")}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 201


def test_reading_needs_no_token(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, _ = signed_in
    assert client.get("/projects").status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
