"""Member management by owners, the audit log, administrators' account pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import AuditEvent, Membership, Project, Role, User
from app.services import jobs, members
from app.services.errors import PermissionDenied, ServiceError
from tests.app.conftest import PASSWORD, login, make_user, page_csrf, unique
from tests.app.team import Team, make_team


@pytest.fixture
def team(app: FastAPI) -> Team:
    return make_team(app)


@pytest.fixture
def owner(app: FastAPI, team: Team) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, follow_redirects=False) as client:
        yield client, login(client, team.username("owner"))


def _events(app: FastAPI, project_id: int) -> list[AuditEvent]:
    with app.state.session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.project_id == project_id)
                .order_by(AuditEvent.id)
            )
        )


def test_owner_adds_an_existing_account_with_a_role(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    newcomer = make_user(app.state.settings.resolved_database_url, unique("olga"))
    url = f"/projects/{team.project_id}/members"
    response = client.post(
        url, data={"username": newcomer.username.upper(), "role": "reviewer", "csrf_token": csrf}
    )
    assert response.status_code == 303
    page = client.get(url).text
    assert newcomer.username in page
    assert f"{newcomer.username} is now a reviewer" in page
    with TestClient(app, follow_redirects=False) as theirs:
        login(theirs, newcomer.username)
        assert theirs.get(f"/projects/{team.project_id}").status_code == 200
    event = _events(app, team.project_id)[-1]
    assert event.action == "member.added"
    assert event.detail == {"member": newcomer.username, "role": "reviewer"}
    assert event.user_id == team.users["owner"].id


def test_unknown_and_duplicate_members_get_a_message(
    team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    url = f"/projects/{team.project_id}/members"
    unknown = client.post(
        url, data={"username": "nobody-here", "role": "viewer", "csrf_token": csrf}
    )
    assert unknown.status_code == 404
    assert "There is no active account “nobody-here”" in unknown.text
    assert 'value="nobody-here"' in unknown.text  # the form is kept
    again = client.post(
        url, data={"username": team.username("viewer"), "role": "owner", "csrf_token": csrf}
    )
    assert again.status_code == 409
    assert "already a member (viewer)" in again.text
    bad_role = client.post(
        url, data={"username": team.username("outsider"), "role": "god", "csrf_token": csrf}
    )
    assert bad_role.status_code == 400 and "Unknown role" in bad_role.text


def test_role_change_and_removal_take_effect_at_once(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    translator = team.users["translator"]
    with TestClient(app, follow_redirects=False) as theirs:
        login(theirs, translator.username)
        base = f"/projects/{team.project_id}/members/{translator.id}"
        client.post(f"{base}/role", data={"role": "viewer", "csrf_token": csrf})
        pair = theirs.get(f"/api/v1/pairs/{team.pair_ids[0]}").json()
        edit = theirs.patch(
            f"/api/v1/pairs/{pair['id']}",
            json={"version": pair["version"], "en_text": "TOP SECRET (copy)"},
            headers={"X-CSRF-Token": page_csrf(theirs.get("/projects").text)},
        )
        assert edit.status_code == 403
        client.post(f"{base}/remove", data={"csrf_token": csrf})
        assert theirs.get(f"/projects/{team.project_id}").status_code == 404
    actions = [e.action for e in _events(app, team.project_id)]
    assert actions[-2:] == ["member.role_changed", "member.removed"]


def test_the_last_owner_can_neither_leave_nor_be_demoted(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    me = team.users["owner"]
    base = f"/projects/{team.project_id}/members/{me.id}"
    demote = client.post(f"{base}/role", data={"role": "translator", "csrf_token": csrf})
    assert demote.status_code == 400
    assert "at least one owner" in demote.text
    remove = client.post(f"{base}/remove", data={"csrf_token": csrf})
    assert remove.status_code == 400 and "last owner" in remove.text
    # With a second owner, the first may step down.
    reviewer = team.users["reviewer"]
    client.post(
        f"/projects/{team.project_id}/members/{reviewer.id}/role",
        data={"role": "owner", "csrf_token": csrf},
    )
    assert (
        client.post(f"{base}/role", data={"role": "translator", "csrf_token": csrf}).status_code
        == 303
    )
    with app.state.session_factory() as session:
        assert members.owner_count(session, team.project_id) == 1


def test_only_owners_manage_members(app: FastAPI, team: Team) -> None:
    with app.state.session_factory() as session:
        reviewer = session.get(User, team.users["reviewer"].id)
        assert reviewer is not None
        with pytest.raises(PermissionDenied):
            members.add_member(
                session, reviewer, team.project_id, team.username("outsider"), Role.OWNER
            )
        outsider = session.get(User, team.users["outsider"].id)
        with pytest.raises(ServiceError) as refused:
            members.remove_member(session, outsider, team.project_id, reviewer.id)  # type: ignore[arg-type]
        assert refused.value.status_code == 404
    with TestClient(app, follow_redirects=False) as client:
        csrf = login(client, team.username("reviewer"))
        page = client.get(f"/projects/{team.project_id}/members")
        assert page.status_code == 200
        assert team.username("viewer") in page.text
        assert "Add a member" not in page.text
        response = client.post(
            f"/projects/{team.project_id}/members",
            data={"username": team.username("outsider"), "role": "owner", "csrf_token": csrf},
        )
        assert response.status_code == 403
        assert client.get(f"/projects/{team.project_id}/audit").status_code == 403


def test_audit_log_records_imports_approvals_and_deletions(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    ru = "Справка о пересмотре дел. Дела рассмотрены тройкой НКВД."
    en = "Note on the review of cases. The cases were heard by an NKVD troika."
    started = client.post(
        f"/projects/{team.project_id}/import",
        data={"title": "Справка № 108сс", "ru_text": ru, "en_text": en, "csrf_token": csrf},
    )
    assert started.status_code == 303
    jobs.register_all_handlers()
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))
    with TestClient(app, follow_redirects=False) as reviewer:
        r_csrf = login(reviewer, team.username("reviewer"))
        pair = reviewer.get(f"/api/v1/pairs/{team.pair_ids[2]}").json()
        approved = reviewer.patch(
            f"/api/v1/pairs/{pair['id']}",
            json={"version": pair["version"], "status": "approved"},
            headers={"X-CSRF-Token": r_csrf},
        )
        assert approved.status_code == 200, approved.text
    deleted = client.post(f"/documents/{team.document_id}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    events = _events(app, team.project_id)
    by_action = {e.action: e for e in events}
    assert by_action["document.import"].detail["title"] == "Справка № 108сс"
    assert by_action["document.import"].user_id == team.users["owner"].id
    assert by_action["pair.approved"].user_id == team.users["reviewer"].id
    assert by_action["pair.approved"].detail["number"] == 3
    assert by_action["document.deleted"].user_id == team.users["owner"].id
    page = client.get(f"/projects/{team.project_id}/audit")
    assert page.status_code == 200
    text = page.text
    assert "approved a pair" in text and "deleted a document" in text
    assert "imported a document" in text
    assert team.username("reviewer") in text


def test_deleting_a_project_needs_its_name(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    url = f"/projects/{team.project_id}/delete"
    wrong = client.post(url, data={"confirm": "yes", "csrf_token": csrf})
    assert wrong.status_code == 400 and "type its name" in wrong.text
    with app.state.session_factory() as session:
        name = session.get(Project, team.project_id).name  # type: ignore[union-attr]
    done = client.post(url, data={"confirm": name, "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/projects"
    with app.state.session_factory() as session:
        assert session.get(Project, team.project_id) is None
        assert not session.scalars(
            select(Membership).where(Membership.project_id == team.project_id)
        ).all()
        site = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "project.deleted")
        ).all()
        assert any(e.detail.get("project") == team.project_id for e in site)


def test_admins_create_accounts_with_a_one_time_password(app: FastAPI, database_url: str) -> None:
    admin = make_user(database_url, unique("root"), admin=True)
    with TestClient(app, follow_redirects=False) as client:
        csrf = login(client, admin.username)
        name = unique("new")
        created = client.post(
            "/admin/users", data={"username": name, "display_name": "Nina", "csrf_token": csrf}
        )
        assert created.status_code == 201
        secret = re.search(r'readonly value="([^"]+)"', created.text)
        assert secret is not None
        with TestClient(app, follow_redirects=False) as newcomer:
            login(newcomer, name, secret.group(1))
        assert secret.group(1) not in client.get("/admin/users").text
        with app.state.session_factory() as session:
            uid = session.scalar(select(User.id).where(User.username == name))
        off = client.post(
            f"/admin/users/{uid}/active", data={"active": "false", "csrf_token": csrf}
        )
        assert off.status_code == 303
        with TestClient(app, follow_redirects=False) as newcomer:
            token = page_csrf(newcomer.get("/login").text)
            refused = newcomer.post(
                "/login", data={"username": name, "password": secret.group(1), "csrf_token": token}
            )
            assert refused.status_code == 401
        log = client.get("/admin/log")
        assert log.status_code == 200
        assert "deactivated an account" in log.text and "signed in" in log.text


def test_admins_cannot_lock_themselves_out(app: FastAPI, database_url: str) -> None:
    admin = make_user(database_url, unique("root"), admin=True)
    with TestClient(app, follow_redirects=False) as client:
        csrf = login(client, admin.username)
        response = client.post(
            f"/admin/users/{admin.id}/active", data={"active": "false", "csrf_token": csrf}
        )
        assert response.status_code == 400
        assert "cannot deactivate your own account" in response.text


def test_non_admins_see_no_user_administration(signed_in: tuple[TestClient, User, str]) -> None:
    client, _, csrf = signed_in
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/log").status_code == 403
    refused = client.post("/admin/users", data={"username": unique("x"), "csrf_token": csrf})
    assert refused.status_code == 403
    assert 'href="/admin/users"' not in client.get("/projects").text


def test_sign_in_failures_are_in_the_site_log(app: FastAPI, database_url: str) -> None:
    user = make_user(database_url, unique("anna"))
    with TestClient(app, follow_redirects=False) as client:
        token = page_csrf(client.get("/login").text)
        client.post(
            "/login",
            data={"username": user.username, "password": "wrong password", "csrf_token": token},
        )
        client.post(
            "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
        )
    with app.state.session_factory() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["login", "login.failed"]))
            .order_by(AuditEvent.id.desc())
            .limit(2)
        ).all()
        assert [r.action for r in rows] == ["login", "login.failed"]
        assert rows[1].detail["username"] == user.username
        assert rows[0].user_id == user.id
