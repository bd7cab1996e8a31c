"""The review service: reading, editing and correcting pairs, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.models import (
    Comment,
    Document,
    DocumentState,
    Membership,
    Pair,
    PairStatus,
    Project,
    QAIssue,
    Revision,
    Role,
    Segment,
    User,
)
from app.services import review
from app.services.errors import Conflict, NotFound, PermissionDenied, ServiceError

# Sentences from the demo memorandum (app/demo), one tuple per pair: (ru, en).
MEMO: list[tuple[list[str], list[str]]] = [
    (["СОВЕРШЕННО СЕКРЕТНО"], ["TOP SECRET"]),
    (["Экз. № 2"], ["Copy No. 2"]),
    (["В Президиум ЦК КПСС"], ["To the Presidium of the CPSU Central Committee"]),
    (
        ["Во исполнение постановления от 4 мая 1954 г. Прокуратура СССР продолжает пересмотр дел."],
        ["Pursuant to the resolution of 4 May 1954, the USSR Procuracy continues the review."],
    ),
    (
        ["На 1 марта 1957 г. поступило 236 225 жалоб.", "Из них рассмотрено 194 180."],
        ["As of 1 March 1957, 236,225 complaints had been received."],
    ),
    (
        [],
        ["Of these, 194,180 have been examined."],
    ),
    (
        ["Проверка показала, что значительная часть дел была сфальсифицирована."],
        ["The review has shown that a considerable part of the cases were fabricated."],
    ),
    (
        ["Вещественных доказательств в делах, как правило, нет."],
        ["As a rule, the files contain no material evidence."],
    ),
]


@dataclass
class World:
    doc: Document
    owner: User
    translator: User
    reviewer: User
    viewer: User
    outsider: User


def _user(session: Session, name: str, suffix: str = "") -> User:
    user = User(username=name + suffix, display_name=name.title(), password_hash="x")
    session.add(user)
    session.flush()
    return user


def make_document(
    session: Session,
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]] = MEMO,
    confidences: Sequence[float] | None = None,
    suffix: str = "",
) -> World:
    owner = _user(session, "olga", suffix)
    project = Project(name="Memoranda", created_by_id=owner.id)
    session.add(project)
    session.flush()
    users = {"olga": owner}
    for name, role in (
        ("olga", Role.OWNER),
        ("tanya", Role.TRANSLATOR),
        ("roman", Role.REVIEWER),
        ("vera", Role.VIEWER),
    ):
        if name not in users:
            users[name] = _user(session, name, suffix)
        session.add(Membership(project_id=project.id, user_id=users[name].id, role=role))
    outsider = _user(session, "oscar", suffix)
    doc = Document(project_id=project.id, title="Memorandum 108ss", state=DocumentState.READY)
    session.add(doc)
    session.flush()
    add_pairs(session, doc, pairs, confidences)
    session.flush()
    return World(doc, owner, users["tanya"], users["roman"], users["vera"], outsider)


def add_pairs(
    session: Session,
    doc: Document,
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    confidences: Sequence[float] | None = None,
) -> None:
    """One pair per (ru sentences, en sentences), a paragraph each, with its segments."""
    for i, (ru, en) in enumerate(pairs):
        pair = Pair(
            document_id=doc.id,
            position=i,
            ru_text=" ".join(ru),
            en_text=" ".join(en),
            confidence=confidences[i] if confidences else 0.9,
            ru_paragraph=i,
            en_paragraph=i,
        )
        session.add(pair)
        for side, sents in (("ru", ru), ("en", en)):
            for j, text in enumerate(sents):
                pair.segments.append(
                    Segment(document_id=doc.id, side=side, position=j, paragraph=i, text=text)
                )


def texts(session: Session, doc: Document) -> list[tuple[str, str]]:
    """The document as a reader sees it: (ru, en) per pair, in order; checks positions."""
    session.expire_all()
    rows = session.scalars(
        select(Pair).where(Pair.document_id == doc.id).order_by(Pair.position)
    ).all()
    assert [p.position for p in rows] == list(range(len(rows))), "positions must stay dense"
    for p in rows:
        segs = sorted(p.segments, key=lambda s: (s.side, s.position))
        for side in ("ru", "en"):
            assert [s.position for s in segs if s.side == side] == list(
                range(sum(1 for s in segs if s.side == side))
            )
    return [(p.ru_text, p.en_text) for p in rows]


def pair_at(session: Session, doc: Document, position: int) -> Pair:
    pair = session.scalar(select(Pair).where(Pair.document_id == doc.id, Pair.position == position))
    assert pair is not None
    return pair


@pytest.fixture
def world(session: Session) -> World:
    return make_document(session)


# --------------------------------------------------------------------------- reading


def test_list_pairs_pages_in_document_order(session: Session, world: World) -> None:
    page = review.list_pairs(session, world.viewer, world.doc.id, offset=2, limit=3)
    assert page.total == len(MEMO)
    assert [p.number for p in page.pairs] == [3, 4, 5]
    assert page.pairs[2].ru_segments == tuple(MEMO[4][0])
    assert page.pairs[2].kind == "2-1"
    assert page.has_next and page.has_previous


def test_outsiders_cannot_read_pairs(session: Session, world: World) -> None:
    with pytest.raises(NotFound):
        review.list_pairs(session, world.outsider, world.doc.id)


def test_search_is_case_insensitive_in_cyrillic_and_limited_to_a_side(
    session: Session, world: World
) -> None:
    page = review.list_pairs(session, world.translator, world.doc.id, search="прокуратура")
    assert [p.number for p in page.pairs] == [4]
    assert page.document_total == len(MEMO)
    # "1957" is on both sides of pair 5; only the Russian side of pair 4 mentions 1954.
    assert review.list_pairs(session, world.translator, world.doc.id, search="1954").total == 1
    ru_only = review.list_pairs(session, world.translator, world.doc.id, search="review", side="ru")
    assert ru_only.total == 0
    en_only = review.list_pairs(session, world.translator, world.doc.id, search="REVIEW", side="en")
    assert [p.number for p in en_only.pairs] == [4, 7]


def test_search_treats_percent_and_underscore_literally(session: Session, world: World) -> None:
    assert review.list_pairs(session, world.translator, world.doc.id, search="%").total == 0
    assert review.list_pairs(session, world.translator, world.doc.id, search="_").total == 0


def test_regex_search(session: Session, world: World) -> None:
    page = review.list_pairs(
        session, world.translator, world.doc.id, search=r"\d{3} \d{3}", regex=True, side="ru"
    )
    assert [p.number for p in page.pairs] == [5]
    page = review.list_pairs(
        session, world.translator, world.doc.id, search=r"^(top|copy)\b", regex=True
    )
    assert [p.number for p in page.pairs] == [1, 2]


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w*)*x", r"(x|\w+){2,}y"])
def test_catastrophic_regex_is_refused_with_an_explanation(
    session: Session, world: World, pattern: str
) -> None:
    with pytest.raises(ServiceError, match="repeats a group"):
        review.list_pairs(session, world.translator, world.doc.id, search=pattern, regex=True)


def test_invalid_regex_says_so(session: Session, world: World) -> None:
    with pytest.raises(ServiceError, match="not a valid regular expression"):
        review.list_pairs(session, world.translator, world.doc.id, search="(unclosed", regex=True)


def test_filters_by_status_low_confidence_and_flags(session: Session) -> None:
    w = make_document(session, confidences=[0.9, 0.2, 0.9, 0.3, 0.9, 0.1, 0.9, 0.9])
    review.confirm_alignment(session, w.translator, pair_at(session, w.doc, 3).id)
    low = review.list_pairs(session, w.translator, w.doc.id, low_confidence=True)
    # Pair 4 is low but a person confirmed it: it no longer needs a look.
    assert [p.number for p in low.pairs] == [2, 6]
    confirmed = review.list_pairs(session, w.translator, w.doc.id, status="confirmed")
    assert [p.number for p in confirmed.pairs] == [4]
    flagged_pair = pair_at(session, w.doc, 6)
    session.add(
        QAIssue(pair_id=flagged_pair.id, document_id=w.doc.id, check_id="numbers", message="1957?")
    )
    session.add(
        QAIssue(
            pair_id=pair_at(session, w.doc, 7).id,
            document_id=w.doc.id,
            check_id="numbers",
            dismissed=True,
        )
    )
    session.flush()
    # A word the spelling dictionaries do not know is advice, not a QA flag.
    session.add(
        QAIssue(
            pair_id=pair_at(session, w.doc, 1).id,
            document_id=w.doc.id,
            check_id="spelling",
            message="Spelling: “Presidum” is not in the dictionary",
        )
    )
    session.flush()
    flagged = review.list_pairs(session, w.translator, w.doc.id, flagged=True)
    assert [p.number for p in flagged.pairs] == [7]
    assert flagged.pairs[0].flags == ("1957?",)
    noted = review.list_pairs(session, w.translator, w.doc.id, limit=3).pairs[1]
    assert noted.flags == ()
    assert noted.notes == ("Spelling: “Presidum” is not in the dictionary",)
    flagged_on_map = [
        e.position for e in review.alignment_map(session, w.translator, w.doc.id).entries if e.flags
    ]
    assert flagged_on_map == [6]
    with pytest.raises(ServiceError, match="Unknown status"):
        review.list_pairs(session, w.translator, w.doc.id, status="done")


def test_jump_to_finds_the_page_holding_pair_n(session: Session, world: World) -> None:
    assert review.jump_to(session, world.viewer, world.doc.id, 1, limit=3) == 0
    assert review.jump_to(session, world.viewer, world.doc.id, 7, limit=3) == 6
    with pytest.raises(ServiceError, match="pairs 1 to 8"):
        review.jump_to(session, world.viewer, world.doc.id, 9)


def test_progress_summary_counts_statuses(session: Session, world: World) -> None:
    review.confirm_alignment(session, world.translator, pair_at(session, world.doc, 0).id)
    review.set_status(session, world.reviewer, pair_at(session, world.doc, 1).id, "approved")
    summary = review.progress_summary(session, world.viewer, world.doc.id)
    assert summary.total == 8
    assert summary.counts["auto"] == 6
    assert summary.counts["confirmed"] == 1
    assert summary.counts["approved"] == 1
    assert summary.done == 1
    assert summary.words_en > summary.words_ru > 20


def test_word_counts_follow_edits_merges_and_splits(session: Session, world: World) -> None:
    def words_now() -> tuple[int, int]:
        summary = review.progress_summary(session, world.viewer, world.doc.id)
        return summary.words_ru, summary.words_en

    def words_counted() -> tuple[int, int]:
        texts = session.execute(
            select(Pair.ru_text, Pair.en_text).where(Pair.document_id == world.doc.id)
        ).all()
        return sum(len(ru.split()) for ru, _ in texts), sum(len(en.split()) for _, en in texts)

    assert words_now() == words_counted()
    first = pair_at(session, world.doc, 0)
    review.edit_text(
        session, world.translator, first.id, "en", "TOP SECRET, first copy of two", first.version
    )
    assert words_now() == words_counted()
    review.merge_with_next(session, world.translator, pair_at(session, world.doc, 3).id)
    assert words_now() == words_counted()
    four = pair_at(session, world.doc, 3)
    review.split_pair(session, world.translator, four.id, 1, 1, four.version)
    assert words_now() == words_counted()


def test_alignment_map_gives_sentence_ranges(session: Session, world: World) -> None:
    amap = review.alignment_map(session, world.viewer, world.doc.id)
    assert amap.ru_total == sum(len(ru) for ru, _ in MEMO)
    assert amap.en_total == sum(len(en) for _, en in MEMO)
    fifth, sixth = amap.entries[4], amap.entries[5]
    assert (fifth.ru_start, fifth.ru_end, fifth.en_start, fifth.en_end) == (4, 6, 4, 5)
    assert (sixth.ru_start, sixth.ru_end, sixth.en_start, sixth.en_end) == (6, 6, 5, 6)


def test_next_open_skips_confirmed_pairs_and_wraps(session: Session, world: World) -> None:
    for position in (2, 3):
        review.confirm_alignment(
            session, world.translator, pair_at(session, world.doc, position).id
        )
    assert review.next_open(session, world.viewer, world.doc.id, 1) == 4
    assert review.next_open(session, world.viewer, world.doc.id, 7) == 0


# --------------------------------------------------------------------------- editing


def test_edit_resegments_and_records_history(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 4)
    new = "As of 1 March 1957, 236,225 complaints were received. Of these, 194,180 were examined."
    view = review.edit_text(session, world.translator, pair.id, "en", new, pair.version)
    assert view.en_segments == (
        "As of 1 March 1957, 236,225 complaints were received.",
        "Of these, 194,180 were examined.",
    )
    assert view.status == "translated"
    assert view.version == 2
    assert view.locked
    hist = review.history(session, world.viewer, pair.id)
    edit = next(h for h in hist if h.field == "en_text")
    assert edit.who == "Tanya"
    assert edit.before == MEMO[4][1][0]
    assert edit.after == new


def test_stale_save_is_a_conflict_carrying_the_other_version(
    session: Session, world: World
) -> None:
    pair = pair_at(session, world.doc, 0)
    loaded_version = pair.version
    review.edit_text(session, world.reviewer, pair.id, "en", "STRICTLY SECRET", loaded_version)
    with pytest.raises(Conflict) as info:
        review.edit_text(session, world.translator, pair.id, "en", "TOP SECRET!", loaded_version)
    assert info.value.current.en_text == "STRICTLY SECRET"
    assert "changed by someone else" in info.value.message
    assert texts(session, world.doc)[0] == ("СОВЕРШЕННО СЕКРЕТНО", "STRICTLY SECRET")


def test_viewers_cannot_edit(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 0)
    with pytest.raises(PermissionDenied):
        review.edit_text(session, world.viewer, pair.id, "en", "Top secret", pair.version)


def test_text_with_markup_is_stored_as_written(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 1)
    view = review.edit_text(
        session, world.translator, pair.id, "en", "<script>alert(1)</script> Copy No. 2", None
    )
    assert view.en_text == "<script>alert(1)</script> Copy No. 2"


# --------------------------------------------------------------------------- alignment fixes


def test_merge_with_next_joins_both_sides_and_undo_restores(session: Session, world: World) -> None:
    first, second = pair_at(session, world.doc, 4), pair_at(session, world.doc, 5)
    review.add_comment(session, world.translator, second.id, "194 180 — проверить")
    merged = review.merge_with_next(session, world.translator, first.id, first.version)
    assert merged.ru_segments == tuple(MEMO[4][0])
    assert merged.en_segments == (MEMO[4][1][0], MEMO[5][1][0])
    assert merged.status == "confirmed" and merged.locked
    assert merged.open_comments == 1
    assert len(texts(session, world.doc)) == 7

    review.undo(session, world.translator, world.doc.id)
    restored = texts(session, world.doc)
    assert restored[4] == (" ".join(MEMO[4][0]), MEMO[4][1][0])
    assert restored[5] == ("", MEMO[5][1][0])
    again = pair_at(session, world.doc, 5)
    assert again.id == second.id
    assert [c.body for c in review.comments(session, world.viewer, second.id)] == [
        "194 180 — проверить"
    ]
    assert PairStatus(pair_at(session, world.doc, 4).status) is PairStatus.AUTO

    review.redo(session, world.translator, world.doc.id)
    assert len(texts(session, world.doc)) == 7


def test_merging_the_last_pair_says_why_not(session: Session, world: World) -> None:
    last = pair_at(session, world.doc, 7)
    with pytest.raises(ServiceError, match="last pair"):
        review.merge_with_next(session, world.translator, last.id)


def test_split_between_sentences(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 4)
    views = review.split_pair(session, world.translator, pair.id, 1, 1, pair.version)
    assert [v.kind for v in views] == ["1-1", "1-0"]
    assert views[1].ru_text == "Из них рассмотрено 194 180."
    doc_texts = texts(session, world.doc)
    assert len(doc_texts) == 9
    assert doc_texts[5] == ("Из них рассмотрено 194 180.", "")
    with pytest.raises(ServiceError, match="at least one sentence"):
        review.split_pair(session, world.translator, views[1].id, 0, 0)


def test_split_at_caret_cuts_inside_a_sentence(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 6)
    caret = pair.en_text.index("that")
    views = review.split_at_caret(session, world.translator, pair.id, "en", caret)
    assert views[0].en_text == "The review has shown"
    assert views[0].ru_text == MEMO[6][0][0]
    assert views[1].en_text == "that a considerable part of the cases were fabricated."
    assert views[1].ru_text == ""
    with pytest.raises(ServiceError, match="caret"):
        review.split_at_caret(session, world.translator, views[1].id, "en", 0)


def test_move_sentences_between_neighbours(session: Session, world: World) -> None:
    fifth = pair_at(session, world.doc, 4)
    # "Из них рассмотрено 194 180." belongs with the English of pair 6.
    review.move_last_to_next(session, world.translator, fifth.id, "ru", fifth.version)
    doc_texts = texts(session, world.doc)
    assert doc_texts[4] == ("На 1 марта 1957 г. поступило 236 225 жалоб.", MEMO[4][1][0])
    assert doc_texts[5] == ("Из них рассмотрено 194 180.", MEMO[5][1][0])
    sixth = pair_at(session, world.doc, 5)
    review.move_first_to_previous(session, world.translator, sixth.id, "ru")
    assert texts(session, world.doc)[4][0] == " ".join(MEMO[4][0])
    # Moving the only English sentence of a 0-1 pair up leaves nothing: the pair goes away.
    sixth = pair_at(session, world.doc, 5)
    review.move_first_to_previous(session, world.translator, sixth.id, "en")
    doc_texts = texts(session, world.doc)
    assert len(doc_texts) == 7
    # The two English sentences come from different paragraphs: the pair shows the break.
    assert doc_texts[4][1] == f"{MEMO[4][1][0]}\n\n{MEMO[5][1][0]}"
    first = pair_at(session, world.doc, 0)
    with pytest.raises(ServiceError, match="first pair"):
        review.move_first_to_previous(session, world.translator, first.id, "ru")


def test_move_last_of_the_last_pair_makes_a_new_pair(session: Session, world: World) -> None:
    last = pair_at(session, world.doc, 7)
    review.move_last_to_next(session, world.translator, last.id, "en")
    doc_texts = texts(session, world.doc)
    assert doc_texts[-2] == (MEMO[7][0][0], "")
    assert doc_texts[-1] == ("", MEMO[7][1][0])


def test_insert_empty_counterpart_and_detach(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 2)
    views = review.insert_empty_counterpart(session, world.translator, pair.id, "ru")
    assert [(v.ru_text, v.en_text) for v in views] == [
        ("В Президиум ЦК КПСС", ""),
        ("", "To the Presidium of the CPSU Central Committee"),
    ]
    review.undo(session, world.translator, world.doc.id)
    pair = pair_at(session, world.doc, 2)
    views = review.detach(session, world.translator, pair.id, "ru")
    assert [(v.ru_text, v.en_text) for v in views] == [
        ("", "To the Presidium of the CPSU Central Committee"),
        ("В Президиум ЦК КПСС", ""),
    ]
    with pytest.raises(ServiceError, match="empty side"):
        review.detach(session, world.translator, views[0].id, "en")


def test_delete_removes_text_and_undo_brings_it_back(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 1)
    pair_id = pair.id
    review.add_comment(session, world.translator, pair_id, "Номер экземпляра убрать?")
    assert review.delete_pair(session, world.translator, pair_id, pair.version) == 1
    doc_texts = texts(session, world.doc)
    assert len(doc_texts) == 7
    assert ("Экз. № 2", "Copy No. 2") not in doc_texts
    # The comment survived on the neighbour.
    assert session.scalar(select(Comment.pair_id).where(Comment.body.like("Номер%"))) == (
        pair_at(session, world.doc, 0).id
    )
    result = review.undo(session, world.translator, world.doc.id)
    assert result.first_position == 1
    assert texts(session, world.doc)[1] == ("Экз. № 2", "Copy No. 2")
    assert pair_at(session, world.doc, 1).id == pair_id
    assert [c.body for c in review.comments(session, world.viewer, pair_id)] == [
        "Номер экземпляра убрать?"
    ]


# --------------------------------------------------------------------------- statuses


def test_translators_cannot_approve_reviewers_can(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 3)
    with pytest.raises(PermissionDenied, match="reviewers and owners"):
        review.set_status(session, world.translator, pair.id, "approved")
    view = review.set_status(session, world.reviewer, pair.id, "approved", pair.version)
    assert view.status == "approved" and view.locked
    # A translator cannot take the approval back, but editing the text sends it back to review.
    with pytest.raises(PermissionDenied):
        review.set_status(session, world.translator, pair.id, "translated")
    edited = review.edit_text(
        session, world.translator, pair.id, "en", "Pursuant to the resolution…", view.version
    )
    assert edited.status == "translated"


def test_rejection_needs_a_comment(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 3)
    with pytest.raises(ServiceError, match="needs a comment"):
        review.set_status(session, world.reviewer, pair.id, "rejected")
    view = review.set_status(
        session, world.reviewer, pair.id, "rejected", comment="«продолжает» — tense is wrong"
    )
    assert view.status == "rejected"
    assert view.open_comments == 1
    thread = review.comments(session, world.translator, pair.id)
    assert thread[0].author == "Roman"
    review.resolve_comment(session, world.translator, thread[0].id)
    assert review.comments(session, world.viewer, pair.id)[0].resolved


def test_translator_cannot_undo_into_an_approval(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 3)
    review.set_status(session, world.reviewer, pair.id, "approved")
    # The reviewer's own undo works.
    review.undo(session, world.reviewer, world.doc.id)
    assert PairStatus(pair_at(session, world.doc, 3).status) is PairStatus.AUTO


# --------------------------------------------------------------------------- undo / redo


def test_undo_redo_edit_round_trip(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 0)
    review.edit_text(session, world.translator, pair.id, "en", "STRICTLY SECRET", pair.version)
    review.edit_text(session, world.translator, pair.id, "en", "TOP SECRET (copy)", None)
    review.undo(session, world.translator, world.doc.id)
    assert texts(session, world.doc)[0][1] == "STRICTLY SECRET"
    review.undo(session, world.translator, world.doc.id)
    assert texts(session, world.doc)[0][1] == "TOP SECRET"
    assert PairStatus(pair_at(session, world.doc, 0).status) is PairStatus.AUTO
    with pytest.raises(ServiceError, match="Nothing to undo"):
        review.undo(session, world.translator, world.doc.id)
    review.redo(session, world.translator, world.doc.id)
    assert texts(session, world.doc)[0][1] == "STRICTLY SECRET"
    # A new change drops what could have been redone.
    review.edit_text(session, world.translator, pair.id, "ru", "СЕКРЕТНО", None)
    assert review.can_undo(session, world.translator, world.doc.id) == (True, False)
    with pytest.raises(ServiceError, match="Nothing to redo"):
        review.redo(session, world.translator, world.doc.id)
    history = review.history(session, world.viewer, pair.id)
    assert {h.action for h in history} >= {"edit", "undo", "redo"}


def test_undo_refuses_to_overwrite_a_colleagues_later_edit(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 0)
    review.edit_text(session, world.translator, pair.id, "en", "STRICTLY SECRET", None)
    review.edit_text(session, world.reviewer, pair.id, "en", "TOP SECRET", None)
    with pytest.raises(Conflict, match="cannot be undone"):
        review.undo(session, world.translator, world.doc.id)
    assert texts(session, world.doc)[0][1] == "TOP SECRET"


def test_undo_is_per_person(session: Session, world: World) -> None:
    a, b = pair_at(session, world.doc, 0), pair_at(session, world.doc, 1)
    review.edit_text(session, world.translator, a.id, "en", "STRICTLY SECRET", None)
    review.edit_text(session, world.reviewer, b.id, "en", "Copy no. 2", None)
    review.undo(session, world.translator, world.doc.id)
    doc_texts = texts(session, world.doc)
    assert doc_texts[0][1] == "TOP SECRET"
    assert doc_texts[1][1] == "Copy no. 2"


def test_undo_of_split_after_neighbour_merge_elsewhere(session: Session, world: World) -> None:
    # Changes further up the document shift positions; undo still finds its pairs.
    pair = pair_at(session, world.doc, 6)
    review.split_at_caret(session, world.translator, pair.id, "en", pair.en_text.index("that"))
    top = pair_at(session, world.doc, 0)
    review.merge_with_next(session, world.reviewer, top.id)
    review.undo(session, world.translator, world.doc.id)
    doc_texts = texts(session, world.doc)
    assert len(doc_texts) == 7
    assert doc_texts[5] == (MEMO[6][0][0], MEMO[6][1][0])
    assert doc_texts[0] == ("СОВЕРШЕННО СЕКРЕТНО\n\nЭкз. № 2", "TOP SECRET\n\nCopy No. 2")


# --------------------------------------------------------------------------- realign


def test_realign_keeps_confirmed_pairs(session: Session, world: World) -> None:
    pytest.importorskip("alignment.align", reason="the aligner (alignment.align) is not in yet")
    # Break the alignment by hand, confirm one pair, then realign from the top.
    third = pair_at(session, world.doc, 2)
    review.confirm_alignment(session, world.translator, third.id)
    fifth = pair_at(session, world.doc, 4)
    review.merge_with_next(session, world.translator, fifth.id)
    review.realign_from(session, world.translator, pair_at(session, world.doc, 0).id)
    doc_texts = texts(session, world.doc)
    assert ("В Президиум ЦК КПСС", "To the Presidium of the CPSU Central Committee") in doc_texts
    # The merged pair was a person's fix, so it is locked and kept as well.
    assert any(en.startswith("As of 1 March") and "194,180" in en for _, en in doc_texts)
    review.undo(session, world.translator, world.doc.id)
    assert len(texts(session, world.doc)) == 7


def test_comment_validation(session: Session, world: World) -> None:
    pair = pair_at(session, world.doc, 0)
    with pytest.raises(ServiceError, match="empty"):
        review.add_comment(session, world.translator, pair.id, "   ")
    with pytest.raises(PermissionDenied):
        review.add_comment(session, world.viewer, pair.id, "Looks fine")
    assert session.scalar(select(Revision.id).where(Revision.pair_id == pair.id)) is None


def test_listeners_hear_of_every_saved_change(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # How QA checks re-run on save: a listener gets the changed pairs in the same transaction.
    heard: list[tuple[int, list[int]]] = []
    monkeypatch.setattr(review, "_LISTENERS", [])
    review.on_pairs_changed(lambda s, doc_id, ids: heard.append((doc_id, ids)))
    first = pair_at(session, world.doc, 0)
    review.edit_text(session, world.translator, first.id, "en", "STRICTLY SECRET", None)
    review.merge_with_next(session, world.translator, first.id)
    review.undo(session, world.translator, world.doc.id)
    second = pair_at(session, world.doc, 1)
    assert heard == [
        (world.doc.id, [first.id]),
        (world.doc.id, [first.id]),
        (world.doc.id, [first.id, second.id]),
    ]


def test_map_strip_merges_runs_and_marks_the_page(session: Session) -> None:
    from app.services import review_map

    many = [([f"Предложение {i}."], [f"Sentence {i}."]) for i in range(1000)]
    confidences = [0.1 if i == 700 else 0.9 for i in range(1000)]
    w = make_document(session, many, confidences)
    review.set_status(session, w.reviewer, pair_at(session, w.doc, 10).id, "approved")
    amap = review.alignment_map(session, w.viewer, w.doc.id)
    drawing = review_map.strip(amap, height=1000, offset=100, limit=50)
    # auto | approved | auto | low | auto: five runs, not a thousand rectangles.
    assert [(b.cls, b.first, b.last) for b in drawing.bands] == [
        ("c-auto", 1, 10),
        ("c-approved", 11, 11),
        ("c-auto", 12, 700),
        ("c-low", 701, 701),
        ("c-auto", 702, 1000),
    ]
    assert drawing.window == (100.0, 50.0)
    # The ladder is sampled, but the low-confidence pair is always drawn.
    assert len(drawing.rungs) <= review_map.MAX_RUNGS + 10
    assert any(r.number == 701 and r.cls == "c-low" for r in drawing.rungs)
    plot = review_map.path_plot(amap, size=1000)
    step = plot.steps[699]
    assert (step.x1, step.y1, step.x2, step.y2) == (699.0, 699.0, 700.0, 700.0)
    assert "Pair 700: Russian sentences 700–700, English 700–700" in step.title


def test_concurrent_changes_to_one_document_take_turns(engine: Engine) -> None:
    # Two people at once: one merges at the top, the other splits further down. Both shift
    # the positions after them; the second waits for the first (a row lock on PostgreSQL, a
    # per-document lock in the server process on SQLite) and then reads the pairs again.
    import threading
    import time
    import uuid

    suffix = "-" + uuid.uuid4().hex[:8]
    with Session(engine, expire_on_commit=False) as setup:
        w = make_document(setup, suffix=suffix)
        setup.commit()
        top = pair_at(setup, w.doc, 0).id
        fifth = pair_at(setup, w.doc, 4).id
    errors: list[BaseException] = []

    def merge_slowly() -> None:
        try:
            with Session(engine) as s:
                user = s.get(User, w.translator.id)
                review.merge_with_next(s, user, top)
                time.sleep(0.6)  # hold the document while the other change arrives
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def split() -> None:
        try:
            with Session(engine) as s:
                user = s.get(User, w.reviewer.id)
                review.split_pair(s, user, fifth, 1, 1)
                s.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    first = threading.Thread(target=merge_slowly)
    first.start()
    time.sleep(0.2)
    second = threading.Thread(target=split)
    second.start()
    first.join(10)
    second.join(10)
    assert not errors, errors
    try:
        with Session(engine) as check:
            doc_texts = texts(check, check.get(Document, w.doc.id))  # asserts dense positions
            assert len(doc_texts) == len(MEMO)  # one merged away, one split off
            # The split found its pair where the merge had moved it (position 4 → 3).
            assert doc_texts[3] == ("На 1 марта 1957 г. поступило 236 225 жалоб.", MEMO[4][1][0])
            assert doc_texts[4] == ("Из них рассмотрено 194 180.", "")
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(Project).where(Project.id == w.doc.project_id))
            cleanup.execute(delete(User).where(User.username.endswith(suffix)))
            cleanup.commit()
