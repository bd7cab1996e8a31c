"""Lexicons: the Mueller dictionary, user TSV files and glossary pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment import lexicon as lexicon_module
from alignment.lexicon import MUELLER_DICT, MUELLER_INDEX, Lexicon, default_lexicon

needs_mueller = pytest.mark.skipif(
    not (MUELLER_INDEX.is_file() and MUELLER_DICT.is_file()),
    reason="needs Debian's mueller7-dict (/usr/share/dictd/mueller7.*)",
)


@needs_mueller
@pytest.mark.parametrize(
    ("ru", "en"),
    [
        ("покидать", "abandon"),
        ("дом", "house"),
        ("собака", "dog"),
        ("комитет", "committee"),
        ("приговор", "sentence"),
        ("свидетель", "witness"),
    ],
)
def test_mueller_gives_the_common_translation(ru: str, en: str) -> None:
    assert en in default_lexicon().translations(ru)


@needs_mueller
def test_first_senses_weigh_more_than_examples_and_rare_senses() -> None:
    house = default_lexicon().translations("дом")
    assert house["house"] > house.get("premise", 0.0)


@needs_mueller
def test_examples_in_entries_are_not_taken_for_translations() -> None:
    # "abandon": "to abandon oneself to the idea склоняться к мысли" is an example.
    assert "abandon" not in default_lexicon().translations("мысль")


def test_the_aligner_works_without_the_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon_module, "MUELLER_INDEX", Path("/nonexistent/mueller7.index"))
    default_lexicon.cache_clear()
    try:
        empty = default_lexicon()
        assert len(empty) == 0
        assert empty.translations("дом") == {}
    finally:
        default_lexicon.cache_clear()


def test_user_tsv_adds_words_and_phrases(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text(
        "\ufeff# archive terms\nтройка\ttroika\nOGPU\tОГПУ\n"
        "Комитет государственной безопасности\tState Security Committee\n",
        encoding="utf-8",
    )
    lexicon = Lexicon.from_tsv(path)
    assert lexicon.translations("тройка") == {"troika": 1.0}
    assert "ogpu" in lexicon.translations("огпу")  # columns in either order
    assert (("комитет", "государственный", "безопасность"), ("state", "security", "committee")) in (
        lexicon.phrases
    )


def test_a_tsv_line_without_tab_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("тройка\ttroika\nпросто слово\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        Lexicon.from_tsv(path)


def test_with_pairs_keeps_the_base_lexicon() -> None:
    base = Lexicon({"дом": {"house": 0.9}})
    more = base.with_pairs([("изба", "hut"), ("дом", "home")])
    assert set(more.translations("дом")) == {"house", "home"}
    assert more.translations("изба") == {"hut": 1.0}
    assert base.translations("изба") == {}
