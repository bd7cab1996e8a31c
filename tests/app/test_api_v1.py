"""The REST API for members, documents and pairs: permissions, paging, optimistic locking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import Document, Revision
from tests.app.conftest import login
from tests.app.team import Team, make_team


@pytest.fixture
def team(app: FastAPI) -> Team:
    return make_team(app)


class Api:
    """A signed-in API client that sends the CSRF header on writes."""

    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kw)

    def send(self, method: str, url: str, json: object = None):  # type: ignore[no-untyped-def]
        return self.client.request(method, url, json=json, headers={"X-CSRF-Token": self.csrf})


@pytest.fixture
def as_role(app: FastAPI, team: Team) -> Iterator:  # type: ignore[type-arg]
    clients: list[TestClient] = []

    def make(role: str) -> Api:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return Api(client, login(client, team.username(role)))

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_pairs_are_listed_in_order_with_paging_and_filters(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    api = as_role("viewer")
    url = f"/api/v1/documents/{team.document_id}/pairs"
    page = api.get(url, params={"offset": 1, "limit": 2}).json()
    assert page["total"] == 5 and page["document_total"] == 5
    assert [p["number"] for p in page["pairs"]] == [2, 3]
    assert page["pairs"][0]["en_text"] == "To the Presidium of the CPSU Central Committee"
    found = api.get(url, params={"search": "НКВД"}).json()
    assert [p["number"] for p in found["pairs"]] == [4]
    assert api.get(url, params={"status": "approved"}).json()["total"] == 0
    assert api.get(url, params={"status": "nonsense"}).status_code == 422
    assert api.get(url, params={"limit": 0}).status_code == 422


def test_document_details_count_pairs_by_status(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    doc = as_role("viewer").get(f"/api/v1/documents/{team.document_id}").json()
    assert doc["pairs"] == 5 and doc["counts"] == {"auto": 5}
    assert doc["ru_filename"] == "memo-ru.txt"
    listed = as_role("translator").get(f"/api/v1/projects/{team.project_id}/documents").json()
    assert [d["id"] for d in listed] == [team.document_id]


def test_an_edit_with_the_current_version_is_saved_and_in_the_history(
    app: FastAPI,
    team: Team,
    as_role,  # type: ignore[no-untyped-def]
) -> None:
    api = as_role("translator")
    pair = api.get(f"/api/v1/pairs/{team.pair_ids[1]}").json()
    new = "To the Presidium of the Central Committee of the CPSU"
    saved = api.send(
        "PATCH", f"/api/v1/pairs/{pair['id']}", {"version": pair["version"], "en_text": new}
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["en_text"] == new and body["version"] == pair["version"] + 1
    assert body["status"] == "translated"
    history = api.get(f"/api/v1/pairs/{pair['id']}/history").json()
    assert any(h["after"] == new and h["field"] == "en_text" for h in history)
    with app.state.session_factory() as session:
        assert (
            session.scalar(
                select(Revision.before).where(Revision.pair_id == pair["id"], Revision.after == new)
            )
            == pair["en_text"]
        )


def test_a_stale_version_gets_409_with_the_pair_as_it_is_now(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    anna, boris = as_role("translator"), as_role("reviewer")
    url = f"/api/v1/pairs/{team.pair_ids[3]}"
    seen = anna.get(url).json()
    assert boris.get(url).json()["version"] == seen["version"]
    first = boris.send("PATCH", url, {"version": seen["version"], "en_text": "Boris's version."})
    assert first.status_code == 200
    second = anna.send("PATCH", url, {"version": seen["version"], "en_text": "Anna's version."})
    assert second.status_code == 409
    conflict = second.json()
    assert "changed by someone else" in conflict["detail"]
    assert conflict["current"]["en_text"] == "Boris's version."
    assert conflict["current"]["version"] == seen["version"] + 1
    # Anna saves on top of the version she has now seen.
    retry = anna.send(
        "PATCH", url, {"version": conflict["current"]["version"], "en_text": "Anna's version."}
    )
    assert retry.status_code == 200


def test_translators_edit_but_only_reviewers_approve(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/pairs/{team.pair_ids[0]}"
    translator = as_role("translator")
    version = translator.get(url).json()["version"]
    refused = translator.send("PATCH", url, {"version": version, "status": "approved"})
    assert refused.status_code == 403
    assert "reviewers and owners" in refused.json()["detail"]
    reviewer = as_role("reviewer")
    approved = reviewer.send("PATCH", url, {"version": version, "status": "approved"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    reject = reviewer.send("PATCH", url, {"version": version + 1, "status": "rejected"})
    assert reject.status_code == 400 and "needs a comment" in reject.json()["detail"]
    viewer = as_role("viewer")
    assert viewer.send("PATCH", url, {"version": version + 1, "en_text": "x"}).status_code == 403


def test_outsiders_learn_nothing_about_a_project(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    outsider = as_role("outsider")
    for url in (
        f"/api/v1/projects/{team.project_id}/members",
        f"/api/v1/documents/{team.document_id}",
        f"/api/v1/documents/{team.document_id}/pairs",
        f"/api/v1/pairs/{team.pair_ids[0]}",
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert "Memo" not in response.text


def test_anonymous_calls_get_401_json(client: TestClient, team: Team) -> None:
    for method, url in (
        ("GET", f"/api/v1/documents/{team.document_id}/pairs"),
        ("PATCH", f"/api/v1/pairs/{team.pair_ids[0]}"),
        ("DELETE", f"/api/v1/documents/{team.document_id}"),
        ("GET", f"/api/v1/projects/{team.project_id}/members"),
    ):
        response = client.request(
            method,
            url,
            json={"version": 1, "en_text": "x"},
            headers={"Authorization": "Bearer svk_wrong"},
        )
        assert response.status_code == 401, (method, url)
        assert response.headers["content-type"].startswith("application/json")


def test_only_owners_delete_documents(app: FastAPI, team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/documents/{team.document_id}"
    assert as_role("reviewer").send("DELETE", url).status_code == 403
    owner = as_role("owner")
    assert owner.send("DELETE", url).status_code == 204
    assert owner.get(url).status_code == 404
    assert owner.get(f"/api/v1/pairs/{team.pair_ids[0]}").status_code == 404
    with app.state.session_factory() as session:
        assert session.get(Document, team.document_id) is None


def test_members_through_the_api(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    owner = as_role("owner")
    url = f"/api/v1/projects/{team.project_id}/members"
    listed = owner.get(url).json()
    assert [m["role"] for m in listed] == ["owner", "reviewer", "translator", "viewer"]
    added = owner.send("POST", url, {"username": team.username("outsider"), "role": "viewer"})
    assert added.status_code == 201 and added.json()["role"] == "viewer"
    assert owner.send("POST", url, {"username": team.username("outsider")}).status_code == 409
    me = team.users["owner"].id
    last = owner.send("PATCH", f"{url}/{me}", {"role": "viewer"})
    assert last.status_code == 400 and "at least one owner" in last.json()["detail"]
    outsider_id = team.users["outsider"].id
    assert owner.send("DELETE", f"{url}/{outsider_id}").status_code == 204
    audit = owner.get(f"/api/v1/projects/{team.project_id}/audit").json()
    assert [a["action"] for a in audit[:2]] == ["member.removed", "member.added"]
    assert as_role("reviewer").get(f"/api/v1/projects/{team.project_id}/audit").status_code == 403


def test_merge_through_the_api_needs_both_versions(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    api = as_role("translator")
    first, second = (api.get(f"/api/v1/pairs/{pid}").json() for pid in team.pair_ids[:2])
    stale = api.send(
        "POST",
        f"/api/v1/pairs/{first['id']}/merge",
        {"version": first["version"], "next_version": second["version"] + 7},
    )
    assert stale.status_code == 409
    merged = api.send(
        "POST",
        f"/api/v1/pairs/{first['id']}/merge",
        {"version": first["version"], "next_version": second["version"]},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["ru_text"].startswith("СОВЕРШЕННО СЕКРЕТНО")
    assert "Presidium" in merged.json()["en_text"]
    assert api.get(f"/api/v1/documents/{team.document_id}/pairs").json()["total"] == 4


def test_invisible_controls_are_removed_from_edits(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    api = as_role("translator")
    url = f"/api/v1/pairs/{team.pair_ids[2]}"
    version = api.get(url).json()["version"]
    saved = api.send(
        "PATCH", url, {"version": version, "en_text": "Exhibit\u202e gnp.exe\x00 No. 5"}
    )
    assert saved.status_code == 200
    assert saved.json()["en_text"] == "Exhibit gnp.exe No. 5"


def test_comments_through_the_api(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    api = as_role("translator")
    url = f"/api/v1/pairs/{team.pair_ids[3]}/comments"
    made = api.send("POST", url, {"body": "«Тройки» — keep the quotes?"})
    assert made.status_code == 201
    thread = as_role("viewer").get(url).json()
    assert [c["body"] for c in thread] == ["«Тройки» — keep the quotes?"]
    assert as_role("viewer").send("POST", url, {"body": "me too"}).status_code == 403


def test_ids_beyond_the_database_range_are_not_found(team: Team, as_role) -> None:  # type: ignore[no-untyped-def]
    api = as_role("owner")
    for url in (
        "/api/v1/pairs/99999999999",  # beyond PostgreSQL's integer
        "/api/v1/documents/99999999999999999999999",  # beyond SQLite's
        f"/api/v1/projects/{10**30}/members",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["detail"]  # a message, not a traceback
    page = api.client.get("/pairs/99999999999999999999/history")
    assert page.status_code == 404 and "There is no such page" in page.text
