"""Find and replace as a translator uses it: a preview of every change, one undo for all of it,
history per pair, and bad patterns or destructive replacements stopped with a message."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Document,
    DocumentState,
    Membership,
    Operation,
    Pair,
    PairStatus,
    Project,
    Revision,
    Role,
    Segment,
    User,
)
from app.services import review
from app.services.errors import Conflict, NotFound, PermissionDenied, ServiceError
from app.services.replace import ReplaceRequest, apply, preview
from tests.app.test_tm import make_project, make_user

RU = [
    "Тройка лошадей стояла у крыльца.",
    "Мы ехали на тройке до самого вечера.",
    "Категория груза: первая.",
    "Цена билета 300 рублей.",
]
EN = [
    "A troika of horses stood by the porch.",
    "We rode in the troika until evening.",
    "Cargo category: first.",
    "The ticket cost 300 roubles.",
]


def make_doc(session: Session, project: Project, title: str = "Глава") -> Document:
    doc = Document(project_id=project.id, title=title, state=DocumentState.READY)
    session.add(doc)
    session.flush()
    for i, (ru, en) in enumerate(zip(RU, EN, strict=True)):
        pair = Pair(
            document_id=doc.id,
            position=i,
            ru_text=ru,
            en_text=en,
            status=PairStatus.REVIEWED,
            ru_paragraph=i,
            en_paragraph=i,
        )
        pair.segments = [
            Segment(document_id=doc.id, side="ru", position=0, paragraph=i, text=ru),
            Segment(document_id=doc.id, side="en", position=0, paragraph=i, text=en),
        ]
        session.add(pair)
    session.flush()
    return doc


@pytest.fixture
def owner(session: Session) -> User:
    return make_user(session, "nina")


@pytest.fixture
def doc(session: Session, owner: User) -> Document:
    return make_doc(session, make_project(session, owner))


def texts(session: Session, doc: Document, side: str = "en") -> list[str]:
    session.expire_all()
    pairs = session.scalars(select(Pair).where(Pair.document_id == doc.id).order_by(Pair.position))
    return [getattr(p, f"{side}_text") for p in pairs]


def test_preview_lists_every_change_and_changes_nothing(
    session: Session, owner: User, doc: Document
) -> None:
    req = ReplaceRequest(find="troika", replace="three-horse sledge", side="en")
    result = preview(session, owner, req, document_id=doc.id)
    assert result.total_pairs == 2 and result.total_hits == 2
    first = result.changes[0]
    assert first.before[first.hits[0][0] : first.hits[0][1]] == "troika"
    assert first.after == "A three-horse sledge of horses stood by the porch."
    assert texts(session, doc) == EN


def test_apply_is_one_operation_with_history_and_one_undo_takes_it_back(
    session: Session, owner: User, doc: Document
) -> None:
    req = ReplaceRequest(find="troika", replace="sledge", side="en")
    token = preview(session, owner, req, document_id=doc.id).token
    result = apply(session, owner, req, document_id=doc.id, token=token)
    assert result.pairs == 2 and len(result.operation_ids) == 1
    assert texts(session, doc) == [
        "A sledge of horses stood by the porch.",
        "We rode in the sledge until evening.",
        EN[2],
        EN[3],
    ]
    op = session.get(Operation, result.operation_ids[0])
    assert op is not None and op.kind == "replace"
    changed = session.scalars(
        select(Revision.before).where(Revision.operation_id == op.id, Revision.field == "en_text")
    ).all()
    assert sorted(changed) == sorted(EN[:2])
    review.undo(session, owner, doc.id)
    assert texts(session, doc) == EN


def test_whole_word_and_case_sensitive(session: Session, owner: User, doc: Document) -> None:
    loose = preview(session, owner, ReplaceRequest(find="cat", replace="dog"), document_id=doc.id)
    assert loose.total_pairs == 1  # "category"
    whole = ReplaceRequest(find="cat", replace="dog", whole_word=True)
    assert preview(session, owner, whole, document_id=doc.id).total_pairs == 0
    exact = ReplaceRequest(find="A troika", replace="The troika", case_sensitive=True)
    assert preview(session, owner, exact, document_id=doc.id).total_pairs == 1
    loose_case = ReplaceRequest(find="a troika", replace="The troika")
    assert preview(session, owner, loose_case, document_id=doc.id).total_pairs == 1
    assert (
        preview(
            session,
            owner,
            ReplaceRequest(find="a troika", replace="x", case_sensitive=True),
            document_id=doc.id,
        ).total_pairs
        == 0
    )


def test_regex_with_groups(session: Session, owner: User, doc: Document) -> None:
    req = ReplaceRequest(find=r"(\d+) roubles", replace=r"\1 rubles", mode="regex")
    apply(session, owner, req, document_id=doc.id)
    assert texts(session, doc)[3] == "The ticket cost 300 rubles."


def test_lemma_mode_finds_every_form_and_inflects_the_replacement(
    session: Session, owner: User, doc: Document
) -> None:
    req = ReplaceRequest(find="тройка", replace="пятёрка", side="ru", mode="lemma")
    result = preview(session, owner, req, document_id=doc.id)
    assert [c.after for c in result.changes] == [
        "Пятёрка лошадей стояла у крыльца.",
        "Мы ехали на пятёрке до самого вечера.",
    ]


def test_a_catastrophic_regex_is_stopped_with_a_message_and_nothing_changes(
    session: Session, owner: User, doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import replace

    monkeypatch.setattr(replace, "REGEX_BUDGET", 0.2)
    session.add(Pair(document_id=doc.id, position=4, ru_text="-", en_text="a" * 40 + "!"))
    session.flush()
    req = ReplaceRequest(find=r"(a|aa)+b", replace="x", mode="regex")
    with pytest.raises(ServiceError) as caught:
        apply(session, owner, req, document_id=doc.id)
    assert "takes too long" in caught.value.message
    assert texts(session, doc)[:4] == EN
    with pytest.raises(ServiceError, match="not valid"):
        preview(
            session, owner, ReplaceRequest(find="(", replace="", mode="regex"), document_id=doc.id
        )


def test_emptying_pairs_needs_confirmation(session: Session, owner: User, doc: Document) -> None:
    req = ReplaceRequest(find=r"^.*$", replace="", mode="regex")
    assert preview(session, owner, req, document_id=doc.id).emptied == 4
    with pytest.raises(ServiceError, match="every pair it changes"):
        apply(session, owner, req, document_id=doc.id)
    assert texts(session, doc) == EN
    apply(session, owner, req, document_id=doc.id, confirm_empty=True)
    assert texts(session, doc) == ["", "", "", ""]


def test_apply_refuses_when_the_pairs_changed_since_the_preview(
    session: Session, owner: User, doc: Document
) -> None:
    req = ReplaceRequest(find="troika", replace="sledge")
    token = preview(session, owner, req, document_id=doc.id).token
    pair = session.scalars(select(Pair).where(Pair.document_id == doc.id, Pair.position == 1)).one()
    review.edit_text(session, owner, pair.id, "en", "We rode the troika all day.", pair.version)
    with pytest.raises(Conflict):
        apply(session, owner, req, document_id=doc.id, token=token)
    assert texts(session, doc)[0] == EN[0]


def test_project_scope_and_permissions(session: Session, owner: User, doc: Document) -> None:
    second = make_doc(session, session.get(Project, doc.project_id), "Глава 2")  # type: ignore[arg-type]
    req = ReplaceRequest(find="troika", replace="sledge")
    result = apply(session, owner, req, project_id=doc.project_id)
    assert result.pairs == 4 and len(result.operation_ids) == 2
    assert texts(session, second)[0] == "A sledge of horses stood by the porch."

    viewer = make_user(session, "vova")
    session.add(Membership(project_id=doc.project_id, user_id=viewer.id, role=Role.VIEWER))
    session.flush()
    with pytest.raises(PermissionDenied):
        preview(session, viewer, req, document_id=doc.id)
    stranger = make_user(session, "stas")
    with pytest.raises(NotFound):
        apply(session, stranger, req, document_id=doc.id)
