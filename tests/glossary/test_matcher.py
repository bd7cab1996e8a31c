"""Term recognition: inflections, multi-word terms, abbreviations, homonyms, English lemmas."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from glossary.matcher import TermMatcher, en_key, term_key
from glossary.types import Equivalent, Term

TROIKA = Term(1, "тройка", (Equivalent("troika"), Equivalent("three", "forbidden")), "approved")
OGPU = Term(2, "ОГПУ", (Equivalent("OGPU"),), "approved")
NKVD = Term(3, "НКВД", (Equivalent("NKVD"),), "approved")
UNKVD = Term(4, "УНКВД", (Equivalent("UNKVD"),), "approved")
ITL = Term(5, "ИТЛ", (Equivalent("corrective labour camp"),), "approved")
COLLEGIUM = Term(6, "коллегия", (Equivalent("collegium"), Equivalent("board", "deprecated")))
MILITARY = Term(
    7,
    "Военная коллегия Верховного суда СССР",
    (Equivalent("Military Collegium of the USSR Supreme Court"),),
    "approved",
)
GULAG = Term(8, "ГУЛАГ", (Equivalent("Gulag"),), "approved")


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return TermMatcher([TROIKA, OGPU, NKVD, UNKVD, ITL, COLLEGIUM, MILITARY, GULAG])


def found(matcher: TermMatcher, text: str, lang: str = "ru") -> list[tuple[int | str, str]]:
    return [(m.term_id, m.text) for m in matcher.find(text, lang)]  # type: ignore[arg-type]


def test_every_case_and_number_of_a_noun(matcher: TermMatcher) -> None:
    text = (
        "Тройкой ОГПУ он был осуждён; решения троек не обжаловались, тройкам давали лимиты, "
        "в тройке было трое, тройки заседали ночью, о тройках молчали."
    )
    troika = [t for i, t in found(matcher, text) if i == 1]
    assert troika == ["Тройкой", "троек", "тройкам", "тройке", "тройки", "тройках"]


def test_a_related_adjective_is_not_the_noun(matcher: TermMatcher) -> None:
    assert found(matcher, "Тройной тариф и тройная порция, тройное убийство.") == []


def test_multi_word_term_in_genitive_and_instrumental(matcher: TermMatcher) -> None:
    genitive = "Приговор Военной коллегии Верховного суда СССР от 25 ноября 1937 года."
    instrumental = "Дело было рассмотрено Военной коллегией Верховного суда СССР."
    assert found(matcher, genitive) == [(7, "Военной коллегии Верховного суда СССР")]
    assert found(matcher, instrumental) == [(7, "Военной коллегией Верховного суда СССР")]


def test_longest_match_wins_over_a_shorter_term_inside_it(matcher: TermMatcher) -> None:
    # "коллегия" alone is a term too; inside the full name only the full name is reported.
    text = "Военная коллегия Верховного суда СССР и коллегия адвокатов."
    assert found(matcher, text) == [
        (7, "Военная коллегия Верховного суда СССР"),
        (6, "коллегия"),
    ]


def test_abbreviations_exactly_also_inside_hyphenated_compounds(matcher: TermMatcher) -> None:
    text = "Архив ОГПУ-НКВД-УНКВД по Ленинградской области; заключён в ИТЛ сроком на 10 лет."
    assert found(matcher, text) == [
        (2, "ОГПУ"),
        (3, "НКВД"),
        (4, "УНКВД"),
        (5, "ИТЛ"),
    ]


def test_abbreviation_with_a_case_ending(matcher: TermMatcher) -> None:
    assert found(matcher, "Начальник ГУЛАГа подписал приказ.") == [(8, "ГУЛАГа")]


def test_abbreviations_are_not_lemmatised_or_lowercased(matcher: TermMatcher) -> None:
    # An abbreviation is matched as written: the common word "итл" or "огпу" in lower case
    # (which pymorphy3 would happily "lemmatise") is not the abbreviation.
    assert found(matcher, "огпу и итл в нижнем регистре") == []


def test_homonyms_kept_apart(matcher: TermMatcher) -> None:
    text = "Коллеги из коллегии адвокатов и мои коллеги пришли к коллегам."
    assert found(matcher, text) == [(6, "коллегии")]


def test_quotes_do_not_interrupt_a_term() -> None:
    matcher = TermMatcher([Term(1, "газета «Правда»", (Equivalent("Pravda"),))])
    assert found(matcher, "Статья в газете «Правда» вышла.") == [(1, "газете «Правда»")]
    # A full stop does: these are two sentences.
    assert found(matcher, "Он читал газету. Правда, недолго.") == []


def test_english_by_lemma_with_kinds(matcher: TermMatcher) -> None:
    text = "The troikas of the OGPU and the NKVD's Military Collegia; three boards."
    got = [(m.term_id, m.text, m.kind) for m in matcher.find_en(text)]
    assert got == [
        (1, "troikas", "preferred"),
        (2, "OGPU", "preferred"),
        (3, "NKVD's", "preferred"),
        (6, "Collegia", "preferred"),
        (1, "three", "forbidden"),
        (6, "boards", "deprecated"),
    ]


def test_term_key_is_the_lemma_sequence() -> None:
    assert term_key("Тройки") == term_key("тройка") == "тройка"
    assert term_key("Военной коллегии Верховного суда СССР") == term_key(MILITARY.ru)
    assert term_key("ОГПУ") != term_key("огпу")
    assert term_key("— «…» !") == ""
    assert en_key("Military Collegia") == en_key("military collegium")


def test_empty_glossary_finds_nothing() -> None:
    assert TermMatcher([]).find_ru("Тройка ОГПУ") == []


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["term_labels.tsv", "term_labels_heldout.tsv"])
def test_recognition_on_labelled_real_sentences(shared_data: Path, name: str) -> None:
    """The labelled occurrences in bench/term_labels*.tsv (real corpus sentences)."""
    labels = Path(__file__).resolve().parents[2] / "bench" / name
    rows = [
        line.split("\t")
        for line in labels.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    terms: dict[str, Term] = {}
    for _, _, lang, term, _ in rows:
        terms.setdefault(
            term, Term(term, term) if lang == "ru" else Term(term, "-", (Equivalent(term),))
        )
    matcher = TermMatcher(terms.values())
    texts: dict[str, list[str]] = {}
    tp = fp = fn = 0
    for file, number, lang, term, expected in rows:
        if file not in texts:
            texts[file] = (shared_data / file).read_text(encoding="utf-8").split("\n")
        sentence = texts[file][int(number) - 1]
        got = Counter(m.text for m in matcher.find(sentence, lang) if m.term_id == term)  # type: ignore[arg-type]
        want = Counter(s for s in expected.split(" | ") if s)
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
    assert tp + fn >= 80, "the gold set lost its occurrences"
    assert tp / (tp + fp) >= 0.97
    assert tp / (tp + fn) >= 0.97
