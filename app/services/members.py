"""Project membership: owners add existing accounts with a role, change roles, remove people.

A project always keeps at least one owner: the last owner can be neither demoted nor removed
(the owners' rows are locked while checking, so two owners demoting each other at the same
moment cannot leave the project ownerless). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import Membership, Project, Role, User, utcnow
from app.services import audit, users
from app.services.decoding import normalise_text
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.permissions import Action, require

ROLE_HELP = {
    Role.OWNER: "everything, including members, settings and deleting",
    Role.REVIEWER: "edit, review and approve pairs and terms",
    Role.TRANSLATOR: "edit pairs, fix the alignment, comment, propose terms",
    Role.VIEWER: "read and export",
}


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: int
    username: str
    display_name: str
    role: Role
    is_active: bool


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise ServiceError(f"Unknown role “{value}”: choose one of {roles}.") from exc


def list_members(session: Session, actor: User, project_id: int) -> list[MemberView]:
    """The project's members, owners first (every member may see who else is in)."""
    _project(session, actor, project_id, Action.VIEW)
    order = {Role.OWNER: 0, Role.REVIEWER: 1, Role.TRANSLATOR: 2, Role.VIEWER: 3}
    rows = session.execute(
        select(Membership.role, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id)
    ).all()
    views = [
        MemberView(u.id, u.username, u.display_name, Role(role), u.is_active) for role, u in rows
    ]
    return sorted(views, key=lambda m: (order[m.role], m.username.lower()))


def _project(session: Session, actor: User, project_id: int, action: Action) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    require(session, actor, project_id, action)
    return project


def _membership(session: Session, project_id: int, user_id: int) -> Membership:
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("This person is not a member of the project.")
    return membership


def _other_owners(session: Session, project_id: int, user_id: int) -> int:
    # FOR UPDATE on PostgreSQL: concurrent demotions queue up behind this check.
    owners = session.scalars(
        select(Membership.user_id)
        .where(Membership.project_id == project_id, Membership.role == Role.OWNER)
        .with_for_update()
    ).all()
    return sum(1 for uid in owners if uid != user_id)


def add_member(
    session: Session, actor: User, project_id: int, username: str, role: Role | str
) -> MemberView:
    """Give an existing account a role in the project (owners only)."""
    project = _project(session, actor, project_id, Action.MANAGE)
    role = parse_role(role) if isinstance(role, str) else role
    username = normalise_text(username).strip()
    if not username:
        raise ServiceError("Type the username of the person to add.")
    member = users.get_by_username(session, username)
    if member is None or not member.is_active:
        raise NotFound(
            f"There is no active account “{username}”. An administrator creates accounts "
            "on the Users page (or with `sverka user add`)."
        )
    existing = session.scalar(
        select(Membership).where(
            Membership.project_id == project_id, Membership.user_id == member.id
        )
    )
    if existing is not None:
        raise Conflict(
            f"{member.username} is already a member ({Role(existing.role).value}): change "
            "their role in the list instead."
        )
    session.add(Membership(project_id=project_id, user_id=member.id, role=role))
    project.updated_at = utcnow()
    session.flush()
    audit.record(
        session, "member.added", actor=actor, project_id=project_id,
        member=member.username, role=role.value,
    )  # fmt: skip
    return MemberView(member.id, member.username, member.display_name, role, member.is_active)


def change_role(
    session: Session, actor: User, project_id: int, user_id: int, role: Role | str
) -> MemberView:
    """Give a member another role; the last owner stays an owner."""
    _project(session, actor, project_id, Action.MANAGE)
    role = parse_role(role) if isinstance(role, str) else role
    membership = _membership(session, project_id, user_id)
    old = Role(membership.role)
    if (
        old is Role.OWNER
        and role is not Role.OWNER
        and _other_owners(session, project_id, user_id) == 0
    ):
        raise ServiceError("A project needs at least one owner: make someone else an owner first.")
    member = session.get(User, user_id)
    assert member is not None
    if old is not role:
        membership.role = role
        session.flush()
        audit.record(
            session, "member.role_changed", actor=actor, project_id=project_id,
            member=member.username, old=old.value, role=role.value,
        )  # fmt: skip
    return MemberView(member.id, member.username, member.display_name, role, member.is_active)


def remove_member(session: Session, actor: User, project_id: int, user_id: int) -> str:
    """Take a member out of the project (their past work stays); returns their username."""
    _project(session, actor, project_id, Action.MANAGE)
    membership = _membership(session, project_id, user_id)
    if Role(membership.role) is Role.OWNER and _other_owners(session, project_id, user_id) == 0:
        raise ServiceError(
            "This is the project's last owner: make someone else an owner before removing them."
        )
    member = session.get(User, user_id)
    username = member.username if member else str(user_id)
    session.execute(
        delete(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)
    )
    session.expire_all()
    audit.record(session, "member.removed", actor=actor, project_id=project_id, member=username)
    return username


def owner_count(session: Session, project_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.project_id == project_id, Membership.role == Role.OWNER)
        )
        or 0
    )
