"""Paragraph and sentence segmentation on archival Russian and English text."""

from __future__ import annotations

from alignment.segment import segment_lines, segment_text, split_paragraphs

ARCHIVE_RU = (
    "Постановлением тройки ОГПУ от 26 декабря 1932 г. Семичастный В. Е. был осуждён "
    "по ст. 58-10 УК РСФСР. Приговор приведён в исполнение.\n\n"
    "Реабилитирован в 1989 г.\n"
)


def test_archival_sentence_keeps_date_initials_and_article() -> None:
    segments = segment_text(ARCHIVE_RU, "ru")
    assert [s.text for s in segments] == [
        "Постановлением тройки ОГПУ от 26 декабря 1932 г. Семичастный В. Е. был осуждён "
        "по ст. 58-10 УК РСФСР.",
        "Приговор приведён в исполнение.",
        "Реабилитирован в 1989 г.",
    ]
    assert [s.paragraph for s in segments] == [0, 0, 1]
    assert all(ARCHIVE_RU[s.start : s.end] == s.text for s in segments)


def test_one_paragraph_per_line_without_blank_lines() -> None:
    text = "Ионыч\nI\nКогда в губернском городе С. приезжие жаловались на скуку.\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == [
        "Ионыч",
        "I",
        "Когда в губернском городе С. приезжие жаловались на скуку.",
    ]


def test_presegmented_lines_grouped_by_blank_lines() -> None:
    text = "Первое.\nВторое.\n\nТретье.\n"
    assert [(s.text, s.paragraph) for s in segment_lines(text)] == [
        ("Первое.", 0),
        ("Второе.", 0),
        ("Третье.", 1),
    ]
