"""Anchors: numbers, dates, document numbers across the Russian and English conventions."""

from __future__ import annotations

import pytest

from alignment.anchors import month_key, name_anchor, number_keys, punctuation_keys


@pytest.mark.parametrize(
    ("ru", "en"),
    [
        ("36 225", "36,225"),
        ("36\u00a0225", "36,225"),
        ("1 000 000", "1,000,000"),
        ("2,5", "2.5"),
        ("3265-с", "3265-s"),
        ("10-летний", "10-year"),
        ("1962", "1962"),
    ],
)
def test_a_number_has_the_same_key_in_both_conventions(ru: str, en: str) -> None:
    assert number_keys(ru, "ru") == number_keys(en, "en")


def test_a_russian_decimal_comma_is_not_a_thousands_separator() -> None:
    assert number_keys("2,5", "ru") != number_keys("2,500", "en")


def test_dotted_dates_give_each_part() -> None:
    assert number_keys("26.12.1962", "ru") == ["#26", "#12", "#1962"]


def test_months_meet_whatever_the_case() -> None:
    assert month_key("декабрь", "ru") == month_key("December", "en") == "@12"
    assert month_key("дом", "ru") is None


def test_name_anchor_ignores_case_endings() -> None:
    assert name_anchor("семичастного") == name_anchor("Semichastny")
    assert name_anchor("Ур") is None or len(name_anchor("Ур") or "") >= 3


def test_questions_and_exclamations_are_anchors() -> None:
    assert punctuation_keys("Кто там?") == ["?"]
    assert punctuation_keys("Стой! Кто идёт?") == ["?", "!"]
    assert punctuation_keys("Тихо.") == []
