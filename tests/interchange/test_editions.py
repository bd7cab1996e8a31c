"""Bilingual editions (HTML, DOCX, PDF, EPUB) checked with the tools readers and editors use."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.interchange.edition import blocks
from app.interchange.fonts import edition_fonts
from app.interchange.types import BilingualDocument, ExportPair
from tests.interchange.conftest import ROOT, export, need
from tests.interchange.memo import memo_document, memo_pairs

RU_SENTENCE = "Из них 318 дел относятся к приказу № 108сс от 2 апреля 1931 г."
EN_SENTENCE = "Of these, 318 cases fall under Order No. 108ss of 2 April 1931."


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- grouping -------------------------------------------------------------------------------


def test_pairs_are_grouped_into_parallel_paragraphs_with_headings() -> None:
    grouped = list(blocks(memo_pairs()))
    assert [len(b.pairs) for b in grouped] == [1, 1, 1, 3, 2, 1, 1, 1, 1, 1]
    assert [b.heading for b in grouped][:4] == [True, False, True, False]
    assert grouped[-1].heading is False  # the signature: told by the app, not guessed


def test_a_russian_paragraph_translated_as_two_keeps_both_english_paragraphs() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    pairs = [
        ExportPair(
            1,
            "Первое предложение.",
            "First sentence.",
            "approved",
            "1-1",
            1,
            0,
            0,
            when,
            when,
            "a",
            "a",
        ),
        ExportPair(
            2,
            "Второе предложение.",
            "Second sentence.",
            "approved",
            "1-1",
            1,
            0,
            1,
            when,
            when,
            "a",
            "a",
        ),
    ]
    (block,) = blocks(pairs)
    assert [[p.position for p in para] for para in block.paragraphs("ru")] == [[1, 2]]
    assert [[p.position for p in para] for para in block.paragraphs("en")] == [[1], [2]]


# --- HTML -----------------------------------------------------------------------------------


def test_html_is_one_self_contained_file_with_both_languages() -> None:
    html = export("html").decode()
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"url\((?!data:)", html), "every font must be inside the file"
    if edition_fonts():
        assert "@font-face" in html and "data:font/ttf;base64," in html
    assert RU_SENTENCE in html and EN_SENTENCE in html
    assert "Сумма &amp; &lt;итог&gt;" in html and "Total &amp; &lt;sum&gt;" in html
    assert '<td class="ru" lang="ru"><h2>I. Существо вопроса</h2></td>' in html
    assert "@media print" in html and "counter(page)" in html
    assert "Translator’s notes" in html and "OGPU troika" in html


def test_html_options_numbers_layout_title_page_appendix_and_approved_only() -> None:
    plain = export("html", doc=memo_document()).decode()
    numbered = export("html", doc=memo_document(), pair_numbers=True).decode()
    assert '<sup class="n">' not in plain
    assert f'<sup class="n">5</sup>{RU_SENTENCE}' in numbered
    alternating = export("html", doc=memo_document(), layout="alternating").decode()
    assert '<table class="parallel">' not in alternating
    assert f'<p class="ru" lang="ru">{RU_SENTENCE[:20]}' not in alternating  # block starts earlier
    assert alternating.index(RU_SENTENCE) < alternating.index(EN_SENTENCE)
    bare = export("html", doc=memo_document(), title_page=False, appendix=False).decode()
    assert 'class="title-page"' not in bare and "Glossary" not in bare
    assert 'class="title-page"' in plain
    approved = export("html", doc=memo_document(), only_approved=True).decode()
    assert "Ежемесячно докладывать" in plain and "Ежемесячно докладывать" not in approved


# --- DOCX -----------------------------------------------------------------------------------


def test_docx_opens_with_python_docx_as_a_two_column_table_with_named_styles() -> None:
    import docx

    document = docx.Document(io.BytesIO(export("docx", doc=memo_document())))
    assert document.paragraphs[6].text == "Memorandum on the Review of Cases"  # title page
    (table,) = document.tables[:1]
    assert len(table.columns) == 2
    assert [c.text for c in table.rows[0].cells] == ["Русский", "English"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert ["I. Существо вопроса", "I. The Matter at Issue"] in rows
    body = next(r for r in rows if RU_SENTENCE in r[0])
    assert EN_SENTENCE in body[1]
    cell = table.rows[4].cells[0].paragraphs[0]
    assert cell.style.name == "Sverka Russian"
    assert table.rows[3].cells[1].paragraphs[0].style.name == "Sverka Heading"
    names = {s.name for s in document.styles}
    assert {"Sverka Russian", "Sverka English", "Sverka Heading", "Sverka Pair Number"} <= names
    styles_xml = zipfile.ZipFile(io.BytesIO(export("docx"))).read("word/styles.xml").decode()
    assert 'w:val="ru-RU"' in styles_xml and 'w:val="en-GB"' in styles_xml
    glossary = document.tables[1]
    assert [c.text for c in glossary.rows[1].cells][:2] == ["тройка ОГПУ", "OGPU troika"]


def test_docx_with_tricky_text_and_alternating_layout() -> None:
    import docx

    document = docx.Document(io.BytesIO(export("docx", layout="alternating")))
    texts = [p.text for p in document.paragraphs]
    assert "Строка с управляющим символом" in texts  # the control character is dropped
    ru = next(i for i, t in enumerate(texts) if t.startswith("В архиве Управления"))
    assert texts[ru + 1].startswith("The Directorate's archive")
    style = document.paragraphs[ru].style
    assert style is not None and style.name == "Sverka Russian"
    assert not document.tables or len(document.tables) == 1  # only the glossary


@pytest.mark.slow
def test_libreoffice_converts_our_docx_without_complaint(tmp_path: Path) -> None:
    soffice = need("soffice")
    need("pdftotext")
    source = tmp_path / "memo.docx"
    source.write_bytes(export("docx", doc=memo_document(), pair_numbers=True))
    run = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    assert "Error" not in run.stderr
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "memo.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    squashed = _squash(text)
    assert "Служебная записка о пересмотре дел" in squashed
    assert "The only evidence was the confessions" in squashed


# --- PDF ------------------------------------------------------------------------------------


def _pdftotext(pdf: Path, *crop: str) -> str:
    run = subprocess.run(
        ["pdftotext", *crop, str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return run.stdout


@pytest.mark.slow
def test_pdf_text_has_both_languages_embedded_fonts_and_page_numbers(tmp_path: Path) -> None:
    need("pdftotext")
    pdf = tmp_path / "memo.pdf"
    pdf.write_bytes(export("pdf", doc=memo_document()))
    # A4 is 595 x 842 pt; pdftotext crops in points at its default 72 dpi. Reading each half
    # of the page apart checks that the Russian column holds Russian and the English English.
    left = _squash(_pdftotext(pdf, "-f", "2", "-x", "0", "-y", "0", "-W", "297", "-H", "842"))
    right = _squash(_pdftotext(pdf, "-f", "2", "-x", "297", "-y", "0", "-W", "298", "-H", "842"))
    for sentence in (RU_SENTENCE, "Лица, осуждённые необоснованно, подлежат реабилитации"):
        assert sentence in left and sentence not in right
    for sentence in (EN_SENTENCE, "The only evidence was the confessions of the arrested"):
        assert sentence in right and sentence not in left
    pages = _pdftotext(pdf).split("\f")
    text = _squash(" ".join(pages))
    assert "РУССКИЙ" in text and "ENGLISH" in text  # column heads, set in capitals
    assert "“сс” stands for “совершенно секретно” (top secret)" in text
    body_pages = [p for p in pages if p.strip()][1:]
    assert len(body_pages) >= 2
    first_body = body_pages[0].strip().splitlines()
    assert first_body[0].strip() == "Memorandum on the Review of Cases"  # running head
    assert first_body[-1].strip() == "2"  # page number
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    if edition_fonts():
        assert "+Sverka-Serif " in fonts  # our edition font (PT Serif or DejaVu), subset
    for line in fonts.splitlines()[2:]:
        assert " yes " in line, f"font not embedded: {line}"


# --- EPUB -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["side-by-side", "alternating"])
def test_epub_passes_epubcheck(layout: str, tmp_path: Path) -> None:
    need("java")
    jar = Path("/usr/share/java/epubcheck.jar")
    if not jar.is_file():
        pytest.skip("needs Debian's epubcheck package")
    book = tmp_path / f"memo-{layout}.epub"
    book.write_bytes(export("epub", layout=layout, pair_numbers=True))
    run = subprocess.run(
        ["java", "-jar", str(jar), str(book)], capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 fatals / 0 errors / 0 warnings" in run.stdout


def test_epub_holds_the_parallel_text_in_chapters() -> None:
    with zipfile.ZipFile(io.BytesIO(export("epub", doc=memo_document()))) as book:
        names = book.namelist()
        chapters = sorted(n for n in names if re.search(r"text-\d+\.xhtml$", n))
        assert len(chapters) == 3  # cut at the headings "I." and "II."
        second = book.read(chapters[1]).decode()
        assert RU_SENTENCE in second and EN_SENTENCE in second
        assert 'lang="ru"' in second and 'lang="en"' in second
        nav = book.read(next(n for n in names if n.endswith("nav.xhtml"))).decode()
        assert "I. Существо вопроса — I. The Matter at Issue" in nav


# --- as a reader sees it --------------------------------------------------------------------


def demo_document() -> BilingualDocument:
    """The demo project shipped in ``app/demo`` (paragraph-aligned), as an edition."""
    ru = [p.strip() for p in (ROOT / "app/demo/ru.txt").read_text().split("\n\n") if p.strip()]
    en = [p.strip() for p in (ROOT / "app/demo/en.txt").read_text().split("\n\n") if p.strip()]
    when = datetime(2026, 11, 28, tzinfo=UTC)
    pairs = [
        ExportPair(i + 1, r, e, "approved", "1-1", 1.0, i, i, when, when, "demo", "demo")
        for i, (r, e) in enumerate(zip(ru, en, strict=True))
    ]
    return BilingualDocument(
        title="Memorandum on the progress of the review of cases",
        pairs=pairs,
        project="Sverka demo",
        author="Procuracy of the USSR",
        exported_at=when,
    )


@pytest.mark.slow
def test_render_the_demo_edition_for_a_reader_to_look_at(artifacts: Path, tmp_path: Path) -> None:
    chromium = need("chromium")
    need("pdftoppm")
    html = artifacts / "demo-edition.html"
    html.write_bytes(export("html", doc=demo_document(), pair_numbers=True))
    shot = artifacts / "demo-edition-html.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--hide-scrollbars",
            "--window-size=1280,1800",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000  # a page of text, not a blank image
    pdf = artifacts / "demo-edition.pdf"
    pdf.write_bytes(export("pdf", doc=demo_document()))
    for old in artifacts.glob("demo-edition-pdf-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(artifacts / "demo-edition-pdf")],
        check=True,
        timeout=120,
    )
    pages = sorted(artifacts.glob("demo-edition-pdf-*.png"))
    assert len(pages) >= 3
    assert all(page.stat().st_size > 10_000 for page in pages)
