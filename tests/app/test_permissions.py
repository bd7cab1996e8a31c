"""Roles are enforced in the services: a translator cannot do what only a reviewer may."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.models import Document, DocumentState, Pair, PairStatus, Project, Role, User
from app.services import projects
from app.services.errors import NotFound, PermissionDenied
from app.services.permissions import Action, can, require
from tests.app.conftest import make_user, unique


@pytest.fixture
def team(session: Session) -> dict[str, User | Project]:
    """A project with one user per role, an outsider and a site admin (rolled back)."""
    owner = make_user(session, unique("owner"))
    project = projects.create_project(session, owner, unique("Архив"))
    people: dict[str, User | Project] = {"project": project, "owner": owner}
    for role in (Role.REVIEWER, Role.TRANSLATOR, Role.VIEWER):
        people[role.value] = make_user(
            session, unique(role.value), role=role, project_id=project.id
        )
    people["outsider"] = make_user(session, unique("outsider"))
    people["admin"] = make_user(session, unique("admin"), admin=True)
    return people


EXPECTED = {
    # action: who may (besides site admins)
    Action.VIEW: {"owner", "reviewer", "translator", "viewer"},
    Action.EXPORT: {"owner", "reviewer", "translator", "viewer"},
    Action.EDIT: {"owner", "reviewer", "translator"},
    Action.PROPOSE_TERM: {"owner", "reviewer", "translator"},
    Action.REVIEW: {"owner", "reviewer"},
    Action.APPROVE_TERM: {"owner", "reviewer"},
    Action.MANAGE: {"owner"},
}


@pytest.mark.parametrize("action", list(Action))
def test_permission_matrix(session: Session, team: dict, action: Action) -> None:
    project_id = team["project"].id
    for who in ("owner", "reviewer", "translator", "viewer", "outsider", "admin"):
        allowed = who in EXPECTED[action] or who == "admin"
        assert can(session, team[who], project_id, action) is allowed, (who, action)
    assert can(session, None, project_id, action) is False


def test_translator_is_told_why_not(session: Session, team: dict) -> None:
    with pytest.raises(PermissionDenied, match="reviewers and owners can"):
        require(session, team["translator"], team["project"].id, Action.REVIEW)


def test_outsiders_are_told_the_project_does_not_exist(session: Session, team: dict) -> None:
    with pytest.raises(NotFound):
        require(session, team["outsider"], team["project"].id, Action.VIEW)
    with pytest.raises(NotFound):
        projects.get_project(session, team["outsider"], team["project"].id)


def test_viewers_export_only_when_the_project_allows(session: Session, team: dict) -> None:
    project = team["project"]
    project.viewers_may_export = False
    session.flush()
    assert not can(session, team["viewer"], project.id, Action.EXPORT)
    assert can(session, team["translator"], project.id, Action.EXPORT)


def test_deactivated_members_may_do_nothing(session: Session, team: dict) -> None:
    team["reviewer"].is_active = False
    session.flush()
    assert not can(session, team["reviewer"], team["project"].id, Action.VIEW)


def test_only_owners_add_members(session: Session, team: dict) -> None:
    project_id = team["project"].id
    newcomer = make_user(session, unique("new"))
    for who in ("reviewer", "translator", "viewer"):
        with pytest.raises(PermissionDenied):
            projects.add_member(session, team[who], project_id, newcomer, Role.REVIEWER)
    projects.add_member(session, team["owner"], project_id, newcomer, Role.TRANSLATOR)
    assert projects.user_role(session, newcomer, project_id) is Role.TRANSLATOR


def _pair(session: Session, project_id: int) -> Pair:
    doc = Document(project_id=project_id, title="Записка", state=DocumentState.READY)
    session.add(doc)
    session.flush()
    pair = Pair(
        document_id=doc.id,
        position=0,
        ru_text="Дело пересмотрено Военной коллегией.",
        en_text="The case was reviewed by the Military Collegium.",
        status=PairStatus.TRANSLATED,
    )
    session.add(pair)
    session.flush()
    return pair


def test_translator_cannot_approve_a_pair_but_a_reviewer_can(session: Session, team: dict) -> None:
    review = pytest.importorskip("app.services.review")
    pair = _pair(session, team["project"].id)
    with pytest.raises(PermissionDenied):
        review.set_status(session, team["translator"], pair.id, "approved")
    session.refresh(pair)
    assert pair.status is PairStatus.TRANSLATED
    review.set_status(session, team["reviewer"], pair.id, "approved")
    session.refresh(pair)
    assert pair.status is PairStatus.APPROVED
    # and a translator cannot take the approval back either
    with pytest.raises(PermissionDenied):
        review.set_status(session, team["translator"], pair.id, "translated")
