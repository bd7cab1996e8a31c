"""A team around one project with a small aligned document, for the team-use tests.

Rows are committed through the app's own session factory (the app under test sees them);
names are unique per call, so tests never depend on each other's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Document, DocumentState, Membership, Pair, Project, Role, Segment, User
from tests.app.conftest import login, make_user, unique

ROLES = ("owner", "reviewer", "translator", "viewer", "outsider")

MEMO: list[tuple[str, str]] = [
    ("СОВЕРШЕННО СЕКРЕТНО", "TOP SECRET"),
    ("В Президиум ЦК КПСС", "To the Presidium of the CPSU Central Committee"),
    (
        "На 1 марта 1957 г. поступило 236 225 жалоб.",
        "As of 1 March 1957, 236,225 complaints had been received.",
    ),
    (
        "Дела, рассмотренные «тройками» ОГПУ и НКВД, проверены не полностью.",
        "Cases heard by the OGPU and NKVD “troikas” have not all been reviewed.",
    ),
    (
        "Проверка показала, что значительная часть дел была сфальсифицирована.",
        "The review has shown that a considerable part of the cases were fabricated.",
    ),
]


@dataclass
class Team:
    project_id: int
    document_id: int
    pair_ids: list[int]
    users: dict[str, User] = field(default_factory=dict)

    def username(self, role: str) -> str:
        return self.users[role].username


def add_document(
    session: Session,
    project_id: int,
    owner_id: int,
    pairs: Sequence[tuple[str, str]] = MEMO,
    title: str = "Memo № 108сс",
) -> tuple[int, list[int]]:
    doc = Document(
        project_id=project_id,
        title=title,
        state=DocumentState.READY,
        ru_text="\n\n".join(ru for ru, _ in pairs),
        en_text="\n\n".join(en for _, en in pairs),
        ru_filename="memo-ru.txt",
        en_filename="memo-en.txt",
        created_by_id=owner_id,
    )
    session.add(doc)
    session.flush()
    ids = []
    for position, (ru, en) in enumerate(pairs):
        pair = Pair(
            document_id=doc.id,
            position=position,
            ru_text=ru,
            en_text=en,
            confidence=0.9,
            ru_paragraph=position,
            en_paragraph=position,
        )
        session.add(pair)
        session.flush()
        for side, text in (("ru", ru), ("en", en)):
            if text:
                session.add(
                    Segment(
                        document_id=doc.id,
                        pair_id=pair.id,
                        side=side,
                        position=0,
                        paragraph=position,
                        text=text,
                    )
                )
        ids.append(pair.id)
    session.flush()
    return doc.id, ids


def make_team(
    app: FastAPI,
    users: dict[str, User] | None = None,
    pairs: Sequence[tuple[str, str]] = MEMO,
) -> Team:
    """A project whose members have each role (plus an outsider), with one document.

    Pass ``users`` to reuse accounts (already signed in elsewhere) for a fresh project.
    """
    with app.state.session_factory() as session, session.begin():
        if users is None:
            users = {role: make_user(session, unique(role)) for role in ROLES}
        project = Project(name=unique("Rehabilitation memos"), created_by_id=users["owner"].id)
        session.add(project)
        session.flush()
        for role in ROLES[:-1]:
            session.add(Membership(project_id=project.id, user_id=users[role].id, role=Role(role)))
        document_id, pair_ids = add_document(session, project.id, users["owner"].id, pairs)
        return Team(project.id, document_id, pair_ids, dict(users))


def client_for(app: FastAPI, username: str | None) -> tuple[TestClient, str]:
    """A client signed in as ``username`` (anonymous when None) and its CSRF token."""
    client = TestClient(app, follow_redirects=False)
    client.__enter__()
    if username is None:
        from tests.app.conftest import page_csrf

        return client, page_csrf(client.get("/login").text)
    return client, login(client, username)
