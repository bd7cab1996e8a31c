"""The HTML edition: one self-contained file a reader opens in any browser or prints.

Side by side (a two-column table, one row per parallel paragraph) or alternating (the Russian
paragraph, then its English translation). Fonts with Cyrillic are embedded as base64, so the
file needs nothing else; a print stylesheet sets A4 pages, running heads and page numbers
(used as is by the PDF edition). The body is written block by block: a project of any size
never sits in memory as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import BinaryIO

from app.interchange.base import Exporter, export_time, selected_pairs
from app.interchange.edition import LANG_LABELS, Block, blocks, printable
from app.interchange.fonts import font_face_css, font_stack
from app.interchange.types import BilingualDocument, EditionOptions, ExportPair

STYLE = """
:root { --ink: #1f1e1b; --muted: #6f6a60; --rule: #dcd6ca; --accent: #8a3324; --paper: #fdfbf6; }
html { font-family: FONT_STACK; font-size: 17px; line-height: 1.55; color: var(--ink);
       background: var(--paper); -webkit-text-size-adjust: 100%; }
body { max-width: 70rem; margin: 0 auto; padding: 2.5rem 2.5rem 4rem; }
.title-page { text-align: center; padding: 5rem 0 3.5rem; margin-bottom: 2.5rem;
              border-bottom: 1px solid var(--rule); }
.title-page h1 { font-size: 2.3rem; line-height: 1.2; margin: 0 0 1rem; }
.title-page .project { font-size: 1.15rem; margin: 0 0 .3rem; }
.title-page .people { font-style: italic; margin: 0 0 2rem; }
.title-page .langs { text-transform: uppercase; letter-spacing: .12em; font-size: .8rem;
                     color: var(--muted); margin: 0; }
.title-page .date { font-size: .85rem; color: var(--muted); margin-top: .4rem; }
h1.running { font-size: 1.5rem; margin: 0 0 1.5rem; }
table.parallel { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.parallel col { width: 50%; }
table.parallel th { font-weight: normal; text-transform: uppercase; letter-spacing: .12em;
                    font-size: .72rem; color: var(--muted); text-align: left;
                    border-bottom: 1px solid var(--rule); padding: 0 0 .4rem; }
table.parallel th.en, table.parallel td.en { padding-left: 1.6rem; }
table.parallel th.ru, table.parallel td.ru { padding-right: 1.6rem;
                                             border-right: 1px solid var(--rule); }
table.parallel td { vertical-align: top; padding-top: .5rem; padding-bottom: .1rem; }
p { margin: 0 0 .65rem; orphans: 2; widows: 2; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 1.1rem 0 .3rem; text-align: left; }
.alternating .block { margin: 0 0 1.2rem; }
.alternating p.en, .alternating h2.en { color: #3b3934; font-style: italic;
                                        padding-left: 1rem; border-left: 2px solid var(--rule); }
sup.n { font-size: .62em; color: var(--accent); margin-right: .2em;
        font-variant-numeric: tabular-nums; font-style: normal; }
a.note { color: var(--accent); text-decoration: none; font-size: .7em; vertical-align: super;
         line-height: 0; margin-left: .1em; }
section.appendix { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--rule); }
section.appendix h2 { font-size: 1.35rem; }
ol.notes { padding-left: 1.4rem; } ol.notes li { margin-bottom: .4rem; }
ol.notes .where { color: var(--muted); font-size: .85em; }
table.glossary { border-collapse: collapse; width: 100%; font-size: .95rem; }
table.glossary th, table.glossary td { text-align: left; padding: .25rem .8rem .25rem 0;
                                       border-bottom: 1px solid var(--rule); vertical-align: top; }
table.glossary th { font-weight: normal; color: var(--muted); font-size: .75rem;
                    text-transform: uppercase; letter-spacing: .1em; }
@media (max-width: 40rem) {
  body { padding: 1rem; }
  table.parallel th.en, table.parallel td.en { padding-left: .8rem; }
  table.parallel th.ru, table.parallel td.ru { padding-right: .8rem; }
}
@page { size: A4; margin: 2.2cm 1.9cm 2.3cm;
        @top-center { content: string(doctitle); font-family: FONT_STACK; font-size: 8.5pt;
                      font-style: italic; color: #6f6a60; }
        @bottom-center { content: counter(page); font-family: FONT_STACK; font-size: 9pt;
                         color: #6f6a60; } }
@page :first { @top-center { content: none; } @bottom-center { content: none; } }
.doc-title { string-set: doctitle content(); }
@media print {
  html { font-size: 10.5pt; background: none; }
  /* Spaced capitals come out of a PDF as "Р У С С К И Й" when copied or searched. */
  table.parallel th, .title-page .langs, table.glossary th { letter-spacing: 0; }
  body { max-width: none; padding: 0; }
  .title-page { border: none; padding: 30% 0 0; margin: 0; break-after: page;
                page-break-after: always; }
  thead { display: table-header-group; }
  tr, .block, h2 { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section.appendix { break-before: page; page-break-before: always; border: none; }
  a.note { color: var(--ink); }
}
"""


def _sentence(pair: ExportPair, side: str, numbers: bool, note_ref: str) -> str:
    text = escape(printable(getattr(pair, side)), quote=False).replace("\n", "<br>")
    # Position 0 is no pair of the text (a document title the app adds): it has no number.
    number = f'<sup class="n">{pair.position}</sup>' if numbers and pair.position else ""
    return f"{number}{text}{note_ref if side == 'en' else ''}"


class HtmlEdition:
    """Writes one edition; ``embed_fonts=False`` links the font files instead (for WeasyPrint)."""

    def __init__(self, emit: Callable[[str], object], embed_fonts: bool = True) -> None:
        self.emit = emit
        self.embed_fonts = embed_fonts
        self.notes: list[tuple[int, str]] = []

    def render(self, doc: BilingualDocument, options: EditionOptions) -> int:
        emit = self.emit
        # Language codes come from project settings; escaped all the same, as any text.
        src, trg = escape(doc.source_lang), escape(doc.target_lang)
        emit(self._head(doc))
        emit(self._title(doc, options, export_time(doc)))
        side_by_side = options.layout == "side-by-side"
        if side_by_side:
            emit(
                '<table class="parallel"><colgroup><col><col></colgroup><thead><tr>'
                f'<th class="ru" lang="{src}">{LANG_LABELS.get(src, src)}</th>'
                f'<th class="en" lang="{trg}">{LANG_LABELS.get(trg, trg)}</th>'
                "</tr></thead><tbody>\n"
            )
        else:
            emit('<main class="alternating">\n')
        count = 0
        for block in blocks(selected_pairs(doc, options)):
            count += len(block.pairs)
            emit(self._block(block, options, side_by_side, src, trg))
        emit("</tbody></table>\n" if side_by_side else "</main>\n")
        if options.appendix:
            emit(self._appendix(doc))
        emit("</body>\n</html>\n")
        return count

    def _head(self, doc: BilingualDocument) -> str:
        stack = font_stack()
        css = font_face_css(self.embed_fonts) + STYLE.replace("FONT_STACK", stack)
        title = escape(doc.title or "Bilingual edition")
        return (
            f'<!DOCTYPE html>\n<html lang="{escape(doc.target_lang)}">\n'
            '<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="Sverka">\n'
            f"<title>{title}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n"
        )

    def _title(self, doc: BilingualDocument, options: EditionOptions, when: datetime) -> str:
        title = escape(doc.title or "Bilingual edition")
        if not options.title_page:
            return f'<h1 class="running doc-title">{title}</h1>\n'
        people = []
        if doc.author:
            people.append(escape(doc.author))
        if doc.translator:
            people.append(f"translated by {escape(doc.translator)}")
        langs = " — ".join(
            escape(LANG_LABELS.get(code, code)) for code in (doc.source_lang, doc.target_lang)
        )
        parts = [f'<header class="title-page">\n<h1 class="doc-title">{title}</h1>']
        if doc.project:
            parts.append(f'<p class="project">{escape(doc.project)}</p>')
        if people:
            parts.append(f'<p class="people">{", ".join(people)}</p>')
        parts.append(f'<p class="langs">{langs}</p>')
        parts.append(f'<p class="date">{when:%Y-%m-%d}</p>\n</header>\n')
        return "\n".join(parts)

    def _note_ref(self, pair: ExportPair) -> str:
        refs = []
        for note in pair.notes:
            self.notes.append((pair.position, note))
            n = len(self.notes)
            refs.append(f'<a class="note" id="ref-{n}" href="#note-{n}">{n}</a>')
        return "".join(refs)

    def _side(self, block: Block, side: str, options: EditionOptions) -> list[str]:
        paragraphs = []
        for para in block.paragraphs(side):
            sentences = [
                _sentence(p, side, options.pair_numbers, self._note_ref(p) if side == "en" else "")
                for p in para
            ]
            paragraphs.append(" ".join(sentences))
        return paragraphs

    def _block(
        self, block: Block, options: EditionOptions, side_by_side: bool, src: str, trg: str
    ) -> str:
        tag = "h2" if block.heading else "p"
        ru = self._side(block, "ru", options)
        en = self._side(block, "en", options)
        if side_by_side:
            ru_html = "".join(f"<{tag}>{p}</{tag}>" for p in ru)
            en_html = "".join(f"<{tag}>{p}</{tag}>" for p in en)
            cls = ' class="heading"' if block.heading else ""
            return (
                f'<tr{cls}><td class="ru" lang="{src}">{ru_html}</td>'
                f'<td class="en" lang="{trg}">{en_html}</td></tr>\n'
            )
        inner = "".join(f'<{tag} class="ru" lang="{src}">{p}</{tag}>' for p in ru)
        inner += "".join(f'<{tag} class="en" lang="{trg}">{p}</{tag}>' for p in en)
        return f'<section class="block">{inner}</section>\n'

    def _appendix(self, doc: BilingualDocument) -> str:
        if not self.notes and not doc.glossary:
            return ""
        parts = ['<section class="appendix">']
        if self.notes:
            parts.append('<h2>Translator’s notes</h2>\n<ol class="notes">')
            for n, (position, note) in enumerate(self.notes, start=1):
                parts.append(
                    f'<li id="note-{n}"><span class="where">pair {position}.</span> '
                    f'{escape(printable(note), quote=False)} <a href="#ref-{n}">↩</a></li>'
                )
            parts.append("</ol>")
        if doc.glossary:
            parts.append(
                '<h2>Glossary</h2>\n<table class="glossary"><thead><tr>'
                f'<th lang="{escape(doc.source_lang)}">{LANG_LABELS.get(doc.source_lang, "")}</th>'
                f'<th lang="{escape(doc.target_lang)}">{LANG_LABELS.get(doc.target_lang, "")}</th>'
                "<th>Note</th></tr></thead><tbody>"
            )
            for entry in doc.glossary:
                parts.append(
                    f'<tr><td lang="{escape(doc.source_lang)}">{escape(entry.ru, quote=False)}</td>'
                    f'<td lang="{escape(doc.target_lang)}">{escape(entry.en, quote=False)}</td>'
                    f"<td>{escape(entry.note, quote=False)}</td></tr>"
                )
            parts.append("</tbody></table>")
        parts.append("</section>\n")
        return "\n".join(parts)


class HtmlExporter(Exporter):
    name = "html"
    verbose = "Bilingual edition (HTML, one file)"
    extension = "html"
    content_type = "text/html; charset=utf-8"

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        def emit(text: str) -> None:
            # Lone surrogates cannot be encoded; replace rather than fail half-way through.
            out.write(text.encode("utf-8", "replace"))

        return HtmlEdition(emit, embed_fonts=True).render(doc, options or EditionOptions())
