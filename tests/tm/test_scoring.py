"""Russian-aware match scores: inflection and numbers cost less than another word."""

from __future__ import annotations

from app.tm import analyse, diff_spans, index_keys, query_keys, score, substitute_numbers

SOURCE = "Я пришёл домой с тройкой друзей в 1937 году."


def test_identical_text_is_100_and_white_space_does_not_matter() -> None:
    assert score(analyse(SOURCE), analyse("Я  пришёл домой с тройкой друзей в 1937 году. ")) == 100


def test_inflection_and_numbers_rank_above_another_content_word() -> None:
    q = analyse(SOURCE)
    inflected = score(q, analyse("Я пришёл домой с тройки друзей в 1937 году."))
    renumbered = score(q, analyse("Я пришёл домой с тройкой друзей в 1941 году."))
    other_word = score(q, analyse("Я пришёл домой с пятёркой друзей в 1937 году."))
    assert 90 <= inflected < 100
    assert 90 <= renumbered < 100
    assert other_word < min(inflected, renumbered)


def test_punctuation_or_case_alone_is_never_100() -> None:
    q = analyse(SOURCE)
    assert score(q, analyse("я пришёл домой с тройкой друзей в 1937 году!")) == 99


def test_unrelated_sentence_scores_low() -> None:
    q = analyse(SOURCE)
    assert score(q, analyse("Погода сегодня отличная, пойдём гулять в парк.")) < 40


def test_diff_spans_say_what_kind_of_difference() -> None:
    q = analyse(SOURCE)
    match = "Я пришёл домой с тройки подруг в 1941 году."
    result = diff_spans(q, analyse(match))
    kinds = {match[s.start : s.end]: s.kind for s in result.spans}
    assert kinds == {"тройки": "inflection", "подруг": "content", "1941": "number"}
    assert result.missing == ("друзей",)


def test_differing_numbers_are_substituted_in_the_translation() -> None:
    q = analyse("В 1938 году в городе жили 12 000 человек.")
    c = analyse("В 1937 году в городе жили 10 000 человек.")
    en, notes = substitute_numbers(q, c, "In 1937, 10,000 people lived in the town.")
    assert en == "In 1938, 12,000 people lived in the town."
    assert notes == []


def test_a_number_the_translation_spells_out_is_flagged() -> None:
    q = analyse("Он купил 5 книг.")
    c = analyse("Он купил 3 книги.")
    en, notes = substitute_numbers(q, c, "He bought three books.")
    assert en == "He bought three books."
    assert len(notes) == 1 and "5" in notes[0] and "3" in notes[0]


def test_decimal_comma_becomes_a_decimal_point() -> None:
    q = analyse("Рост составил 3,5 процента.")
    c = analyse("Рост составил 2,5 процента.")
    en, _ = substitute_numbers(q, c, "Growth was 2.5 percent.")
    assert en == "Growth was 3.5 percent."


def test_index_keys_leave_out_function_words_but_short_sentences_keep_them() -> None:
    long_a = analyse("Я пришёл домой поздно вечером.")
    long_b = analyse("Ты пришёл домой поздно вечером.")
    assert index_keys(long_a) == index_keys(long_b)  # "я"/"ты" are not keys
    short = analyse("Я тебя люблю.")
    assert len(index_keys(short)) == 3
    assert set(index_keys(short)) <= set(query_keys(analyse("Я люблю тебя!")))
