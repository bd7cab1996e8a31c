"""Project pages and the /api/v1 project routes: login required, roles, htmx fragments."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.models import Document, DocumentState, Role, User
from tests.app.conftest import login, make_user, page_csrf, unique

SignedIn = tuple[TestClient, User, str]


def _create(client: TestClient, token: str, name: str, description: str = "") -> int:
    response = client.post(
        "/projects", data={"name": name, "description": description, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


# --- nobody gets in without signing in -----------------------------------------------------


@pytest.mark.parametrize("path", ["/projects", "/projects/1", "/projects/999999"])
def test_pages_send_anonymous_visitors_to_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_htmx_requests_of_anonymous_visitors_are_redirected_to_login(client: TestClient) -> None:
    response = client.get(
        "/projects/1",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/projects/1"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/projects/1"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/projects"),
        ("GET", "/api/v1/projects/1"),
        ("POST", "/api/v1/projects"),
    ],
)
def test_api_answers_anonymous_calls_with_401_json(
    client: TestClient, user: User, method: str, path: str
) -> None:
    # With a valid CSRF token the refusal is about authentication, not forgery.
    token_page = client.get("/login")
    headers = {"X-CSRF-Token": page_csrf(token_page.text)}
    response = client.request(method, path, json={"name": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert "Authentication required" in response.json()["detail"]


def test_anonymous_form_post_creates_nothing(client: TestClient, user: User) -> None:
    token = page_csrf(client.get("/login").text)
    response = client.post("/projects", data={"name": unique("anon"), "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


# --- pages ---------------------------------------------------------------------------------


def test_creator_becomes_owner_and_sees_the_project(signed_in: SignedIn) -> None:
    client, user, token = signed_in
    name = unique("Докладная записка")
    project_id = _create(client, token, name, "Архив, 1956 год")
    listing = client.get("/projects")
    assert name in listing.text
    assert f'href="/projects/{project_id}"' in listing.text
    page = client.get(f"/projects/{project_id}")
    assert page.status_code == 200
    assert f"<h1>{name}</h1>" in page.text
    assert "Архив, 1956 год" in page.text
    assert "No documents yet" in page.text
    assert "owner" in page.text and user.username in page.text


def test_project_page_links_each_document_to_its_review_view(
    signed_in: SignedIn, app: FastAPI
) -> None:
    client, user, token = signed_in
    project_id = _create(client, token, unique("p"))
    with app.state.session_factory() as session, session.begin():
        doc = Document(
            project_id=project_id,
            title="О пересмотре дел",
            state=DocumentState.READY,
            ru_filename="zapiska.txt",
            en_filename="memo.txt",
            ru_encoding="windows-1251",
        )
        session.add(doc)
        session.flush()
        doc_id = doc.id
    page = client.get(f"/projects/{project_id}").text
    assert f'<a href="/documents/{doc_id}">О пересмотре дел</a>' in page
    assert "zapiska.txt" in page and "windows-1251" in page
    listing = client.get("/projects").text
    assert "1 document " in listing or "1 document\n" in listing


def test_empty_name_is_refused_with_the_form_kept(signed_in: SignedIn) -> None:
    client, _, token = signed_in
    response = client.post(
        "/projects", data={"name": "   ", "description": "описание", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Give the project a name" in response.text
    assert "описание" in response.text


def test_names_are_shown_as_written_never_as_markup(signed_in: SignedIn) -> None:
    client, _, token = signed_in
    name = unique('<script>alert("x")</script>')
    project_id = _create(client, token, name)
    for path in ("/projects", f"/projects/{project_id}"):
        text = client.get(path).text
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text


def test_other_users_cannot_see_a_project(
    signed_in: SignedIn, app: FastAPI, database_url: str
) -> None:
    client, _, token = signed_in
    name = unique("secret")
    project_id = _create(client, token, name)
    outsider = make_user(database_url, unique("outsider"))
    with TestClient(app, follow_redirects=False) as other:
        login(other, outsider.username)
        assert name not in other.get("/projects").text
        page = other.get(f"/projects/{project_id}")
        assert page.status_code == 404
        assert "not a member" in page.text
        assert other.get(f"/api/v1/projects/{project_id}").status_code == 404
        assert all(p["id"] != project_id for p in other.get("/api/v1/projects").json())


def test_members_see_the_project_with_their_role(
    signed_in: SignedIn, app: FastAPI, database_url: str
) -> None:
    client, _, token = signed_in
    name = unique("shared")
    project_id = _create(client, token, name)
    translator = make_user(database_url, unique("tr"), role=Role.TRANSLATOR, project_id=project_id)
    with TestClient(app, follow_redirects=False) as other:
        login(other, translator.username)
        assert name in other.get("/projects").text
        page = other.get(f"/projects/{project_id}").text
        assert 'your role: <span class="role">translator</span>' in page
        api = other.get(f"/api/v1/projects/{project_id}").json()
        assert api["role"] == "translator"


def test_admins_see_every_project(signed_in: SignedIn, app: FastAPI, database_url: str) -> None:
    client, _, token = signed_in
    name = unique("any")
    project_id = _create(client, token, name)
    admin = make_user(database_url, unique("admin"), admin=True)
    with TestClient(app, follow_redirects=False) as other:
        login(other, admin.username)
        assert name in other.get("/projects").text
        assert other.get(f"/projects/{project_id}").status_code == 200


# --- htmx: the same handler gives the fragment or the page ----------------------------------


def test_htmx_request_gets_only_the_content_block(signed_in: SignedIn) -> None:
    client, _, token = signed_in
    name = unique("fragment")
    project_id = _create(client, token, name)
    full = client.get(f"/projects/{project_id}")
    fragment = client.get(f"/projects/{project_id}", headers={"HX-Request": "true"})
    assert full.text.lstrip().startswith("<!doctype html>")
    assert "<header" in full.text
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<header" not in fragment.text
    assert f"<h1>{name}</h1>" in fragment.text
    for response in (full, fragment):
        assert "HX-Request" in response.headers["vary"]


def test_boosted_and_history_restore_requests_get_the_whole_page(signed_in: SignedIn) -> None:
    client, _, _ = signed_in
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = client.get("/projects", headers={"HX-Request": "true", **extra})
        assert "<!doctype html>" in response.text


def test_htmx_form_error_comes_back_as_a_fragment(signed_in: SignedIn) -> None:
    client, _, token = signed_in
    response = client.post(
        "/projects", data={"name": ""}, headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.status_code == 400
    assert "<html" not in response.text
    assert "Give the project a name" in response.text


# --- errors and limits -------------------------------------------------------------------


def test_unknown_page_gets_a_styled_404_with_the_user_menu(signed_in: SignedIn) -> None:
    client, user, _ = signed_in
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no such page." in response.text
    assert "Sign out" in response.text  # still shown as signed in
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"detail": "There is no such page."}


def test_an_error_fragment_for_htmx_carries_the_message(signed_in: SignedIn) -> None:
    client, _, _ = signed_in
    response = client.get("/projects/999999", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert 'class="error-message"' in response.text
    assert "<html" not in response.text


@pytest.fixture
def small_limit_client(make_client: Callable[..., TestClient], user: User) -> Iterator[SignedIn]:
    client = make_client(max_request_mb=1)
    token = login(client, user.username)
    yield client, user, token


def test_a_request_over_the_size_limit_gets_413_stating_the_limit(
    small_limit_client: SignedIn,
) -> None:
    client, _, token = small_limit_client
    big = "я" * (1024 * 1024)  # 2 MB in UTF-8
    response = client.post("/projects", data={"name": big, "csrf_token": token})
    assert response.status_code == 413
    assert "at most 1 MB per request" in response.text
    api = client.post("/api/v1/projects", json={"name": big}, headers={"X-CSRF-Token": token})
    assert api.status_code == 413
    assert "at most 1 MB" in api.json()["detail"]


def test_a_streamed_body_over_the_limit_is_cut_off(small_limit_client: SignedIn) -> None:
    client, _, token = small_limit_client

    def chunks() -> Iterator[bytes]:
        yield f"csrf_token={token}&name=".encode()
        for _ in range(40):
            yield b"x" * 65536

    response = client.post(
        "/projects",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "at most 1 MB" in response.text


def test_a_request_under_the_limit_passes(small_limit_client: SignedIn) -> None:
    client, _, token = small_limit_client
    response = client.post(
        "/projects", data={"name": unique("ok"), "description": "д" * 15_000, "csrf_token": token}
    )
    assert response.status_code == 303


# --- the API -------------------------------------------------------------------------------


def test_api_me_and_projects(signed_in: SignedIn) -> None:
    client, user, token = signed_in
    me = client.get("/api/v1/me").json()
    assert me["username"] == user.username and me["is_admin"] is False
    name = unique("Проект")
    created = client.post(
        "/api/v1/projects",
        json={"name": name, "description": "через API"},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == name and body["role"] == "owner" and body["documents"] == 0
    listed = client.get("/api/v1/projects").json()
    assert any(p["id"] == body["id"] for p in listed)
    detail = client.get(f"/api/v1/projects/{body['id']}").json()
    assert detail["description"] == "через API"
    assert detail["document_list"] == []


def test_api_validation_errors_are_json(signed_in: SignedIn) -> None:
    client, _, token = signed_in
    response = client.post("/api/v1/projects", json={"name": ""}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/projects", "/api/v1/projects/{project_id}"} <= set(spec["paths"])
    assert "/login" not in spec["paths"]


def test_pages_are_never_cached_but_versioned_assets_are(signed_in: SignedIn) -> None:
    client, _, _ = signed_in
    page = client.get("/projects")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    css_url = page.text.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert "?v=" in css_url
    css = client.get(css_url)
    assert css.status_code == 200
    assert "PT Sans" in css.text
    assert "immutable" in css.headers["cache-control"]


def test_a_server_error_shows_a_page_without_a_traceback(app: FastAPI) -> None:
    def broken() -> None:
        raise RuntimeError("internal detail that must not leak")

    app.add_api_route("/broken", broken)
    app.add_api_route("/api/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken")
        assert page.status_code == 500
        assert "Something went wrong on the server" in page.text
        assert "internal detail" not in page.text and "Traceback" not in page.text
        api = client.get("/api/v1/broken")
        assert api.status_code == 500
        assert "internal detail" not in api.text
