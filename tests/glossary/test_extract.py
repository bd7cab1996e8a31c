"""Term extraction and the consistency report / concordance, on archival pairs we wrote."""

from __future__ import annotations

from collections import Counter

from glossary.consistency import NOT_FOUND, concordance, consistency, guess_renderings
from glossary.extract import extract_candidates
from glossary.matcher import TermMatcher
from glossary.types import Equivalent, Term

PAIRS = [
    ("Тройка ОГПУ приговорила его к расстрелу.", "The OGPU troika sentenced him to be shot."),
    (
        "Постановлением тройки ОГПУ от 5 мая 1933 года он осуждён на 10 лет.",
        "By a decision of the OGPU troika of 5 May 1933 he was sentenced to 10 years.",
    ),
    (
        "Военная коллегия Верховного суда СССР рассмотрела дело 25 ноября 1937 года.",
        "The Military Collegium of the USSR Supreme Court heard the case on 25 November 1937.",
    ),
    (
        "Приговор Военной коллегии Верховного суда СССР приведён в исполнение.",
        "The sentence of the Military Collegium of the USSR Supreme Court was carried out.",
    ),
    ("Дело передано в НКВД, а затем тройке.", "The case went to the NKVD and then to the troika."),
    ("НКВД арестовал его в 1937 году.", "The NKVD arrested him in 1937."),
    ("В 1956 году тройки были упразднены.", "In 1956 the three-man boards were abolished."),
]


def by_ru(candidates: list) -> dict:  # type: ignore[type-arg]
    return {c.ru: c for c in candidates}


def test_abbreviations_names_and_ngrams_with_english_suggestions() -> None:
    found = by_ru(extract_candidates(PAIRS, min_ngram_frequency=2))
    assert found["НКВД"].kind == "abbreviation"
    assert found["НКВД"].en_suggestions[0] == "NKVD"
    assert found["ОГПУ"].en_suggestions[0] == "OGPU"  # transliterated, and used in the English
    name = found["Военная коллегия Верховного суда СССР"]
    assert (name.kind, name.frequency) == ("name", 2)
    assert name.en_suggestions[0] == "Military Collegium of the USSR Supreme Court"
    # The pieces of the name are not proposed on their own: they only occur inside it.
    assert "коллегия Верховного суда" not in found and "Верховного суда СССР" not in found
    assert found["Тройка ОГПУ"].en_suggestions[0] == "OGPU troika"


def test_inflected_occurrences_are_counted_together() -> None:
    found = by_ru(extract_candidates(PAIRS, min_ngram_frequency=2))
    assert found["Тройка ОГПУ"].frequency == 2  # Тройка ОГПУ + тройки ОГПУ


def test_known_terms_are_not_proposed_again() -> None:
    known = TermMatcher([Term(1, "НКВД", (Equivalent("NKVD"),))])
    found = by_ru(extract_candidates(PAIRS, known=known, min_ngram_frequency=2))
    assert "НКВД" not in found and "ОГПУ" in found


def test_consistency_counts_how_each_term_was_rendered() -> None:
    matcher = TermMatcher(
        [
            Term(
                "troika",
                "тройка",
                (Equivalent("troika"), Equivalent("three-man board", "deprecated")),
            ),
            Term("nkvd", "НКВД", (Equivalent("NKVD"),)),
            Term("never", "ГУЛАГ", (Equivalent("Gulag"),)),
        ]
    )
    report = consistency(PAIRS, matcher)
    assert report["troika"] == Counter({"troika": 3, "three-man board": 1})
    assert report["nkvd"] == Counter({"NKVD": 2})
    assert "never" not in report
    missing = consistency([("Тройка заседала.", "The commission met.")], matcher)
    assert missing["troika"] == Counter({NOT_FOUND: 1})


def test_concordance_by_lemma_and_as_written() -> None:
    ru_hits = concordance(PAIRS, "тройка", "ru")
    assert [h.pair_index for h in ru_hits] == [0, 1, 4, 6]
    assert [PAIRS[h.pair_index][0][slice(*h.spans[0])] for h in ru_hits] == [
        "Тройка",
        "тройки",
        "тройке",
        "тройки",
    ]
    assert ru_hits[0].en == PAIRS[0][1]
    assert [h.pair_index for h in concordance(PAIRS, "troikas", "en")] == [0, 1, 4]
    assert [h.pair_index for h in concordance(PAIRS, "тройки", "ru", by_lemma=False)] == [1, 6]
    assert concordance(PAIRS, "  ", "ru") == []


def test_renderings_outside_the_glossary_are_guessed() -> None:
    pairs = [
        ("Тройка ОГПУ осудила его.", "The OGPU commission convicted him."),
        ("Решение тройки было отменено.", "The commission's decision was quashed."),
        ("Тройка заседала ночью.", "The troika sat at night."),
        ("Прокурор подписал протест.", "The prosecutor signed the protest."),
        ("Протест прокурора удовлетворён.", "The prosecutor's protest was upheld."),
    ]
    matcher = TermMatcher([Term("troika", "тройка", (Equivalent("troika"),))])
    assert consistency(pairs, matcher)["troika"] == Counter({NOT_FOUND: 2, "troika": 1})
    assert guess_renderings(pairs, matcher, "troika") == Counter({"commission": 2})
