"""Size limits: request body, one uploaded file, one side of a document, API fields.

Each refusal says what the limit is, so the translator knows how far to split.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.app.conftest import login, make_user, unique

_SENTENCE = "Справка о пересмотре дел лиц, осуждённых тройками НКВД. "


def _owner_with_project(make_client: Callable[..., TestClient], database_url: str, **limits):  # type: ignore[no-untyped-def]
    client = make_client(**limits)
    csrf = login(client, make_user(database_url, unique("big")).username)
    project = client.post(
        "/api/v1/projects", json={"name": unique("Limits")}, headers={"X-CSRF-Token": csrf}
    ).json()
    return client, csrf, project["id"]


def test_a_request_body_over_the_limit_states_it(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client, csrf, project_id = _owner_with_project(make_client, database_url, max_request_mb=1)
    big = (_SENTENCE * 30_000).encode()  # about 3 MB
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": csrf},
        files={
            "ru_file": ("big.txt", big, "text/plain"),
            "en_file": ("en.txt", b"x", "text/plain"),
        },
    )
    assert response.status_code == 413
    assert "at most 1 MB per request" in response.text
    api = client.patch(
        "/api/v1/pairs/1",
        content=b'{"version": 1, "en_text": "' + b"x" * 2_000_000 + b'"}',
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert api.status_code == 413
    assert "at most 1 MB" in api.json()["detail"]


def test_one_file_over_the_upload_limit_states_it(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client, csrf, project_id = _owner_with_project(
        make_client, database_url, max_upload_mb=1, max_request_mb=10
    )
    big = (_SENTENCE * 20_000).encode()  # about 2 MB, under the request limit
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": csrf},
        files={
            "ru_file": ("memo.txt", big, "text/plain"),
            "en_file": ("en.txt", b"x", "text/plain"),
        },
    )
    assert response.status_code == 413
    assert "memo.txt" in response.text and "the limit is 1 MB per file" in response.text


def test_a_document_side_over_the_character_limit_states_it(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client, csrf, project_id = _owner_with_project(
        make_client, database_url, max_document_chars=10_000
    )
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": csrf, "ru_text": _SENTENCE * 400, "en_text": "Note. " * 10},
    )
    assert response.status_code == 413
    assert "the limit is 10,000 per side" in response.text


def test_api_fields_have_limits_too(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client, csrf, _ = _owner_with_project(make_client, database_url)
    response = client.post(
        "/api/v1/projects", json={"name": "x" * 201}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    assert "at most 200 characters" in response.text
