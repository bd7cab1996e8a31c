"""QA service: findings stored per pair, dismissed flags, whole documents, the save hook."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Pair, QAIssue
from app.services import glossary, qa
from app.services.errors import PermissionDenied
from app.services.glossary import EquivalentInput as Eq
from tests.app.test_glossary_service import World, make_world

PAIRS = [
    (
        "Дело было рассмотрено тройкой УНКВД по Новосибирской области.",
        "The case was considered by the three of the UNKVD for Novosibirsk Oblast.",
    ),
    (
        "На 1 марта 1957 г. поступило 236 225 жалоб.",
        "As of 1 March 1957, 263,225 complaints had been received.",
    ),
    ("Экз. № 2", "Copy No. 2"),
]


@pytest.fixture
def world(session: Session) -> World:
    glossary.forget_matchers()
    w = make_world(session, PAIRS)
    glossary.create_term(session, w.reviewer, w.project.id, "тройка",
                         [Eq("troika"), Eq("three", "forbidden")], status="approved")  # fmt: skip
    return w


def _pair(session: Session, world: World, position: int) -> Pair:
    pair = session.scalar(
        select(Pair).where(Pair.document_id == world.doc.id, Pair.position == position)
    )
    assert pair is not None
    return pair


def test_document_check_stores_findings(session: Session, world: World) -> None:
    with pytest.raises(PermissionDenied):
        qa.check_document(session, world.viewer, world.doc.id)
    result = qa.check_document(session, world.translator, world.doc.id)
    assert isinstance(result, dict) and result["pairs"] == 3
    issues = qa.document_issues(session, world.viewer, world.doc.id)
    first = {i.check_id for i in issues if i.pair_id == _pair(session, world, 0).id}
    assert {"terminology", "terminology-discouraged"} <= first
    second = [i for i in issues if i.pair_id == _pair(session, world, 1).id]
    assert {i.check_id for i in second} == {"numbers"}
    assert any("263" in i.message for i in second)
    assert not [i for i in issues if i.pair_id == _pair(session, world, 2).id]


def test_dismissed_flag_survives_a_recheck_of_the_same_finding(
    session: Session, world: World
) -> None:
    pair = _pair(session, world, 1)
    qa.check_pair(session, pair)
    issue, *_ = qa.pair_issues(session, world.translator, pair.id)
    with pytest.raises(PermissionDenied):
        qa.set_dismissed(session, world.viewer, issue.id)
    qa.set_dismissed(session, world.translator, issue.id)
    qa.check_pair(session, pair)  # the same text again
    again = {i.id: i for i in qa.pair_issues(session, world.translator, pair.id)}
    assert again[issue.id].dismissed
    open_ = qa.pair_issues(session, world.translator, pair.id, include_dismissed=False)
    assert issue.id not in {i.id for i in open_}
    # Fixing the number makes the finding go away; a new mistake is a new, undismissed one.
    pair.en_text = "As of 1 March 1957, 236,225 complaints had been received."
    qa.check_pair(session, pair)
    assert qa.pair_issues(session, world.translator, pair.id) == []
    pair.en_text = "As of 1 March 1958, 236,225 complaints had been received."
    qa.check_pair(session, pair)
    fresh = qa.pair_issues(session, world.translator, pair.id)
    assert fresh and not any(i.dismissed for i in fresh)


def test_a_new_glossary_term_is_checked_at_the_next_save(session: Session, world: World) -> None:
    pair = _pair(session, world, 2)
    qa.after_pair_saved(session, pair)
    assert qa.pair_issues(session, world.viewer, pair.id) == []
    glossary.create_term(session, world.reviewer, world.project.id, "экземпляр",
                         [Eq("copy")], status="approved")  # fmt: skip
    pair.ru_text = "Экземпляр № 2"
    pair.en_text = "Specimen No. 2"
    qa.after_pair_saved(session, pair)
    (issue,) = qa.pair_issues(session, world.viewer, pair.id)
    assert issue.check_id == "terminology" and '"copy"' in issue.message


def test_saving_through_the_review_service_rechecks_the_pair(
    session: Session, world: World
) -> None:
    from app.services import review

    pair = _pair(session, world, 0)
    qa.check_pair(session, pair)
    assert {i.check_id for i in qa.pair_issues(session, world.viewer, pair.id)} >= {"terminology"}
    view = review.edit_text(
        session,
        world.translator,
        pair.id,
        "en",
        "The case was considered by the troika of the UNKVD for Novosibirsk Oblast.",
        pair.version,
    )
    rows = session.scalars(select(QAIssue).where(QAIssue.pair_id == view.id)).all()
    assert rows == []
    # The review page's "flagged" filter is backed by the same rows.
    qa.check_document(session, world.translator, world.doc.id)
    page = review.list_pairs(session, world.viewer, world.doc.id, flagged=True)
    assert [p.number for p in page.pairs] == [2]


def test_large_document_is_checked_as_a_job(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.models import Job

    monkeypatch.setattr(qa, "INLINE_LIMIT", 2)
    job_id = qa.check_document(session, world.translator, world.doc.id)
    assert isinstance(job_id, int)
    job = session.get(Job, job_id)
    assert job is not None and job.kind == qa.QA_JOB
    reports: list[tuple[float, str]] = []
    result = qa.check_document_now(session, world.doc.id, lambda f, m: reports.append((f, m)))
    assert result["pairs"] == 3 and reports[-1][0] == 1.0


def test_find_and_replace_rechecks_the_pairs_it_changes(session: Session, world: World) -> None:
    from app.services.replace import ReplaceRequest, apply, preview

    pair = _pair(session, world, 0)
    pair.en_text = "The case was considered by the troika of the UNKVD for Novosibirsk Oblast."
    qa.check_pair(session, pair)
    assert qa.pair_issues(session, world.viewer, pair.id) == []
    req = ReplaceRequest(find="troika", replace="three", side="en")
    token = preview(session, world.owner, req, document_id=world.doc.id).token
    apply(session, world.owner, req, document_id=world.doc.id, token=token)
    found = {i.check_id for i in qa.pair_issues(session, world.viewer, pair.id)}
    assert "terminology-discouraged" in found


def test_a_word_added_to_the_project_dictionary_is_no_spelling_finding(
    session: Session, world: World
) -> None:
    from app.services import spelling
    from glossary.checks.spelling import available

    if not available("en"):
        pytest.skip("needs the hunspell-en-us dictionary")
    pair = _pair(session, world, 2)
    pair.en_text = "Copy No. 2 of the sovnarkhoz memorandum."
    qa.after_pair_saved(session, pair)
    spelled = [
        i for i in qa.pair_issues(session, world.viewer, pair.id) if i.check_id == "spelling"
    ]
    assert spelled and "sovnarkhoz" in spelled[0].message
    spelling.add_word(session, world.translator, world.project.id, "sovnarkhoz", "en")
    qa.after_pair_saved(session, pair)
    checks = {i.check_id for i in qa.pair_issues(session, world.viewer, pair.id)}
    assert "spelling" not in checks
