"""Whatever the input, the aligner returns a valid alignment or a clear error, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.align import align, align_texts
from alignment.types import Bead

segment = st.text(max_size=60)
side = st.lists(segment, max_size=12)


def _assert_valid(beads: list[Bead], n: int, m: int) -> None:
    assert [i for b in beads for i in b.ru] == list(range(n))
    assert [j for b in beads for j in b.en] == list(range(m))
    assert all(b.ru or b.en for b in beads)
    assert all(0.0 <= b.confidence <= 1.0 for b in beads)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(side, side)
def test_every_segment_is_in_exactly_one_bead_in_order(ru: list[str], en: list[str]) -> None:
    if not ru and not en:
        with pytest.raises(ValueError):
            align(ru, en)
        return
    _assert_valid(align(ru, en), len(ru), len(en))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_locked_beads_are_preserved(data: st.DataObject) -> None:
    ru = data.draw(st.lists(segment, min_size=1, max_size=10))
    en = data.draw(st.lists(segment, min_size=1, max_size=10))
    # Draw a few monotone, non-overlapping locked beads.
    locked: list[Bead] = []
    i = j = 0
    while i < len(ru) and j < len(en) and data.draw(st.booleans()):
        i += data.draw(st.integers(0, 2))
        j += data.draw(st.integers(0, 2))
        a = data.draw(st.integers(0, 2))
        b = data.draw(st.integers(0, 2))
        if a + b == 0 or i + a > len(ru) or j + b > len(en):
            break
        locked.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), 1.0))
        i, j = i + a, j + b
    beads = align(ru, en, locked=locked)
    _assert_valid(beads, len(ru), len(en))
    for bead in locked:
        assert bead in beads


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_pair_of_texts_aligns_or_says_why(ru: str, en: str) -> None:
    try:
        result = align_texts(ru, en)
    except ValueError as exc:
        assert "empty" in str(exc)
        assert not ru.strip() and not en.strip()
        return
    _assert_valid(result.beads, len(result.ru), len(result.en))


def test_one_to_ten_length_mismatch() -> None:
    ru = ["Короткий текст."]
    en = [f"This is English sentence number {k} about something else entirely." for k in range(10)]
    _assert_valid(align(ru, en), 1, 10)
    _assert_valid(align(en[:1] * 10, ["Одно предложение."]), 10, 1)


def test_a_single_line_of_100k_characters() -> None:
    line = "Слово за словом, строка без конца. " * 2900
    result = align_texts(line[:100_000], "Word after word, a line without end. " * 10)
    _assert_valid(result.beads, len(result.ru), len(result.en))
    beads = align([line[:100_000]], ["A very long line."])
    _assert_valid(beads, 1, 1)


def test_lines_of_only_punctuation() -> None:
    ru = ["…", "—", "?!", "«»", "***"]
    en = ["...", "--", "?!", '""']
    _assert_valid(align(ru, en), len(ru), len(en))


def test_a_file_in_the_wrong_language() -> None:
    # The "Russian" side is English: still a valid alignment.
    en = ["The first sentence is here.", "The second one follows.", "And a third."]
    _assert_valid(align(en, en), 3, 3)
    assert [(b.ru, b.en) for b in align(en, en)] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
