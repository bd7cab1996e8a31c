"""QA checks on archival text the project writes itself (not corpus text)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.checks import ALL_CHECKS, CHECKS, TERMINOLOGY_CHECKS, get_check, run_checks, select
from glossary.checks.numbers import numbers
from glossary.matcher import TermMatcher
from glossary.types import Equivalent, Term

RU = (
    "Постановлением Тройки ОГПУ от 26.12.1932 (протокол № 108сс) из 36 225 человек, "
    "высланных в Нарымский край, 2,5 тыс. «кулаков» направлены в ИТЛ."
)
EN = (
    "By a decision of the OGPU troika of 26 December 1932 (Protocol No. 108ss), of the 36,225 "
    "people exiled to the Narym region, 2.5 thousand “kulaks” were sent to corrective labour "
    "camps."
)


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return TermMatcher(
        [
            Term(1, "тройка", (Equivalent("troika"), Equivalent("three", "forbidden")), "approved"),
            Term(2, "ОГПУ", (Equivalent("OGPU"),), "approved"),
            Term(3, "ИТЛ", (Equivalent("corrective labour camp"), Equivalent("ITL", "admitted"))),
            Term(4, "край", (Equivalent("krai"), Equivalent("region", "admitted")), "proposed"),
            Term(5, "кулак", (Equivalent("kulak"), Equivalent("fist", "deprecated")), "approved"),
        ]
    )


def ids(issues: list) -> list[str]:  # type: ignore[type-arg]
    return [i.check_id for i in issues]


def test_a_good_translation_is_clean(matcher: TermMatcher) -> None:
    assert run_checks(RU, EN, matcher=matcher) == []


def test_approved_term_missing_from_the_translation(matcher: TermMatcher) -> None:
    en = EN.replace("OGPU troika", "OGPU commission")
    issues = run_checks(RU, en, matcher=matcher, checks=TERMINOLOGY_CHECKS)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.check_id == "terminology"
    assert issue.message == '"Тройки" → expected "troika" in the translation'
    start, end = issue.ru_spans[0]
    assert RU[start:end] == "Тройки"


def test_an_equivalent_inside_a_longer_one_counts() -> None:
    matcher = TermMatcher(
        [
            Term(1, "суд", (Equivalent("court"),), "approved"),
            Term(2, "Верховный суд", (Equivalent("Supreme Court"),), "approved"),
        ]
    )
    ru, en = "Дело передано в суд.", "The case went to the Supreme Court."
    assert [m.text for m in matcher.find_en(en)] == ["Supreme Court"]
    assert [m.text for m in matcher.find_en(en, overlapping=True)] == ["Supreme Court", "Court"]
    assert run_checks(ru, en, matcher=matcher, checks=TERMINOLOGY_CHECKS) == []


def test_proposed_terms_are_not_enforced(matcher: TermMatcher) -> None:
    # "край" is only proposed: its missing "krai" is not reported.
    assert "край" in RU and "krai" not in EN
    assert run_checks(RU, EN, matcher=matcher, checks=TERMINOLOGY_CHECKS) == []


def test_forbidden_and_deprecated_equivalents(matcher: TermMatcher) -> None:
    en = EN.replace("OGPU troika", "OGPU three").replace("“kulaks”", "“fists”")
    issues = run_checks(RU, en, matcher=matcher, checks=TERMINOLOGY_CHECKS)
    by_id = {(i.check_id, i.severity): i for i in issues}
    forbidden = by_id[("terminology-discouraged", "error")]
    assert forbidden.message == '"three" is a forbidden equivalent of "тройка"; use "troika"'
    assert en[slice(*forbidden.en_spans[0])] == "three"
    deprecated = by_id[("terminology-discouraged", "warning")]
    assert '"fists" is a deprecated equivalent of "кулак"' in deprecated.message
    assert ("terminology", "warning") in by_id  # and troika/kulak are missing


def test_numbers_read_in_each_language_s_convention() -> None:
    assert [v for v, _, _ in numbers("36 225 и 2,5 и 1955", "ru")] == ["36225", "2.5", "1955"]
    assert [v for v, _, _ in numbers("36,225 and 2.5 and 1955", "en")] == ["36225", "2.5", "1955"]
    assert [v for v, _, _ in numbers("1\u00a0000\u00a0000 руб.", "ru")] == ["1000000"]
    assert [v for v, _, _ in numbers("26.12.1932", "ru")] == ["26", "12", "1932"]


def test_numbers_that_differ_are_reported_on_both_sides() -> None:
    en = EN.replace("36,225", "36,252")
    issues = [i for i in run_checks(RU, en) if i.check_id == "numbers"]
    assert [i.message for i in issues] == [
        "36 225 is not in the translation",
        "36,252 is in the translation but not in the Russian",
    ]
    assert RU[slice(*issues[0].ru_spans[0])] == "36 225"


def test_a_russian_decimal_copied_as_is_is_a_different_number() -> None:
    # In English 2,500 is two thousand five hundred, not 2.5.
    en = EN.replace("2.5 thousand", "2,500 thousand")
    assert "numbers" in ids(run_checks(RU, en))


def test_number_words_may_stand_for_figures() -> None:
    assert (
        run_checks(
            "Приговорены трое, из них 3 к расстрелу.",
            "Three were sentenced, 3 of them to be shot.",
            checks=select(["numbers"]),
        )
        == []
    )
    assert (
        run_checks(
            "Осуждены 3 человека.", "Three people were convicted.", checks=select(["numbers"])
        )
        == []
    )


def test_roman_numerals_stand_for_figures() -> None:
    ru = "В XV веке и в 1498 году."
    assert run_checks(ru, "In the 15th century and in 1498.", checks=select(["numbers"])) == []
    wrong = run_checks(ru, "In the 16th century and in 1498.", checks=select(["numbers"]))
    assert [i.message for i in wrong] == ["16 is in the translation but not in the Russian"]


def test_document_numbers() -> None:
    ok = run_checks("Приказ № 00447.", "Order No. 00447.", checks=select(["document-numbers"]))
    assert ok == []
    kept = run_checks("Приказ № 00447.", "Order № 00447.", checks=select(["document-numbers"]))
    assert [i.message for i in kept] == ['The translation keeps the "№" sign; English writes "No."']
    wrong = run_checks("Приказ № 00447.", "Order No. 00485.", checks=select(["document-numbers"]))
    assert [i.message for i in wrong] == ['"№ 00447" has no "No. 00447" in the translation']


def test_unbalanced_quotes_and_brackets() -> None:
    en = EN.replace("(Protocol No. 108ss)", "(Protocol No. 108ss").replace("kulaks”", "kulaks")
    issues = [i for i in run_checks(RU, en) if i.check_id == "brackets"]
    assert [i.message for i in issues] == ["Unbalanced in the English text: ( “"]
    assert run_checks("«Дело «Весна»»", "The “Vesna” case", checks=select(["brackets"])) == []


def test_empty_identical_and_untranslated() -> None:
    assert ids(run_checks(RU, "  ")) == ["empty"]
    assert ids(run_checks("", "Text.")) == ["empty"]
    assert ids(run_checks("Тройка ОГПУ.", "Тройка ОГПУ.")) == ["identical"]
    left = run_checks("Тройка ОГПУ осудила его.", "The тройка of the OGPU convicted him.")
    assert ids(left) == ["untranslated"]
    assert left[0].message == 'Russian words in the translation: "тройка"'


def test_length_ratio_far_off() -> None:
    en = "The OGPU troika of 26 December 1932 (Protocol No. 108ss)."
    short = run_checks(RU, en)
    assert [i.message for i in short if i.check_id == "length"] == [
        f"The translation is {len(en) / len(RU):.0%} of the Russian length: too short?"
    ]
    assert "length" not in ids(run_checks(RU, EN))


def test_registry_is_explicit_and_complete() -> None:
    assert len(ALL_CHECKS) >= 9
    assert len({c.check_id for c in ALL_CHECKS}) == len(ALL_CHECKS)
    for check in ALL_CHECKS:
        assert CHECKS[check.check_id] is check
        assert check.check_id and check.name and check.description
    assert get_check("numbers").name == "Numbers differ"
    with pytest.raises(KeyError, match="no check 'nonsense'"):
        get_check("nonsense")


def test_glossary_checks_are_skipped_without_a_glossary() -> None:
    en = EN.replace("OGPU troika", "OGPU three")
    # Spelling still speaks ("kulaks" is in no hunspell dictionary); terminology stays silent.
    assert [i.check_id for i in run_checks(RU, en)] in ([], ["spelling"])


@given(st.text(max_size=200), st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_text_is_checked_without_error(ru: str, en: str) -> None:
    matcher = TermMatcher(
        [Term(1, "тройка", (Equivalent("troika"), Equivalent("three", "forbidden")), "approved")]
    )
    for issue in run_checks(ru, en, matcher=matcher):
        assert issue.check_id in CHECKS and issue.message
        assert all(0 <= s < e <= len(ru) for s, e in issue.ru_spans)
        assert all(0 <= s < e <= len(en) for s, e in issue.en_spans)
