"""The translation memory as a translator meets it: reviewed work and TMX files come back as
ranked matches while editing, and exact matches can fill empty translations."""

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
    TMUnit,
    User,
)
from app.services import review
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.tm import best_matches, import_memory, prefill, sync_project_memory


def make_user(session: Session, name: str) -> User:
    user = User(username=name, password_hash="x")
    session.add(user)
    session.flush()
    return user


def make_project(session: Session, owner: User, name: str = "Ионыч") -> Project:
    project = Project(name=name)
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, user_id=owner.id, role=Role.OWNER))
    session.flush()
    return project


def make_document(
    session: Session,
    project: Project,
    rows: list[tuple[str, str, PairStatus]],
    title: str = "Глава 1",
) -> Document:
    doc = Document(project_id=project.id, title=title, state=DocumentState.READY)
    session.add(doc)
    session.flush()
    for i, (ru, en, status) in enumerate(rows):
        session.add(Pair(document_id=doc.id, position=i, ru_text=ru, en_text=en, status=status))
    session.flush()
    return doc


R = PairStatus.REVIEWED


@pytest.fixture
def translator(session: Session) -> User:
    return make_user(session, "masha")


@pytest.fixture
def project(session: Session, translator: User) -> Project:
    return make_project(session, translator)


def test_reviewed_pairs_are_found_inflection_ranked_above_another_word(
    session: Session, translator: User, project: Project
) -> None:
    make_document(
        session,
        project,
        [
            ("Мы ехали на тройке лошадей через лес.", "We rode a troika through the forest.", R),
            (
                "Мы ехали на паре лошадей через лес.",
                "We rode a pair of horses through the forest.",
                R,
            ),
            ("Мы ехали на тройке лошадей через поле.", "Draft only.", PairStatus.AUTO),
        ],
    )
    matches = best_matches(
        session, translator, "Мы ехали на тройку лошадей через лес.", project_id=project.id
    )
    assert [m.en for m in matches] == [
        "We rode a troika through the forest.",
        "We rode a pair of horses through the forest.",
    ]
    top = matches[0]
    assert 90 <= top.score < 100
    assert top.origin == "Ионыч / Глава 1"
    assert top.date is not None
    assert [(top.ru[s.start : s.end], s.kind) for s in top.spans] == [("тройке", "inflection")]


def test_a_pair_leaves_the_memory_when_it_is_no_longer_reviewed(
    session: Session, translator: User, project: Project
) -> None:
    doc = make_document(
        session, project, [("Старый дом стоял у реки.", "The old house stood by the river.", R)]
    )
    pair = doc.pairs[0]
    found = best_matches(session, translator, "Старый дом стоял у реки.", project_id=project.id)
    assert found and found[0].score == 100
    pair.status = PairStatus.REJECTED
    session.flush()
    assert (
        best_matches(session, translator, "Старый дом стоял у реки.", project_id=project.id) == []
    )
    pair.status = PairStatus.APPROVED
    pair.en_text = "The old house stood on the river bank."
    session.flush()
    found = best_matches(session, translator, "Старый дом стоял у реки.", project_id=project.id)
    assert [m.en for m in found] == ["The old house stood on the river bank."]


def test_the_pair_being_edited_is_not_its_own_match_and_numbers_are_substituted(
    session: Session, translator: User, project: Project
) -> None:
    doc = make_document(
        session,
        project,
        [
            (
                "В 1937 году в городе жили 10 000 человек.",
                "In 1937, 10,000 people lived in the town.",
                R,
            ),
            ("В 1938 году в городе жили 12 000 человек.", "", PairStatus.AUTO),
        ],
    )
    editing = doc.pairs[1]
    [match] = best_matches(
        session, translator, editing.ru_text, project_id=project.id, pair_id=editing.id
    )
    assert match.en == "In 1938, 12,000 people lived in the town."
    assert {s.kind for s in match.spans} == {"number"}


def test_matches_never_come_from_a_project_the_user_is_not_in(
    session: Session, translator: User, project: Project
) -> None:
    stranger = make_user(session, "petya")
    other = make_project(session, stranger, "Чужой проект")
    make_document(
        session, other, [("Секретный отчёт лежит в сейфе.", "The secret report is in the safe.", R)]
    )
    assert (
        best_matches(session, translator, "Секретный отчёт лежит в сейфе.", project_id=project.id)
        == []
    )
    assert best_matches(session, stranger, "Секретный отчёт лежит в сейфе.", project_id=other.id)
    with pytest.raises(NotFound):
        best_matches(session, translator, "Секретный отчёт.", project_id=other.id)


def test_same_neighbours_make_a_context_match(
    session: Session, translator: User, project: Project
) -> None:
    rows = [
        ("Наступила зима.", "Winter came.", R),
        ("Снег шёл три дня.", "It snowed for three days.", R),
        ("Дороги замело.", "The roads were snowed under.", R),
    ]
    make_document(session, project, rows, title="Старая редакция")
    new = make_document(
        session,
        project,
        [
            ("Наступила зима.", "", PairStatus.AUTO),
            ("Снег шёл три дня.", "", PairStatus.AUTO),
            ("Дороги замело.", "", PairStatus.AUTO),
            ("Снег шёл три дня.", "", PairStatus.AUTO),
        ],
        title="Новая редакция",
    )
    in_context = best_matches(
        session, translator, "Снег шёл три дня.", project_id=project.id, pair_id=new.pairs[1].id
    )
    out_of_context = best_matches(
        session, translator, "Снег шёл три дня.", project_id=project.id, pair_id=new.pairs[3].id
    )
    assert in_context[0].score == 101
    assert out_of_context[0].score == 100


def test_prefill_fills_only_empty_translations_as_one_operation(
    session: Session, translator: User, project: Project
) -> None:
    make_document(
        session,
        project,
        [
            ("Наступила зима.", "Winter came.", R),
            ("Дороги замело.", "The roads were snowed under.", R),
        ],
    )
    new = make_document(
        session,
        project,
        [
            ("Наступила зима.", "", PairStatus.AUTO),
            ("Дороги замело.", "Roads were covered.", PairStatus.AUTO),
            ("Наступила весна.", "", PairStatus.AUTO),
        ],
        title="Новая",
    )
    result = prefill(session, translator, new.id)
    assert result.filled == 1
    assert [p.en_text for p in new.pairs] == ["Winter came.", "Roads were covered.", ""]
    op = session.get(Operation, result.operation_id)
    assert op is not None and op.kind == "prefill"
    revisions = session.scalars(
        select(Revision).where(Revision.operation_id == op.id, Revision.field == "en_text")
    ).all()
    assert [(r.pair_id, r.before, r.after) for r in revisions] == [
        (new.pairs[0].id, "", "Winter came.")
    ]
    review.undo(session, translator, new.id)  # one Ctrl+Z takes the whole prefill back
    session.expire_all()
    assert [p.en_text for p in new.pairs] == ["", "Roads were covered.", ""]


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="ru" creationtool="OmegaT" datatype="plaintext"
 segtype="sentence" adminlang="en" o-tmf="x"/>
<body>
<tu creationid="anna" changedate="20240105T101500Z">
<tuv xml:lang="ru"><seg>Доктор Старцев приехал в город.</seg></tuv>
<tuv xml:lang="en"><seg>Doctor Startsev came to the town.</seg></tuv></tu>
<tu><tuv xml:lang="ru"><seg>Вечером он играл в винт.</seg></tuv>
<tuv xml:lang="en-GB"><seg>In the evening he played vint.</seg></tuv></tu>
</body></tmx>
"""


def test_an_imported_tmx_memory_is_searchable(
    session: Session, translator: User, project: Project
) -> None:
    memory = import_memory(session, translator, project.id, TMX.encode(), filename="chekhov.tmx")
    assert memory.unit_count == 2
    [match] = best_matches(
        session, translator, "Доктор Старцев приехал в городе.", project_id=project.id
    )
    assert match.en == "Doctor Startsev came to the town."
    assert match.origin == "memory chekhov.tmx"
    assert match.author == "anna"
    assert match.date is not None and match.date.year == 2024


def test_a_broken_or_huge_tmx_is_refused_and_nothing_is_stored(
    session: Session, translator: User, project: Project
) -> None:
    before = session.scalar(select(TMUnit.id).limit(1))
    with pytest.raises(ServiceError) as broken:
        import_memory(session, translator, project.id, TMX[:-40].encode(), filename="cut.tmx")
    assert "cut.tmx" in broken.value.message
    with pytest.raises(TooLarge) as huge:
        import_memory(
            session,
            translator,
            project.id,
            TMX.encode() + b" " * 4096,
            filename="big.tmx",
            max_bytes=2048,
        )
    assert "Split it" in huge.value.message
    assert session.scalar(select(TMUnit.id).limit(1)) == before


def test_sync_rebuilds_units_for_pairs_changed_without_the_orm(
    session: Session, translator: User, project: Project
) -> None:
    from sqlalchemy import update

    doc = make_document(
        session,
        project,
        [("Сад был старый и тенистый.", "The garden was old and shady.", PairStatus.TRANSLATED)],
    )
    session.execute(
        update(Pair).where(Pair.document_id == doc.id).values(status=PairStatus.APPROVED)
    )
    assert (
        best_matches(session, translator, "Сад был старый и тенистый.", project_id=project.id) == []
    )
    assert sync_project_memory(session, project.id) == 1
    assert (
        best_matches(session, translator, "Сад был старый и тенистый.", project_id=project.id)[
            0
        ].score
        == 100
    )
