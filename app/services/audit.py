"""The audit trail: who did what in a project, and who signed in.

Services call :func:`record` for what they know best (membership changes, imports, deletions,
exports, sign-ins). Changes that may come from anywhere in the code — a pair approved or
rejected, a term approved — are noticed when the session flushes them
(:func:`_notice_changes`), so no importer, review or glossary code path can skip the audit.
The acting user of a request is put in ``session.info[ACTOR_KEY]`` when it is authenticated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app.models import (
    AuditEvent,
    Document,
    Pair,
    PairStatus,
    Project,
    Term,
    TermStatus,
    User,
)
from app.services.permissions import Action, require

ACTOR_KEY = "sverka_actor_id"

#: Actions and how the audit page words them.
LABELS = {
    "member.added": "added a member",
    "member.role_changed": "changed a member's role",
    "member.removed": "removed a member",
    "document.import": "imported a document",
    "document.restored": "updated a document from a file",
    "document.deleted": "deleted a document",
    "project.created": "created the project",
    "project.deleted": "deleted the project",
    "pair.approved": "approved a pair",
    "pair.rejected": "rejected a pair",
    "pair.reviewed": "marked a pair reviewed",
    "term.approved": "approved a term",
    "term.deleted": "deleted a term",
    "term.imported": "imported terms",
    "term.candidate_rejected": "rejected a term candidate",
    "export": "exported",
    "login": "signed in",
    "login.failed": "failed to sign in",
    "login.blocked": "was refused sign-in (too many failures)",
    "password.changed": "changed their password",
    "sessions.revoked": "signed out everywhere",
    "token.created": "created an API token",
    "token.revoked": "revoked an API token",
    "user.created": "created an account",
    "user.deactivated": "deactivated an account",
    "user.activated": "reactivated an account",
    "user.password_reset": "reset a password",
}

_PAIR_ACTIONS = {
    PairStatus.APPROVED: "pair.approved",
    PairStatus.REJECTED: "pair.rejected",
    PairStatus.REVIEWED: "pair.reviewed",
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    created_at: datetime
    actor: str
    action: str
    label: str
    detail: dict[str, Any]


def set_actor(session: Session, user: User | None) -> None:
    """Remember who acts in this session (a request's signed-in user or token holder)."""
    if user is not None:
        session.info[ACTOR_KEY] = user.id


def _actor_id(session: Session, actor: User | int | None) -> int | None:
    if isinstance(actor, User):
        return actor.id
    if isinstance(actor, int):
        return actor
    value = session.info.get(ACTOR_KEY)
    return value if isinstance(value, int) else None


def record(
    session: Session,
    action: str,
    *,
    actor: User | int | None = None,
    project_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one audit event (flushed with the rest of the unit of work)."""
    session.add(
        AuditEvent(
            project_id=project_id,
            user_id=_actor_id(session, actor),
            action=action[:60],
            detail={k: v for k, v in detail.items() if v is not None},
        )
    )


def record_export(
    session: Session,
    user: User | None,
    project_id: int,
    *,
    format: str,
    document_id: int | None = None,
) -> None:
    """For the export routes: note who exported what, in which format."""
    record(
        session, "export", actor=user, project_id=project_id, format=format, document=document_id
    )


def _document_project(session: Session, document_id: int) -> int | None:
    return session.scalar(select(Document.project_id).where(Document.id == document_id))


@event.listens_for(Session, "before_flush")
def _notice_changes(session: Session, _context: Any, _instances: Any) -> None:
    events: list[AuditEvent] = []
    actor = session.info.get(ACTOR_KEY)
    for obj in session.dirty:
        if isinstance(obj, Pair):
            history = inspect(obj).attrs.status.history
            if not history.has_changes() or not history.added:
                continue
            new = PairStatus(history.added[0])
            action = _PAIR_ACTIONS.get(new)
            if action is None:
                continue
            project_id = _document_project(session, obj.document_id)
            events.append(
                AuditEvent(
                    project_id=project_id,
                    user_id=actor or obj.updated_by_id,
                    action=action,
                    detail={"document": obj.document_id, "pair": obj.id,
                            "number": obj.position + 1},
                )
            )  # fmt: skip
        elif isinstance(obj, Term):
            history = inspect(obj).attrs.status.history
            if history.added and TermStatus(history.added[0]) is TermStatus.APPROVED:
                events.append(
                    AuditEvent(
                        project_id=obj.project_id,
                        user_id=actor or obj.approved_by_id,
                        action="term.approved",
                        detail={"term": obj.ru},
                    )
                )
    if events:
        session.add_all(events)


# --------------------------------------------------------------------------- reading


def _entries(session: Session, rows: list[AuditEvent]) -> list[AuditEntry]:
    ids = {r.user_id for r in rows if r.user_id is not None}
    names: dict[int, str] = {}
    if ids:
        names = {
            uid: name for uid, name in session.execute(
                select(User.id, User.username).where(User.id.in_(ids))
            )
        }  # fmt: skip
    return [
        AuditEntry(
            id=r.id,
            created_at=r.created_at,
            actor=names.get(r.user_id, "someone") if r.user_id is not None else "the system",
            action=r.action,
            label=LABELS.get(r.action, r.action),
            detail=dict(r.detail or {}),
        )
        for r in rows
    ]


def project_events(
    session: Session, user: User, project_id: int, *, offset: int = 0, limit: int = 100
) -> tuple[list[AuditEntry], int]:
    """A project's audit events, newest first, and how many there are (owners only)."""
    if session.get(Project, project_id) is None:
        require(session, None, project_id, Action.MANAGE)  # raises "not found"
    require(session, user, project_id, Action.MANAGE)
    limit = max(1, min(limit, 500))
    total = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.project_id == project_id)
    )
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.project_id == project_id)
        .order_by(AuditEvent.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    ).all()
    return _entries(session, list(rows)), total or 0


def site_events(
    session: Session, user: User, *, offset: int = 0, limit: int = 100
) -> tuple[list[AuditEntry], int]:
    """Events outside projects (sign-ins, accounts), for administrators."""
    from app.services.errors import PermissionDenied

    if not user.is_admin:
        raise PermissionDenied("Only administrators can see the sign-in log.")
    limit = max(1, min(limit, 500))
    total = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.project_id.is_(None))
    )
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.project_id.is_(None))
        .order_by(AuditEvent.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    ).all()
    return _entries(session, list(rows)), total or 0
