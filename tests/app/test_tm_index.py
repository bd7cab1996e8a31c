"""The process-level index holds committed units only, catches up with new ones and never
returns a unit that was deleted since it was indexed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.models import Document, DocumentState, Membership, Pair, PairStatus, Project, Role, User
from app.services import tm


@pytest.fixture
def committed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    monkeypatch.setattr(tm, "CATCH_UP_SECONDS", 0.0)
    tm.forget_indexes()
    with Session(engine) as s:
        user = User(username="index-user", password_hash="x")
        project = Project(name="Committed")
        s.add_all([user, project])
        s.flush()
        s.add(Membership(project_id=project.id, user_id=user.id, role=Role.OWNER))
        doc = Document(project_id=project.id, title="Глава", state=DocumentState.READY)
        s.add(doc)
        s.flush()
        rows = [
            ("Сад был старый и тенистый.", "The garden was old and shady."),
            ("Дом стоял на высоком берегу реки.", "The house stood on the high river bank."),
        ]
        for i, (ru, en) in enumerate(rows):
            s.add(
                Pair(
                    document_id=doc.id,
                    position=i,
                    ru_text=ru,
                    en_text=en,
                    status=PairStatus.APPROVED,
                )
            )
        s.commit()
        ids = (user.id, project.id)
    try:
        yield ids
    finally:
        with Session(engine) as s:
            s.execute(delete(Project).where(Project.id == ids[1]))
            s.execute(delete(User).where(User.id == ids[0]))
            s.commit()
        tm.forget_indexes()


def test_committed_units_are_found_through_the_index(
    engine: Engine, committed: tuple[int, int]
) -> None:
    user_id, project_id = committed
    with Session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        [match] = tm.best_matches(
            s, user, "Дом стоял на высоком берегу реки!", project_id=project_id
        )
        index = tm.memory_index(s)
        assert index is not None and len(index) >= 2  # found by the index, not the tail
        assert match.en == "The house stood on the high river bank."

        # A unit deleted (pair no longer approved) is not returned, though still indexed.
        pair = s.query(Pair).filter(Pair.ru_text.startswith("Дом")).one()
        pair.status = PairStatus.TRANSLATED
        s.commit()
        assert (
            tm.best_matches(s, user, "Дом стоял на высоком берегу реки!", project_id=project_id)
            == []
        )

        # A newly approved pair is caught up with.
        pair.status = PairStatus.APPROVED
        pair.en_text = "The house stood high above the river."
        s.commit()
        [match] = tm.best_matches(
            s, user, "Дом стоял на высоком берегу реки!", project_id=project_id
        )
        assert match.en == "The house stood high above the river."
        assert index.max_id >= match.unit_id  # caught up, not only seen through the tail
