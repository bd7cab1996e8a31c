"""Transliteration systems and the spelling-blind name key that lets names meet."""

from __future__ import annotations

import pytest

from alignment.translit import name_key, transliterate


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("bgn", "Khrushchev Semichastnyy Yuliya"),
        ("scholarly", "Xruščëv Semičastnyj Julija"),
        ("gost", "Xrushhyov Semichastny`j Yuliya"),
        ("passport", "Khrushchev Semichastnyi Iuliia"),
    ],
)
def test_each_system_writes_names_as_its_tables_say(system: str, expected: str) -> None:
    assert transliterate("Хрущёв Семичастный Юлия", system) == expected  # type: ignore[arg-type]


def test_text_that_is_not_cyrillic_is_kept() -> None:
    assert transliterate("№ 3265-с, NKVD", "bgn") == "№ 3265-s, NKVD"


@pytest.mark.parametrize(
    ("russian", "english"),
    [
        ("Семичастный", "Semichastny"),
        ("Семичастный", "Semičastnyj"),
        ("Хрущёв", "Khrushchev"),
        ("Хрущёв", "Khrushchov"),
        ("Лубянка", "Lubyanka"),
        ("Черномордик", "Tchernomordik"),
        ("Очумелов", "Otchumyelov"),
        ("Щукин", "Shchukin"),
        ("Юлия", "Iuliia"),
    ],
)
def test_name_key_joins_the_spellings_of_one_name(russian: str, english: str) -> None:
    assert name_key(russian) == name_key(english)


@pytest.mark.parametrize(("a", "b"), [("Семичастный", "Serov"), ("Хрущёв", "Kruglov")])
def test_name_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)
