"""Who may do what in a project. Checked in services, not only hidden in templates."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.models import Membership, Project, Role, User
from app.services.errors import NotFound, PermissionDenied


class Action(enum.StrEnum):
    VIEW = "view"  # read pages, pairs, terms
    EXPORT = "export"  # TMX/XLIFF/editions
    EDIT = "edit"  # edit text, fix alignment, comment, confirm alignment
    PROPOSE_TERM = "propose_term"
    REVIEW = "review"  # mark reviewed / approve / reject pairs
    APPROVE_TERM = "approve_term"  # approve, deprecate, forbid, edit terms
    MANAGE = "manage"  # members, settings, delete project or documents


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.REVIEWER: frozenset(
        {Action.VIEW, Action.EXPORT, Action.EDIT, Action.PROPOSE_TERM, Action.REVIEW,
         Action.APPROVE_TERM}
    ),
    Role.TRANSLATOR: frozenset({Action.VIEW, Action.EXPORT, Action.EDIT, Action.PROPOSE_TERM}),
    Role.VIEWER: frozenset({Action.VIEW, Action.EXPORT}),
}

_WHAT = {
    Action.VIEW: "see this project",
    Action.EXPORT: "export from this project",
    Action.EDIT: "edit pairs in this project",
    Action.PROPOSE_TERM: "propose terms in this project",
    Action.REVIEW: "review or approve pairs (reviewers and owners can)",
    Action.APPROVE_TERM: "approve or change terms (reviewers and owners can)",
    Action.MANAGE: "manage this project (only its owners can)",
}


def role_of(session: Session, user: User | None, project_id: int) -> Role | None:
    """The user's role in the project, or None when they are not a member.

    Remembered for the rest of the session's transaction (a page asks several times), and
    forgotten as soon as the session writes anything or the transaction ends.
    """
    if user is None:
        return None
    memo = _roles(session)
    key = (user.id, project_id)
    if key not in memo:
        memo[key] = session.scalar(
            select(Membership.role).where(
                Membership.project_id == project_id, Membership.user_id == user.id
            )
        )
    return memo[key]


def _roles(session: Session) -> dict[tuple[int, int], Role | None]:
    memo: dict[tuple[int, int], Role | None] | None = session.info.get("sverka_roles")
    if memo is None:
        memo = session.info["sverka_roles"] = {}

        def forget(*_: Any) -> None:
            memo.clear()

        def forget_after_write(state: ORMExecuteState) -> None:
            if not state.is_select:
                memo.clear()

        event.listen(session, "after_flush", forget)
        event.listen(session, "after_transaction_end", forget)
        event.listen(session, "do_orm_execute", forget_after_write)
    return memo


def can(session: Session, user: User | None, project_id: int, action: Action) -> bool:
    """Whether ``user`` may do ``action`` in the project (site admins may do everything)."""
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    role = role_of(session, user, project_id)
    if role is None:
        return False
    if role is Role.VIEWER and action is Action.EXPORT:
        project = session.get(Project, project_id)
        return bool(project and project.viewers_may_export)
    return action in _ALLOWED[role]


def require(session: Session, user: User | None, project_id: int, action: Action) -> None:
    """Raise :class:`PermissionDenied` (or :class:`NotFound` for non-members) unless allowed.

    Non-members get "not found" so that project ids do not leak.
    """
    if can(session, user, project_id, action):
        return
    if user is None or (not user.is_admin and role_of(session, user, project_id) is None):
        raise NotFound("No such project, or you are not a member of it.")
    raise PermissionDenied(f"Your role does not allow you to {_WHAT[action]}.")
