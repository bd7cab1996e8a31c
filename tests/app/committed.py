"""Rows that really commit, for tests of jobs and crash safety.

Jobs run in other threads and processes, which cannot see the rolled-back ``session`` fixture's
transaction; these tests commit for real and remove what they made afterwards.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Job, JobState, Membership, Project, Role, User
from app.services import jobs


class CommittedDB:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = sessionmaker(bind=engine, expire_on_commit=False)
        self.scope = jobs.scope_from(self.factory)
        self._users: list[int] = []
        self._projects: list[int] = []

    def session(self) -> Session:
        return self.factory()

    def user(self, *, admin: bool = False) -> int:
        with self.scope() as session:
            user = User(
                username=f"t-{uuid.uuid4().hex[:12]}",
                display_name="Test translator",
                password_hash="not-a-real-hash",
                is_admin=admin,
            )
            session.add(user)
            session.flush()
            self._users.append(user.id)
            return user.id

    def project(self, owner_id: int, *, members: dict[int, Role] | None = None) -> int:
        with self.scope() as session:
            project = Project(name=f"Test project {uuid.uuid4().hex[:6]}", created_by_id=owner_id)
            session.add(project)
            session.flush()
            session.add(Membership(project_id=project.id, user_id=owner_id, role=Role.OWNER))
            for user_id, role in (members or {}).items():
                session.add(Membership(project_id=project.id, user_id=user_id, role=role))
            self._projects.append(project.id)
            return project.id

    def set_aside_leftover_jobs(self) -> None:
        """Mark jobs other tests left queued in the shared test database as failed.

        Workers started by these tests claim any queued job; one left by another test (say, an
        import of a long pasted text) would run here and make the test slow or wrong.
        """
        with self.scope() as session:
            session.execute(
                update(Job)
                .where(Job.state == JobState.QUEUED)
                .values(state=JobState.FAILED, error="left over from another test")
            )

    def cleanup(self) -> None:
        with self.scope() as session:
            if self._projects:
                session.execute(delete(Project).where(Project.id.in_(self._projects)))
            if self._users:
                session.execute(delete(Job).where(Job.user_id.in_(self._users)))
                session.execute(delete(User).where(User.id.in_(self._users)))
