"""Deleting documents and projects (owners only), audited.

Rows are removed with one DELETE each and the database's ``ON DELETE CASCADE`` takes the pairs,
segments, history and jobs with them: loading thousands of pairs into the session first would
make deleting a book slow.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import Document, Project, User
from app.services import audit
from app.services.errors import NotFound
from app.services.permissions import Action, require


def delete_document(
    session: Session, actor: User, document_id: int, expected_version: int | None = None
) -> str:
    """Delete a document with everything aligned in it; returns its title."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    require(session, actor, doc.project_id, Action.MANAGE)
    if expected_version is not None and doc.version != expected_version:
        from app.services.errors import Conflict

        raise Conflict("The document was changed since you loaded it: reload and try again.")
    title, project_id = doc.title, doc.project_id
    session.expunge(doc)
    session.execute(delete(Document).where(Document.id == document_id))
    audit.record(
        session, "document.deleted", actor=actor, project_id=project_id,
        title=title, document=document_id,
    )  # fmt: skip
    return title


def delete_project(session: Session, actor: User, project_id: int) -> str:
    """Delete a project with its documents, glossary and members; returns its name."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    require(session, actor, project_id, Action.MANAGE)
    name = project.name
    session.expunge(project)
    session.execute(delete(Project).where(Project.id == project_id))
    # The project's own events go with it; the deletion itself stays in the site log.
    audit.record(session, "project.deleted", actor=actor, project=project_id, name=name)
    return name
