"""Projects: creating them, listing what a user may see, and their documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Document, Membership, Project, Role, User, utcnow
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, require, role_of


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    role: Role | None  # None for site admins who are not members
    documents: int


def create_project(
    session: Session,
    user: User,
    name: str,
    *,
    description: str = "",
    source_lang: str = "ru",
    target_lang: str = "en",
) -> Project:
    """A new project; its creator becomes its owner."""
    from app.services.decoding import normalise_text

    # Control and bidi-override characters would let a name display as something it is not.
    name = " ".join(normalise_text(name).split())
    description = normalise_text(description)
    if not name:
        raise ServiceError("Give the project a name.")
    if len(name) > 200:
        raise ServiceError("A project name can have at most 200 characters.")
    project = Project(
        name=name,
        description=description.strip(),
        source_lang=source_lang,
        target_lang=target_lang,
        created_by_id=user.id,
    )
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, user_id=user.id, role=Role.OWNER))
    session.flush()
    return project


def list_projects(session: Session, user: User) -> list[ProjectSummary]:
    """The projects ``user`` is a member of (site admins see every project), newest first."""
    doc_count = (
        select(Document.project_id, func.count(Document.id).label("n"))
        .group_by(Document.project_id)
        .subquery()
    )
    membership = (
        select(Membership.project_id, Membership.role)
        .where(Membership.user_id == user.id)
        .subquery()
    )
    query = (
        select(Project, membership.c.role, func.coalesce(doc_count.c.n, 0))
        .outerjoin(membership, membership.c.project_id == Project.id)
        .outerjoin(doc_count, doc_count.c.project_id == Project.id)
        .order_by(Project.updated_at.desc(), Project.id.desc())
    )
    if not user.is_admin:
        query = query.where(membership.c.role.is_not(None))
    return [
        ProjectSummary(project=p, role=Role(r) if r else None, documents=int(n))
        for p, r, n in session.execute(query)
    ]


def get_project(session: Session, user: User, project_id: int) -> Project:
    """The project, if ``user`` may see it; otherwise :class:`NotFound` (ids do not leak)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    require(session, user, project_id, Action.VIEW)
    return project


def project_documents(session: Session, user: User, project_id: int) -> list[Document]:
    require(session, user, project_id, Action.VIEW)
    return list(
        session.scalars(
            select(Document).where(Document.project_id == project_id).order_by(Document.id)
        )
    )


def user_role(session: Session, user: User, project_id: int) -> Role | None:
    return role_of(session, user, project_id)


def add_member(
    session: Session, actor: User, project_id: int, member: User, role: Role
) -> Membership:
    """Give ``member`` a role in the project (owners only); changes the role if already in."""
    require(session, actor, project_id, Action.MANAGE)
    existing = session.scalar(
        select(Membership).where(
            Membership.project_id == project_id, Membership.user_id == member.id
        )
    )
    if existing is not None:
        existing.role = role
        session.flush()
        return existing
    membership = Membership(project_id=project_id, user_id=member.id, role=role)
    session.add(membership)
    project = session.get(Project, project_id)
    if project is not None:
        project.updated_at = utcnow()
    session.flush()
    return membership


def find_project_by_name(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name).limit(1))
