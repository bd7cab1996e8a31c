"""The aligner on an archival memo and its translation, written for these tests."""

from __future__ import annotations

import pytest

from alignment.align import AlignedText, align, align_texts
from alignment.lexicon import Lexicon, default_lexicon
from alignment.types import Bead

# One sentence a line. The translator joined sentences 4 and 5 into one (2-1) and split
# sentence 8 in two (1-2); everything else is 1-1.
MEMO_RU = [
    "Совершенно секретно.",
    "Председателю КГБ при Совете Министров СССР тов. Семичастному В. Е.",
    "Докладываю, что 26 декабря 1962 г. в Москву прибыл корреспондент"
    " газеты «Нью-Йорк таймс» Гаррисон Солсбери.",
    "По имеющимся данным, он намерен встретиться с писателем Паустовским и посетить Ленинград.",
    "Солсбери проживает в гостинице «Националь».",
    "Номер его телефона установлен.",
    "Согласно приказу № 3265-с от 4 января 1963 г. за ним установлено наблюдение.",
    "Расходы на операцию составили 36 225 рублей.",
    "Сотрудники отдела докладывают ежедневно, сводки направляются"
    " начальнику управления тов. Хрущёву.",
    "Прошу ваших указаний.",
    "Начальник Второго главного управления Грибанов.",
]
MEMO_EN = [
    "Top secret.",
    "To Comrade V. E. Semichastny, Chairman of the KGB under the USSR Council of Ministers.",
    "I report that on 26 December 1962 the New York Times correspondent"
    " Harrison Salisbury arrived in Moscow.",
    "According to our information, he intends to meet the writer"
    " Paustovsky and to visit Leningrad.",
    "Salisbury is staying at the Hotel National, and his telephone number has been established.",
    "Under order No. 3265-s of 4 January 1963 he has been placed under surveillance.",
    "The operation has cost 36,225 roubles.",
    "Officers of the department report every day.",
    "Their summaries go to Comrade Khrushchev, head of the directorate.",
    "I request your instructions.",
    "Gribanov, Head of the Second Chief Directorate.",
]
MEMO_GOLD = [
    ((0,), (0,)),
    ((1,), (1,)),
    ((2,), (2,)),
    ((3,), (3,)),
    ((4, 5), (4,)),
    ((6,), (5,)),
    ((7,), (6,)),
    ((8,), (7, 8)),
    ((9,), (9,)),
    ((10,), (10,)),
]


def _pairs(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.ru, b.en) for b in beads]


def _assert_valid(beads: list[Bead], n: int, m: int) -> None:
    ru = [i for b in beads for i in b.ru]
    en = [j for b in beads for j in b.en]
    assert ru == list(range(n))
    assert en == list(range(m))
    assert all(b.ru or b.en for b in beads)
    assert all(0.0 <= b.confidence <= 1.0 for b in beads)


def test_memo_aligns_with_its_merges_and_splits() -> None:
    beads = align(MEMO_RU, MEMO_EN)
    _assert_valid(beads, len(MEMO_RU), len(MEMO_EN))
    assert _pairs(beads) == MEMO_GOLD


def test_memo_aligns_without_any_dictionary() -> None:
    # Names, numbers, dates and lengths alone carry this text.
    beads = align(MEMO_RU, MEMO_EN, lexicon=Lexicon())
    _assert_valid(beads, len(MEMO_RU), len(MEMO_EN))
    correct = set(_pairs(beads)) & set(MEMO_GOLD)
    assert len(correct) >= len(MEMO_GOLD) - 2


def test_an_untranslated_sentence_does_not_derail_the_rest() -> None:
    en = MEMO_EN[:6] + MEMO_EN[7:]  # the translator dropped the cost of the operation
    beads = align(MEMO_RU, en)
    _assert_valid(beads, len(MEMO_RU), len(en))
    pairs = _pairs(beads)
    # The rest of the text stays in place, and the reviewer is sent to the gap first.
    assert pairs[:6] == MEMO_GOLD[:6]
    assert pairs[-2:] == [((9,), (8,)), ((10,), (9,))]
    around_gap = [b.confidence for b in beads if 7 in b.ru]
    elsewhere = [b.confidence for b in beads if not set(b.ru) & {7, 8}]
    assert max(around_gap) < min(elsewhere)


def test_locked_pairs_are_kept_and_the_rest_aligned_around_them() -> None:
    # A reviewer insists that sentence 4 goes alone with the English sentence 4.
    locked = [Bead((4,), (4,), 1.0)]
    beads = align(MEMO_RU, MEMO_EN, locked=locked)
    _assert_valid(beads, len(MEMO_RU), len(MEMO_EN))
    assert locked[0] in beads
    assert ((0,), (0,)) in _pairs(beads)
    assert ((9,), (9,)) in _pairs(beads)


def test_a_locked_one_sided_pair_is_kept() -> None:
    locked = [Bead((5,), (), 1.0)]
    beads = align(MEMO_RU, MEMO_EN, locked=locked)
    _assert_valid(beads, len(MEMO_RU), len(MEMO_EN))
    assert locked[0] in beads
    assert ((4,), (4,)) in _pairs(beads)


def test_realigning_a_window_uses_the_sub_lists() -> None:
    window = align(MEMO_RU[6:9], MEMO_EN[5:9])
    assert _pairs(window) == [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3))]


def test_progress_runs_from_zero_to_one() -> None:
    seen: list[float] = []
    align(MEMO_RU, MEMO_EN, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_confidence_is_lower_for_a_wrong_pairing() -> None:
    # The second English sentence is unrelated to anything in the Russian text.
    ru = MEMO_RU[:3]
    en = [MEMO_EN[0], "The weather in Crimea was unusually warm for the season.", MEMO_EN[2]]
    beads = align(ru, en)
    _assert_valid(beads, 3, 3)
    by_pair = {(b.ru, b.en): b.confidence for b in beads}
    good = by_pair[((0,), (0,))]
    doubtful = [c for (r, e), c in by_pair.items() if 1 in e]
    assert doubtful and max(doubtful) < good


def test_paragraphs_act_as_anchors() -> None:
    ru = ["Первый абзац.", "Он короткий.", "Второй абзац длиннее, и в нём одно предложение."]
    en = [
        "The first paragraph.",
        "It is short.",
        "The second paragraph is longer and has one sentence.",
    ]
    beads = align(ru, en, ru_paragraphs=[0, 0, 1], en_paragraphs=[0, 0, 1])
    assert _pairs(beads) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]


@pytest.mark.parametrize(
    ("ru", "en"),
    [([], []), ([""], []), ([], ["  "])],
)
def test_nothing_to_align_is_a_clear_error(ru: list[str], en: list[str]) -> None:
    if ru or en:
        beads = align(ru, en)
        _assert_valid(beads, len(ru), len(en))
        return
    with pytest.raises(ValueError, match="empty"):
        align(ru, en)


def test_one_side_empty_gives_one_sided_beads() -> None:
    beads = align(MEMO_RU[:3], [])
    assert _pairs(beads) == [((0,), ()), ((1,), ()), ((2,), ())]


def test_bad_locked_pairs_are_refused() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        align(MEMO_RU, MEMO_EN, locked=[Bead((40,), (0,), 1.0)])
    with pytest.raises(ValueError, match="overlap|order"):
        align(MEMO_RU, MEMO_EN, locked=[Bead((3,), (3,), 1.0), Bead((2,), (2,), 1.0)])


def test_paragraph_numbers_must_match_the_segments() -> None:
    with pytest.raises(ValueError, match="paragraph"):
        align(MEMO_RU, MEMO_EN, ru_paragraphs=[0, 1])


def test_align_texts_segments_and_aligns() -> None:
    ru_text = " ".join(MEMO_RU[:4]) + "\n\n" + " ".join(MEMO_RU[4:])
    en_text = " ".join(MEMO_EN[:4]) + "\n\n" + " ".join(MEMO_EN[4:])
    result = align_texts(ru_text, en_text)
    assert isinstance(result, AlignedText)
    _assert_valid(result.beads, len(result.ru), len(result.en))
    for seg in result.ru:
        assert ru_text[seg.start : seg.end] == seg.text
    pairs = {
        (tuple(result.ru[i].text for i in b.ru), tuple(result.en[j].text for j in b.en))
        for b in result.beads
    }
    assert ((MEMO_RU[7],), (MEMO_EN[6],)) in pairs


def test_align_texts_presegmented_keeps_lines() -> None:
    result = align_texts("\n".join(MEMO_RU), "\n".join(MEMO_EN), presegmented=True)
    assert [s.text for s in result.ru] == MEMO_RU
    assert _pairs(result.beads) == MEMO_GOLD


def test_align_texts_refuses_two_empty_texts() -> None:
    with pytest.raises(ValueError, match="empty"):
        align_texts(" \n", "\n\n")


def test_user_terms_help_where_the_dictionary_is_silent() -> None:
    ru = ["Пришёл отчёт о погоде.", "Гидрокоптер ушёл на север."]
    en = [
        "The weather report came.",
        "It rained the whole day and nobody went out at all.",
        "The hydrocopter went north.",
    ]
    without = align(ru, en)
    assert ((1,), (2,)) not in _pairs(without)
    with_term = align(
        ru, en, lexicon=default_lexicon().with_pairs([("гидрокоптер", "hydrocopter")])
    )
    assert _pairs(with_term) == [((0,), (0,)), ((), (1,)), ((1,), (2,))]
