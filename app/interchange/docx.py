"""The DOCX edition (python-docx): a title page, then a two-column table, Russian | English.

Everything is styled through named styles ("Sverka Russian", "Sverka English", "Sverka
Heading", "Sverka Pair Number"…), so an editor restyles the whole edition in Word or
LibreOffice by changing a style, and spell-checking uses the right language per column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from app.interchange.base import Exporter, export_time, selected_pairs
from app.interchange.edition import LANG_LABELS, Block, blocks, printable
from app.interchange.types import BilingualDocument, EditionOptions, ExportPair

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

FONT = "PT Serif"
WORD_LANG = {"ru": "ru-RU", "en": "en-GB"}
STYLE_FOR = {"ru": "Sverka Russian", "en": "Sverka English"}


def _set_lang(style: Any, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    tag = rpr.find(qn("w:lang"))
    if tag is None:
        tag = OxmlElement("w:lang")
        rpr.append(tag)
    tag.set(qn("w:val"), WORD_LANG.get(lang, lang))


def _styles(document: DocxDocument, src: str, trg: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    for name, lang, italic in (
        (STYLE_FOR["ru"], src, False),
        (STYLE_FOR["en"], trg, False),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.italic = italic
        style.paragraph_format.space_after = Pt(5)
        # Ragged right: justified lines in a half-page column open wide gaps between words.
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _set_lang(style, lang)
    heading = styles.add_style("Sverka Heading", WD_STYLE_TYPE.PARAGRAPH)
    heading.base_style = normal
    heading.font.bold = True
    heading.font.size = Pt(12.5)
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(4)
    heading.paragraph_format.keep_with_next = True
    column = styles.add_style("Sverka Column Head", WD_STYLE_TYPE.PARAGRAPH)
    column.base_style = normal
    column.font.size = Pt(8)
    column.font.all_caps = True
    column.font.color.rgb = RGBColor(0x6F, 0x6A, 0x60)
    number = styles.add_style("Sverka Pair Number", WD_STYLE_TYPE.CHARACTER)
    number.font.superscript = True
    number.font.color.rgb = RGBColor(0x8A, 0x33, 0x24)
    title = styles["Title"]
    title.font.name = FONT
    for name in ("Sverka Title Line", "Sverka Note"):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
    styles["Sverka Title Line"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["Sverka Note"].font.size = Pt(9.5)


def _table_borders(table: Any) -> None:
    # A rule between the columns and under the header only: a full grid reads like a form.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        visible = edge == "insideV"
        element.set(qn("w:val"), "single" if visible else "nil")
        if visible:
            element.set(qn("w:sz"), "4")
            element.set(qn("w:color"), "C9C2B4")
        borders.append(element)
    tbl_pr.append(borders)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _page_field(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _fill(
    paragraph: Any,
    pairs: Iterable[ExportPair],
    side: str,
    numbers: bool,
    number_style: str = "SverkaPairNumber",
) -> None:
    texts: list[str] = []
    for pair in pairs:
        # Position 0 is no pair of the text (a document title the app adds): it has no number.
        if numbers and pair.position:
            if texts:
                paragraph.add_run(" ".join(texts) + " ")
                texts = []
            paragraph.add_run(str(pair.position))._r.style = number_style
        texts.append(printable(getattr(pair, side)))
    # One run per stretch of text: Word neither needs nor shows the sentence boundaries.
    paragraph.add_run(" ".join(texts))


class DocxExporter(Exporter):
    name = "docx"
    verbose = "Bilingual edition (Word DOCX)"
    extension = "docx"
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    streaming = False

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        from docx import Document
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
        from docx.shared import Cm
        from docx.table import _Cell

        options = options or EditionOptions()
        src, trg = doc.source_lang, doc.target_lang
        document = Document()
        _styles(document, src, trg)
        # Style ids, set on the XML directly: assigning ``paragraph.style`` by object searches
        # every style for the default one, which dominates long exports.
        styles = {
            name: document.styles[name].style_id
            for name in (*STYLE_FOR.values(), "Sverka Heading", "Sverka Pair Number")
        }
        props = document.core_properties
        props.title = doc.title
        props.author = doc.author or "Sverka"
        props.language = WORD_LANG.get(trg, trg)
        section = document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(1.9)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
        section.different_first_page_header_footer = options.title_page
        head = section.header.paragraphs[0]
        head.text = doc.title
        head.style = document.styles["Sverka Column Head"]
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(foot)

        if options.title_page:
            self._title_page(document, doc)
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            document.add_paragraph(doc.title, style="Title")

        count = 0
        notes: list[tuple[int, str]] = []
        if options.layout == "side-by-side":
            table = document.add_table(rows=1, cols=2)
            table.autofit = False
            _table_borders(table)
            header = table.rows[0]
            _repeat_header(header)
            for cell, lang in zip(header.cells, (src, trg), strict=True):
                cell.paragraphs[0].text = LANG_LABELS.get(lang, lang)
                cell.paragraphs[0].style = document.styles["Sverka Column Head"]
            for column in table.columns:
                column.width = Cm(8.6)  # new rows copy the grid widths
            for cell in header.cells:
                cell.width = Cm(8.6)
            for block in blocks(selected_pairs(doc, options)):
                count += len(block.pairs)
                row = table.add_row()
                # ``row.cells`` walks the whole table each time (quadratic on long tables);
                # the new row's own <w:tc> elements are all we need.
                cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
                for cell, side in zip(cells, ("ru", "en"), strict=True):
                    self._cell(cell, block, side, options, styles)
                notes.extend((p.position, n) for p in block.pairs for n in p.notes)
        else:
            for block in blocks(selected_pairs(doc, options)):
                count += len(block.pairs)
                for side in ("ru", "en"):
                    for para in block.paragraphs(side):
                        paragraph = document.add_paragraph(style=self._style(block, side))
                        if side == "en":
                            paragraph.paragraph_format.left_indent = Cm(0.8)
                        _fill(
                            paragraph,
                            para,
                            side,
                            options.pair_numbers,
                            styles["Sverka Pair Number"],
                        )
                notes.extend((p.position, n) for p in block.pairs for n in p.notes)
        if options.appendix:
            self._appendix(document, doc, notes)
        document.save(out)
        return count

    @staticmethod
    def _style(block: Block, side: str) -> str:
        return "Sverka Heading" if block.heading else STYLE_FOR[side]

    def _cell(
        self,
        cell: Any,
        block: Block,
        side: str,
        options: EditionOptions,
        styles: dict[str, Any],
    ) -> None:
        style = styles[self._style(block, side)]
        for index, para in enumerate(block.paragraphs(side)):
            paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
            paragraph._p.style = style
            _fill(paragraph, para, side, options.pair_numbers, styles["Sverka Pair Number"])

    def _title_page(self, document: DocxDocument, doc: BilingualDocument) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        for _ in range(6):
            document.add_paragraph()
        document.add_paragraph(doc.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
        lines = [doc.project, doc.author]
        if doc.translator:
            lines.append(f"translated by {doc.translator}")
        lines.append(" — ".join(LANG_LABELS.get(c, c) for c in (doc.source_lang, doc.target_lang)))
        lines.append(f"{export_time(doc):%Y-%m-%d}")
        for line in filter(None, lines):
            paragraph = document.add_paragraph(line, style="Sverka Title Line")
            paragraph.paragraph_format.space_after = Pt(6)

    def _appendix(
        self, document: DocxDocument, doc: BilingualDocument, notes: list[tuple[int, str]]
    ) -> None:
        from docx.enum.text import WD_BREAK

        if not notes and not doc.glossary:
            return
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if notes:
            document.add_heading("Translator’s notes", level=1)
            for position, note in notes:
                paragraph = document.add_paragraph(style="Sverka Note")
                paragraph.add_run(f"Pair {position}. ").bold = True
                paragraph.add_run(printable(note))
        if doc.glossary:
            document.add_heading("Glossary", level=1)
            table = document.add_table(rows=1, cols=3)
            table.style = document.styles["Table Grid"]
            for cell, label in zip(
                table.rows[0].cells,
                (
                    LANG_LABELS.get(doc.source_lang, ""),
                    LANG_LABELS.get(doc.target_lang, ""),
                    "Note",
                ),
                strict=True,
            ):
                cell.text = label
            for entry in doc.glossary:
                cells = table.add_row().cells
                for cell, text in zip(cells, (entry.ru, entry.en, entry.note), strict=True):
                    cell.text = printable(text)
