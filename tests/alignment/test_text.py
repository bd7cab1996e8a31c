"""The shared language layer as a glossary user meets it: tokens, parts, lemmas."""

from __future__ import annotations

import pytest

from alignment.text import (
    is_abbreviation,
    lemma,
    lemma_en,
    lemmas,
    part_of_speech_ru,
    subwords,
    tokenize,
    words,
)


@pytest.mark.parametrize("form", ["тройка", "тройками", "троек", "тройке", "тройкой", "Тройки"])
def test_every_case_of_troika_has_one_lemma(form: str) -> None:
    assert lemma(form, "ru") == "тройка"


def test_related_words_keep_their_own_lemmas() -> None:
    assert lemma("тройного", "ru") == "тройной"
    assert lemma("коллегии", "ru") == "коллегия"
    assert lemma("коллеги", "ru") == "коллега"
    assert lemma("коллегией", "ru") != lemma("коллегам", "ru")


def test_abbreviations_and_numbers_are_kept_as_written() -> None:
    assert lemma("ОГПУ", "ru") == "ОГПУ"
    assert lemma("NKVD", "en") == "NKVD"
    assert lemma("3265-с", "ru") == "3265-с"
    assert is_abbreviation("УНКВД") and not is_abbreviation("Тройка")


def test_yo_is_spelled_as_ye() -> None:
    assert lemma("Хрущёв", "ru") == lemma("Хрущев", "ru")
    assert lemma("осуждён", "ru") == lemma("осужден", "ru")


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("troikas", "troika"),
        ("Troikas", "troika"),
        ("chekists", "chekist"),
        ("kulaks", "kulak"),
        ("oblasts", "oblast"),
        ("kolkhozes", "kolkhoz"),
        ("collegia", "collegium"),
        ("apparatchiki", "apparatchik"),
        ("dekulakized", "dekulakize"),
        ("rehabilitated", "rehabilitate"),
        ("arrested", "arrest"),
        ("sentenced", "sentence"),
        ("children", "child"),
        ("Khrushchev's", "khrushchev"),
    ],
)
def test_english_lemmas_cover_words_missing_from_the_lookup_table(form: str, expected: str) -> None:
    assert lemma(form, "en") == expected


@pytest.mark.parametrize("word", ["series", "species", "news", "status", "census", "thesis"])
def test_english_words_ending_in_s_that_are_not_plurals(word: str) -> None:
    assert lemma_en(word) == word


def test_compound_is_one_token_with_parts_for_the_glossary() -> None:
    text = "Приказ ОГПУ-НКВД № 00447 от 30 июля 1937 г."
    tokens = tokenize(text)
    compound = next(t for t in tokens if t.text == "ОГПУ-НКВД")
    parts = subwords(compound)
    assert [p.text for p in parts] == ["ОГПУ", "НКВД"]
    assert all(text[p.start : p.end] == p.text for p in parts)
    assert subwords(tokens[0]) == [tokens[0]]


def test_tokens_keep_offsets_numbers_and_punctuation() -> None:
    text = "Осуждено 36 225 чел. (см. ст. 58-10)."
    tokens = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert "36 225" in [t.text for t in tokens]
    assert "58-10" in words(text)
    assert lemmas("Тройками осуждены", "ru") == ["тройка", "осудить"]


def test_part_of_speech_tells_names_from_sentence_starts() -> None:
    assert part_of_speech_ru("Ленина") == "NAME"
    assert part_of_speech_ru("Освобождён") == "PRTS"
    assert part_of_speech_ru("Его") == "NPRO"
    assert part_of_speech_ru("Бвщзхк") is None
