"""Uploaded files of every kind translators bring, decoded to text they recognise."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.services.decoding import (
    DecodedText,
    DecodingError,
    check_side,
    decode_paste,
    decode_upload,
    normalise_text,
)
from app.services.errors import TooLarge

MB = 1024 * 1024

# Written for these tests: an archival-style memo, in the spellings KOI8-R can hold (no «»,
# no №), so the same text can be encoded in every legacy encoding.
RU_MEMO = (
    "Справка по архивному делу 108сс\n"
    "\n"
    "В 1956 году Военная коллегия пересмотрела дела, рассмотренные тройками НКВД в 1937 "
    'и 1938 годах. Из 214 дел прекращено 187 "за отсутствием состава преступления".\n'
    "\n"
    "Ёмкие выписки из протоколов подшиты к делу; подлинники остаются в архиве ОГПУ. "
    "Ответственный исполнитель проверил каждую фамилию по алфавитной картотеке.\n"
)
RU_SHORT_CAPS = "ПРИКАЗ ПО ВЕДОМСТВУ\n\nсекретно"
EN_MEMO = (
    "Note on archival file 108ss\n"
    "\n"
    "In 1956 the Military Collegium reviewed the cases heard by NKVD troikas in 1937 and "
    "1938. Of 214 cases, 187 were closed for lack of a crime.\n"
)


def test_utf8_text_is_read_as_written() -> None:
    decoded = decode_upload(RU_MEMO.encode("utf-8"), "memo.txt", max_bytes=MB)
    assert decoded.encoding == "utf-8"
    assert decoded.format == "txt"
    assert decoded.text == RU_MEMO.strip()
    assert decoded.filename == "memo.txt"


@pytest.mark.parametrize(
    ("codec", "expected", "label"),
    [
        ("cp1251", "cp1251", "Windows-1251"),
        ("koi8-r", "koi8-r", "KOI8-R"),
        ("utf-8-sig", "utf-8-sig", "UTF-8 with BOM"),
        ("utf-16", "utf-16-le", "UTF-16 LE"),  # Python writes a little-endian BOM
        ("utf-16-be", "utf-16-be", "UTF-16 BE"),
    ],
)
def test_russian_legacy_and_unicode_encodings_are_detected(
    codec: str, expected: str, label: str
) -> None:
    data = RU_MEMO.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    decoded = decode_upload(data, "memo.txt", max_bytes=MB)
    assert decoded.encoding == expected
    assert decoded.encoding_label == label
    assert decoded.text == RU_MEMO.strip()


@pytest.mark.parametrize("codec", ["cp1251", "koi8-r"])
def test_short_upper_case_russian_is_not_confused_between_cp1251_and_koi8(codec: str) -> None:
    assert decode_upload("В в в в.".encode(codec), "v.txt", max_bytes=MB).encoding == codec
    # Upper case defeats the "wrong encoding turns lower case into upper case" signal; the
    # letter frequencies must still decide.
    decoded = decode_upload(RU_SHORT_CAPS.encode(codec), "order.txt", max_bytes=MB)
    assert decoded.encoding == codec
    assert decoded.text == RU_SHORT_CAPS


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(codec: str) -> None:
    decoded = decode_upload(RU_MEMO.encode(codec), "memo.txt", max_bytes=MB)
    assert decoded.encoding == codec
    assert decoded.text == RU_MEMO.strip()


def test_windows_1252_english_keeps_accents_and_quotes() -> None:
    text = "The café’s “résumé” — naïve but exact."
    decoded = decode_upload(text.encode("cp1252"), "note.txt", max_bytes=MB)
    assert decoded.encoding == "cp1252"
    assert decoded.text == text


def test_checksum_is_of_the_uploaded_bytes() -> None:
    import hashlib

    data = RU_MEMO.encode("cp1251")
    decoded = decode_upload(data, "memo.txt", max_bytes=MB)
    assert decoded.checksum_sha256 == hashlib.sha256(data).hexdigest()


def test_newlines_are_normalised_nbsp_kept_and_control_characters_removed() -> None:
    raw = "Первая строка\r\nВторая\u00a0строка\x00\x07\rТретья\u202eстрока\r\n"
    decoded = decode_upload(raw.encode("utf-8"), "a.txt", max_bytes=MB)
    assert decoded.text == "Первая строка\nВторая\u00a0строка\nТретьястрока"
    assert any("control character" in w for w in decoded.warnings)


def test_decomposed_letters_are_composed() -> None:
    # "й" typed on some systems arrives as и + combining breve; search must still find it.
    assert normalise_text("Сергии\u0306") == "Сергий"


def test_html_keeps_paragraphs_and_drops_scripts_and_styles() -> None:
    html = (
        "<!DOCTYPE html><html><head><meta charset='windows-1251'><title>Справка</title>"
        "<style>p { color: red }</style><script>alert('head')</script></head><body>"
        "<h1>Справка по делу</h1>"
        "<p>Первый абзац,\n  <b>выделенный</b> текст.<script>document.write('x')</script></p>"
        "<div>Второй абзац<br>со строкой.</div>"
        "<ul><li>пункт один</li><li>пункт два</li></ul>"
        "<p onclick=\"alert('attr')\">Атрибут &lt;script&gt; остаётся текстом.</p>"
        "</body></html>"
    )
    decoded = decode_upload(html.encode("cp1251"), "page.html", max_bytes=MB)
    assert decoded.format == "html"
    assert decoded.encoding == "cp1251"
    assert decoded.text.split("\n\n") == [
        "Справка по делу",
        "Первый абзац, выделенный текст.",
        "Второй абзац\nсо строкой.",
        "пункт один",
        "пункт два",
        "Атрибут <script> остаётся текстом.",
    ]
    assert "alert" not in decoded.text
    assert "color" not in decoded.text


def test_xhtml_with_xml_declaration_is_read() -> None:
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Один.</p><p>Два.</p></body></html>'
    )
    decoded = decode_upload(xhtml.encode(), "book.xhtml", max_bytes=MB)
    assert decoded.text == "Один.\n\nДва."


def test_markdown_markup_is_stripped_and_headings_kept() -> None:
    md = (
        "# Справка\n\n"
        "Текст с *курсивом*, **жирным** и [ссылкой](http://example.org/).\n"
        "Продолжение абзаца.\n\n"
        "- первый пункт\n- второй пункт\n\n"
        "> Цитата из протокола.\n\n"
        "Сырой <script>alert(1)</script> остаётся текстом.\n"
    )
    decoded = decode_upload(md.encode(), "note.md", max_bytes=MB)
    assert decoded.format == "md"
    assert decoded.text.split("\n\n") == [
        "Справка",
        "Текст с курсивом, жирным и ссылкой. Продолжение абзаца.",
        "первый пункт",
        "второй пункт",
        "Цитата из протокола.",
        "Сырой <script>alert(1)</script> остаётся текстом.",
    ]


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_headings_and_tables_are_read_in_order() -> None:
    data = _docx_bytes(
        ["Справка по делу 108сс", "", "Первый абзац справки.", "Второй абзац справки."],
        table=[["Дело", "Решение"], ["№ 17", "прекращено"]],
    )
    decoded = decode_upload(data, "справка.docx", max_bytes=MB)
    assert decoded.format == "docx"
    assert decoded.text.split("\n\n") == [
        "Справка по делу 108сс",
        "Первый абзац справки.",
        "Второй абзац справки.",
        "Дело",
        "Решение",
        "№ 17",
        "прекращено",
    ]


def test_docx_sent_under_another_name_is_still_read() -> None:
    data = _docx_bytes(["Заголовок", "Текст документа."])
    assert decode_upload(data, "document.txt", max_bytes=MB).format == "docx"


def test_a_docx_that_is_not_a_zip_gets_a_clear_error() -> None:
    with pytest.raises(DecodingError, match=r"not a Word document.*save it again as \.docx"):
        decode_upload(RU_MEMO.encode(), "broken.docx", max_bytes=MB)


def test_zip_bomb_disguised_as_docx_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (50 * MB) + b"</w:document>")
    data = out.getvalue()
    assert len(data) < MB  # small on disk, 50 MB unpacked
    with pytest.raises(DecodingError, match="far more data than a Word document"):
        decode_upload(data, "bomb.docx", max_bytes=MB)


def test_real_docx_with_a_bomb_in_another_part_is_refused() -> None:
    data = _docx_bytes(["Заголовок", "Текст."])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.writestr("word/media/padding.xml", b"<a>" + b"\0" * (40 * MB) + b"</a>")
    with pytest.raises(DecodingError, match="far more data than a Word document"):
        decode_upload(out.getvalue(), "padded.docx", max_bytes=MB)


def test_docx_with_entity_declarations_is_refused() -> None:
    data = _docx_bytes(["Заголовок", "Текст."])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                content = content.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY lol "lol">]>', 1)
            archive.writestr(info, content)
    with pytest.raises(DecodingError, match="refuses it for safety"):
        decode_upload(out.getvalue(), "entities.docx", max_bytes=MB)


def test_other_zip_archives_are_refused_with_the_supported_formats() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    with pytest.raises(DecodingError, match=r"zip archive.*\.docx"):
        decode_upload(out.getvalue(), "story.odt", max_bytes=MB)


def test_binary_file_is_refused_as_not_text() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(DecodingError, match="PNG image, not text"):
        decode_upload(png, "scan.txt", max_bytes=MB)
    noise = bytes((i * 37 + 11) % 256 for i in range(4000))
    with pytest.raises(DecodingError, match="not a text file"):
        decode_upload(noise, "data.txt", max_bytes=MB)


def test_pdf_and_old_word_files_get_advice() -> None:
    with pytest.raises(DecodingError, match=r"PDF file, not text.*save it as \.docx"):
        decode_upload(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "memo.pdf", max_bytes=MB)
    with pytest.raises(DecodingError, match=r"old Word \.doc"):
        decode_upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "memo.doc", max_bytes=MB)


def test_unsupported_format_names_the_supported_ones() -> None:
    with pytest.raises(DecodingError) as caught:
        decode_upload(b"title: x", "memo.yaml", max_bytes=MB)
    message = caught.value.message
    assert ".yaml" in message
    for fmt in (".txt", ".md", ".html", ".docx"):
        assert fmt in message


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t  ", b"\xef\xbb\xbf\n"])
def test_empty_file_is_refused(content: bytes) -> None:
    with pytest.raises(DecodingError, match="contains no text"):
        decode_upload(content, "empty.txt", max_bytes=MB)


def test_too_large_upload_says_the_limit() -> None:
    with pytest.raises(TooLarge, match=r"is 3 MB; the limit is 2 MB per file"):
        decode_upload(b"a" * (3 * MB), "big.txt", max_bytes=2 * MB)


def test_client_paths_in_file_names_are_reduced_to_the_name() -> None:
    decoded = decode_upload(b"Hello.", "C:\\Users\\anna\\..\\memo\u202e.txt", max_bytes=MB)
    assert decoded.filename == "memo.txt"


def test_pasted_text_is_normalised_like_a_file() -> None:
    decoded = decode_paste("Строка один.\r\nСтрока два.\x00", max_chars=1000)
    assert decoded.format == "paste"
    assert decoded.text == "Строка один.\nСтрока два."
    with pytest.raises(DecodingError, match="pasted text is empty"):
        decode_paste("  \n ", max_chars=1000)
    with pytest.raises(TooLarge, match="limit is 10 per side"):
        decode_paste("длинный текст", max_chars=10)


def test_russian_side_without_cyrillic_is_refused_as_probably_swapped() -> None:
    en = decode_upload(EN_MEMO.encode(), "en.txt", max_bytes=MB)
    with pytest.raises(DecodingError, match="no Cyrillic letters.*swap"):
        check_side(en, "ru", max_chars=10_000)
    check_side(en, "en", max_chars=10_000)


def test_english_side_that_is_russian_is_refused() -> None:
    ru = decode_upload(RU_MEMO.encode(), "ru.txt", max_bytes=MB)
    with pytest.raises(DecodingError, match="mostly Cyrillic"):
        check_side(ru, "en", max_chars=10_000)
    check_side(ru, "ru", max_chars=10_000)


def test_english_side_may_quote_russian() -> None:
    text = EN_MEMO + "\nThe order was called «О пересмотре дел» in the original.\n"
    check_side(decode_paste(text, max_chars=10_000), "en", max_chars=10_000)


def test_decoded_side_longer_than_the_document_limit_is_refused() -> None:
    ru = decode_upload(RU_MEMO.encode(), "ru.txt", max_bytes=MB)
    with pytest.raises(TooLarge, match=r"limit is 100 per side"):
        check_side(ru, "ru", max_chars=100)


def test_payload_round_trip_keeps_everything() -> None:
    decoded = decode_upload(RU_MEMO.encode("koi8-r"), "memo.txt", max_bytes=MB)
    assert DecodedText.from_payload(decoded.to_payload()) == decoded


# ------------------------------------------------------------------------ properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from app.services.decoding import html_to_text  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalised_text_has_no_invisible_controls_and_is_stable(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "\r" not in once and "\x00" not in once and "\u202e" not in once
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in once)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("<>/\"'=&;! abcspritylehdvРусктАБВ\n")))
def test_html_reader_never_fails_and_never_keeps_script_bodies(markup: str) -> None:
    text = html_to_text(f"<p>до</p><script>{markup.replace('</', '')}SECRET</script><p>после</p>")
    assert "SECRET" not in text
    assert text.startswith("до")


_WORDS = [
    "дело",
    "комиссия",
    "постановление",
    "протокол",
    "архив",
    "тройка",
    "приговор",
    "заявление",
    "справка",
    "решение",
    "был",
    "была",
    "были",
    "в",
    "на",
    "по",
    "из",
    "за",
    "о",
    "от",
    "для",
    "что",
    "как",
    "его",
    "её",
    "они",
    "это",
    "так",
    "уже",
    "когда",
    "после",
    "года",
    "отдел",
    "управление",
    "следствие",
    "показания",
    "реабилитирован",
    "прекращено",
    "пересмотр",
    "осуждённый",
    "район",
    "область",
    "гражданин",
    "жалоба",
    "суд",
    "коллегия",
    "прокурор",
    "записка",
    "копия",
    "подлинник",
    "фамилия",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=5, max_size=25)
    # Real sentences are not one word said over and over (where letter statistics are moot).
    .filter(lambda words: len(set(words)) >= 4)
    .map(lambda words: " ".join(words).capitalize() + "."),
    st.sampled_from(["cp1251", "koi8-r"]),
)
def test_any_sentence_of_russian_words_is_decoded_in_its_own_encoding(
    sentence: str, codec: str
) -> None:
    decoded = decode_upload(sentence.encode(codec), "s.txt", max_bytes=MB)
    assert decoded.encoding == codec
    assert decoded.text == sentence
