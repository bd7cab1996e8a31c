"""Paragraph and sentence segmentation on archival Russian and English text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.segment import (
    is_blank,
    one_line,
    segment_lines,
    segment_text,
    split_paragraphs,
    split_sentences,
)

ARCHIVE_RU = (
    "Постановлением тройки ОГПУ от 26 декабря 1932 г. Семичастный В. Е. был осуждён "
    "по ст. 58-10 УК РСФСР. Приговор приведён в исполнение.\n\n"
    "Реабилитирован в 1989 г.\n"
)


def sentences(text: str, lang: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, lang)]  # type: ignore[arg-type]


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


@pytest.mark.parametrize(
    "text",
    [
        "В 1937 г. Семичастный был арестован органами НКВД.",
        "В 1960-х гг. Бжезинский занимал должность советника.",
        "Дело передано в г. Москву на рассмотрение Особого совещания.",
        "Тов. Ежов доложил о ходе операции по приказу № 00447.",
        "Школа им. Ленина закрыта по распоряжению тов. Жданова.",
        "Приказ № 108сс от 1 марта 1938 г. подписан Ежовым.",
        "См. ст. 58 УК РСФСР и прил. 3 к протоколу.",
        "Справку составил ст. лейтенант госбезопасности Иванов.",
        "Т. е. никто из членов тройки не возражал.",
        "Здание б. церкви передано под склад Наркомзема.",
        "Протокол подписали В. Е. Семичастный и А. Н. Шелепин.",
        "Товарищ В. Е. Семичастный назначен председателем КГБ.",
        "ГАРФ. Ф. Р-9401. Оп. 2. Д. 64. Л. 12–15.",
        "Доклад (см. Приложение 3. Там же таблица) был заслушан.",
        "Потери составили 36 225 чел., т. е. треть личного состава.",
    ],
)
def test_russian_abbreviations_do_not_end_a_sentence(text: str) -> None:
    assert sentences(text, "ru") == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Он родился в 1932 г. Его отец был рабочим.",
            ["Он родился в 1932 г.", "Его отец был рабочим."],
        ),
        (
            "Арестован 5 мая 1937 г. Освобождён в 1939 г.",
            ["Арестован 5 мая 1937 г.", "Освобождён в 1939 г."],
        ),
        (
            "Изымались книги, журналы и т. д. Потом их сжигали.",
            ["Изымались книги, журналы и т. д.", "Потом их сжигали."],
        ),
        (
            "Выдано 5 тыс. руб. Остаток возвращён в кассу.",
            ["Выдано 5 тыс. руб.", "Остаток возвращён в кассу."],
        ),
        (
            "Протокол подписал Семичастный В. Е. Копия верна.",
            ["Протокол подписал Семичастный В. Е.", "Копия верна."],
        ),
        (
            "Отпечатано 5 экз. Остальные уничтожены. Экз. № 2 хранится в архиве.",
            ["Отпечатано 5 экз.", "Остальные уничтожены.", "Экз. № 2 хранится в архиве."],
        ),
        (
            "Я рассказал им. Они промолчали.",
            ["Я рассказал им.", "Они промолчали."],
        ),
        (
            "Это кажется низким; 6000 из 330 000 заражённых. Так сообщил Минздрав.",
            ["Это кажется низким; 6000 из 330 000 заражённых.", "Так сообщил Минздрав."],
        ),
        (
            "Он сказал: «Иди домой!» Я ушёл. Он помолчал... Потом ушёл и он.",
            ["Он сказал: «Иди домой!»", "Я ушёл.", "Он помолчал...", "Потом ушёл и он."],
        ),
        (
            "– Можно дать ему кость? – спросил он. – Нет, нельзя.",
            ["– Можно дать ему кость? – спросил он.", "– Нет, нельзя."],
        ),
        (
            "ГАРФ. Ф. Р-9401. Оп. 2. Д. 64. Л. 12 об. Подлинник.",
            ["ГАРФ. Ф. Р-9401. Оп. 2. Д. 64. Л. 12 об.", "Подлинник."],
        ),
    ],
)
def test_russian_sentence_ends(text: str, expected: list[str]) -> None:
    assert sentences(text, "ru") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones in St. Petersburg. They spoke of Order No. 3265.",
            ["Mr. Smith met Dr. Jones in St. Petersburg.", "They spoke of Order No. 3265."],
        ),
        (
            "He lived in the U.S.S.R. for ten years. He lived in the U.S.S.R. The country "
            "was vast.",
            [
                "He lived in the U.S.S.R. for ten years.",
                "He lived in the U.S.S.R.",
                "The country was vast.",
            ],
        ),
        (
            "V. E. Semichastny was sentenced under Art. 58-10 of the Code. See p. 5. It is there.",
            [
                "V. E. Semichastny was sentenced under Art. 58-10 of the Code.",
                "See p. 5.",
                "It is there.",
            ],
        ),
        (
            "Some documents, e.g. Orders, were burned. The NKVD (i.e. the secret police) "
            "kept the rest.",
            [
                "Some documents, e.g. Orders, were burned.",
                "The NKVD (i.e. the secret police) kept the rest.",
            ],
        ),
        (
            "It landed at 9 p.m. GMT. Bring pens, paper, etc. Be on time.",
            ["It landed at 9 p.m. GMT.", "Bring pens, paper, etc.", "Be on time."],
        ),
        (
            "It was built in 1100 A.D. Its status declined. He won the Super-G. Czech "
            "skiers came second.",
            [
                "It was built in 1100 A.D.",
                "Its status declined.",
                "He won the Super-G.",
                "Czech skiers came second.",
            ],
        ),
        (
            '"I ... I love you," he said. He paused... Then left.',
            ['"I ... I love you," he said.', "He paused...", "Then left."],
        ),
        (
            "It was reviewed by Whitby et al. Commercial devices came later. They lived near "
            "the Governor's. Ivan Petrovitch called.",
            [
                "It was reviewed by Whitby et al.",
                "Commercial devices came later.",
                "They lived near the Governor's.",
                "Ivan Petrovitch called.",
            ],
        ),
        (
            "“Is it you?” she asked. “Yes.” Both laughed.",
            ["“Is it you?” she asked.", "“Yes.”", "Both laughed."],
        ),
    ],
)
def test_english_sentence_ends(text: str, expected: list[str]) -> None:
    assert sentences(text, "en") == expected


def test_sentence_offsets_inside_a_paragraph_point_into_the_whole_text() -> None:
    text = "Заголовок\n\nПервое предложение. Второе предложение."
    start = text.index("Первое")
    spans = split_sentences(text, "ru", start, len(text))
    assert [text[s:e] for s, e in spans] == ["Первое предложение.", "Второе предложение."]


def test_one_paragraph_per_line_without_blank_lines() -> None:
    text = "Ионыч\nI\nКогда в губернском городе С. приезжие жаловались на скуку.\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == [
        "Ионыч",
        "I",
        "Когда в губернском городе С. приезжие жаловались на скуку.",
    ]


LONG_RU = (
    "Постановлением тройки ОГПУ от 26 декабря 1932 г. Семичастный В. Е. был осуждён по "
    "ст. 58-10 УК РСФСР к десяти годам лишения свободы. Приговор приведён в исполнение."
)
LONG_RU_2 = (
    "Реабилитирован посмертно в 1989 г. определением Военной коллегии Верховного суда СССР "
    "за отсутствием состава преступления."
)


def test_gutenberg_style_hard_wrapped_paragraphs_are_joined() -> None:
    text = textwrap.fill(LONG_RU, 72) + "\n\n" + textwrap.fill(LONG_RU_2, 72) + "\n"
    paragraphs = [" ".join(text[s:e].split()) for s, e in split_paragraphs(text)]
    assert paragraphs == [LONG_RU, LONG_RU_2]
    segments = segment_text(text, "ru")
    assert [s.paragraph for s in segments] == [0, 0, 1]
    assert "\n" in segments[0].text  # offsets point into the file, line breaks and all
    assert one_line(segments[0].text) == LONG_RU[: LONG_RU.index("Приговор") - 1]


def test_wrapped_text_with_indented_paragraphs_and_no_blank_lines() -> None:
    text = "\n".join("    " + textwrap.fill(p, 68)[0:] for p in (LONG_RU, LONG_RU_2, LONG_RU))
    paragraphs = [" ".join(text[s:e].split()) for s, e in split_paragraphs(text)]
    assert paragraphs == [LONG_RU, LONG_RU_2, LONG_RU]


def test_dialogue_lines_inside_a_wrapped_block_are_paragraphs() -> None:
    intro = "Он долго молчал, глядя в окно, потом повернулся и сказал очень тихо, почти шёпотом:"
    text = (
        textwrap.fill(intro, 72)
        + "\n— Можно дать ему кость?\n— Нельзя, — ответил он.\n\nДождь шёл всю ночь.\n"
    )
    paragraphs = [" ".join(text[s:e].split()) for s, e in split_paragraphs(text)]
    assert paragraphs == [
        intro,
        "— Можно дать ему кость?",
        "— Нельзя, — ответил он.",
        "Дождь шёл всю ночь.",
    ]


def test_windows_line_breaks_and_surrounding_space() -> None:
    text = "\ufeff  Первый абзац.  \r\n\r\n\tВторой абзац.\r\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == ["Первый абзац.", "Второй абзац."]


def test_presegmented_lines_grouped_by_blank_lines() -> None:
    text = "Первое.\nВторое.\n\nТретье.\n"
    assert [(s.text, s.paragraph) for s in segment_lines(text)] == [
        ("Первое.", 0),
        ("Второе.", 0),
        ("Третье.", 1),
    ]


def test_presegmented_lines_without_blank_lines_are_paragraphs() -> None:
    text = "  Первое. Ещё.\nВторое.\n\n"
    assert [(s.text, s.paragraph, s.start) for s in segment_lines(text)] == [
        ("Первое. Ещё.", 0, 2),
        ("Второе.", 1, 15),
    ]


def test_empty_and_blank_text_have_no_segments() -> None:
    assert segment_text("", "ru") == []
    assert segment_text(" \n\n\t\r\n", "en") == []
    assert segment_lines("\n \n") == []


def _check_cover(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not is_blank(text[start]) and not is_blank(text[end - 1])
        previous_end = end
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if not is_blank(ch))


_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list('.!?…;:«»"“”()[]—– \n\r\t\u00a0\u2028\ufeff.гГ№ВЕ')),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, lang=st.sampled_from(["ru", "en"]))
def test_segments_cover_any_text_in_order(text: str, lang: str) -> None:
    segments = segment_text(text, lang)  # type: ignore[arg-type]
    for segment in segments:
        assert text[segment.start : segment.end] == segment.text
    assert [s.paragraph for s in segments] == sorted(s.paragraph for s in segments)
    _check_cover(text, [(s.start, s.end) for s in segments])
    _check_cover(text, split_paragraphs(text))


@settings(max_examples=200, deadline=None)
@given(text=_TEXT)
def test_presegmented_lines_cover_any_text_in_order(text: str) -> None:
    segments = segment_lines(text)
    for segment in segments:
        assert text[segment.start : segment.end] == segment.text
        assert "\n" not in segment.text and "\r" not in segment.text
    _check_cover(text, [(s.start, s.end) for s in segments])


def _boundary_f1(root: Path, lang: str) -> float:
    gold_dir = root / "segmentation" / "flores"
    paragraphs = (gold_dir / f"{lang}.paragraphs.txt").read_text(encoding="utf-8").splitlines()
    blocks = (gold_dir / f"{lang}.sentences.txt").read_text(encoding="utf-8").strip()
    tp = fp = fn = 0
    for paragraph, block in zip(paragraphs, blocks.split("\n\n"), strict=True):
        gold, pos = set(), 0
        for i, sentence in enumerate(block.splitlines()):
            at = paragraph.index(sentence, pos)
            if i:
                gold.add(at)
            pos = at + len(sentence)
        predicted = {s for s, _ in split_sentences(paragraph, lang)[1:]}  # type: ignore[arg-type]
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    return 2 * tp / (2 * tp + fp + fn)


@pytest.mark.shared_data
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_sentence_boundaries_on_the_flores_gold(shared_data: Path, lang: str) -> None:
    assert _boundary_f1(shared_data, lang) >= 0.99


@pytest.mark.shared_data
def test_real_one_paragraph_per_line_texts_keep_their_paragraphs(shared_data: Path) -> None:
    for path in sorted((shared_data / "texts").glob("*/[re][un].txt")):
        text = path.read_text(encoding="utf-8")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert [text[s:e] for s, e in split_paragraphs(text)] == lines, path


def test_paragraph_per_line_file_with_blank_lines_between_scenes_is_not_joined() -> None:
    lines = [
        "— Можно дать ему кость? — спросил Володя у матери, глядя на собаку под столом.",
        "— Нельзя, — ответила она и отвернулась к окну, за которым шёл мелкий дождь.",
        "Он помолчал и вышел из комнаты, не сказав больше ни слова никому из гостей.",
        "",
        "На следующий день всё повторилось: те же гости, те же разговоры о погоде.",
        "Володя снова молчал весь вечер и ушёл к себе раньше всех, сославшись на мигрень.",
    ]
    text = "\n".join(lines) + "\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == [line for line in lines if line]


def test_short_verse_lines_in_a_wrapped_text_stay_lines() -> None:
    verse = ["Ночь, улица, фонарь, аптека,", "Бессмысленный и тусклый свет."]
    text = (
        textwrap.fill(LONG_RU, 72)
        + "\n\n"
        + "\n".join(verse)
        + "\n\n"
        + textwrap.fill(LONG_RU_2, 72)
    )
    paragraphs = [" ".join(text[s:e].split()) for s, e in split_paragraphs(text)]
    assert paragraphs == [LONG_RU, *verse, LONG_RU_2]


@pytest.mark.shared_data
@pytest.mark.parametrize("style", ["gutenberg", "lib.ru"])
def test_real_texts_wrapped_as_e_texts_get_their_paragraphs_back(
    shared_data: Path, style: str
) -> None:
    for path in sorted((shared_data / "texts").glob("*/[re][un].txt")):
        paragraphs = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        paragraphs = [p for p in paragraphs if p]
        if style == "gutenberg":  # wrapped at 70, a blank line between paragraphs
            wrapped = [textwrap.fill(p, 70, break_on_hyphens=False) for p in paragraphs]
            text = "\r\n\r\n".join(w.replace("\n", "\r\n") for w in wrapped)
        else:  # wrapped at 72, first lines indented, no blank lines
            wrapped = [
                textwrap.fill(p, 72, initial_indent="    ", break_on_hyphens=False)
                for p in paragraphs
            ]
            text = "\n".join(wrapped)
        found = [" ".join(text[s:e].split()) for s, e in split_paragraphs(text)]
        assert found == [" ".join(p.split()) for p in paragraphs], path


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, data=st.data())
def test_sentences_of_any_slice_stay_inside_it(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    spans = split_sentences(text, "ru", start, end)
    assert all(start <= s < e <= end for s, e in spans)
    _check_cover(text[start:end], [(s - start, e - start) for s, e in spans])


def test_other_languages_get_a_clear_message() -> None:
    with pytest.raises(ValueError, match="Russian \\(ru\\) and English \\(en\\)"):
        segment_text("Guten Tag. Wie geht's?", "de")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not 'de'"):
        segment_text("Guten Tag", "de")  # type: ignore[arg-type]
