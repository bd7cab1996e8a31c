"""The EPUB 3 edition: a parallel book for e-readers (EbookLib), valid for epubcheck.

Side by side (a two-column table per page) or alternating paragraphs, as the user chose. The
text is cut into chapter files at headings, and at the latest every ``BLOCKS_PER_FILE``
paragraphs, because e-readers slow down on very large XHTML files.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Any, BinaryIO

from app.interchange.base import Exporter, export_time, selected_pairs
from app.interchange.edition import LANG_LABELS, Block, blocks, printable
from app.interchange.types import BilingualDocument, EditionOptions, ExportPair

BLOCKS_PER_FILE = 250

CSS = """
body { font-family: "PT Serif", "DejaVu Serif", serif; line-height: 1.45; margin: 0 .4em; }
h1.title { text-align: center; margin-top: 25%; font-size: 1.7em; }
p.center { text-align: center; text-indent: 0; }
p.langs { text-align: center; text-transform: uppercase; letter-spacing: .1em; font-size: .75em; }
table.parallel { width: 100%; border-collapse: collapse; }
table.parallel td { width: 50%; vertical-align: top; padding: .2em .5em .4em; }
table.parallel td.ru { border-right: 1px solid #bbb; padding-left: 0; }
table.parallel td.en { padding-right: 0; }
p { margin: 0 0 .5em; text-align: justify; hyphens: auto; }
h2 { font-size: 1.15em; margin: .9em 0 .3em; text-align: left; }
p.en, h2.en { font-style: italic; margin-left: 1em; }
div.block { margin-bottom: .9em; }
sup.n { font-size: .6em; color: #8a3324; }
table.glossary { border-collapse: collapse; width: 100%; }
table.glossary td { border-bottom: 1px solid #ccc; padding: .2em .4em; vertical-align: top; }
"""


def _text(pair: ExportPair, side: str, numbers: bool) -> str:
    # Position 0 is no pair of the text (a document title the app adds): it has no number.
    number = f'<sup class="n">{pair.position}</sup>' if numbers and pair.position else ""
    return number + escape(printable(getattr(pair, side)), quote=False).replace("\n", "<br/>")


def _block_html(block: Block, options: EditionOptions, src: str, trg: str) -> str:
    tag = "h2" if block.heading else "p"
    sides = {}
    for side in ("ru", "en"):
        sides[side] = [
            " ".join(_text(p, side, options.pair_numbers) for p in para)
            for para in block.paragraphs(side)
        ]
    if options.layout == "side-by-side":
        ru = "".join(f"<{tag}>{t}</{tag}>" for t in sides["ru"])
        en = "".join(f"<{tag}>{t}</{tag}>" for t in sides["en"])
        return f'<tr><td class="ru" lang="{src}" xml:lang="{src}">{ru}</td>' + (
            f'<td class="en" lang="{trg}" xml:lang="{trg}">{en}</td></tr>\n'
        )
    inner = "".join(
        f'<{tag} class="{side}" lang="{lang}" xml:lang="{lang}">{t}</{tag}>'
        for side, lang in (("ru", src), ("en", trg))
        for t in sides[side]
    )
    return f'<div class="block">{inner}</div>\n'


def _heading_title(block: Block) -> str:
    pair = block.pairs[0]
    return printable(pair.ru if not pair.en else f"{pair.ru} — {pair.en}")


class EpubExporter(Exporter):
    name = "epub"
    verbose = "Bilingual edition (EPUB 3 e-book)"
    extension = "epub"
    content_type = "application/epub+zip"
    streaming = False

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        from ebooklib import epub

        options = options or EditionOptions()
        src, trg = escape(doc.source_lang), escape(doc.target_lang)
        when = export_time(doc)
        book = epub.EpubBook()
        # Stable per document and export time, so re-exporting the same edition is the same book.
        book.set_identifier(
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'sverka:{doc.project}:{doc.title}')}"
        )
        book.set_title(doc.title or "Bilingual edition")
        book.set_language(src)
        book.add_metadata("DC", "language", trg)
        if doc.author:
            book.add_author(doc.author)
        if doc.translator:
            book.add_author(doc.translator, file_as=doc.translator, role="trl", uid="translator")
        book.add_metadata("DC", "date", when.strftime("%Y-%m-%d"))
        style = epub.EpubItem(
            uid="style", file_name="style/edition.css", media_type="text/css", content=CSS
        )
        book.add_item(style)

        spine: list[Any] = []
        toc: list[Any] = []

        def page(name: str, title: str, body: str, lang: str = trg) -> Any:
            item = epub.EpubHtml(title=title, file_name=name, lang=lang)
            item.content = (
                f"<html><head><title>{escape(title)}</title></head><body>{body}</body></html>"
            )
            item.add_item(style)
            book.add_item(item)
            spine.append(item)
            return item

        if options.title_page:
            lines = [doc.project, doc.author, doc.translator and f"translated by {doc.translator}"]
            body = f'<h1 class="title">{escape(doc.title)}</h1>' + "".join(
                f'<p class="center">{escape(line)}</p>' for line in lines if line
            )
            langs = " — ".join(LANG_LABELS.get(c, c) for c in (src, trg))
            body += f'<p class="langs">{langs}</p><p class="center">{when:%Y-%m-%d}</p>'
            toc.append(page("title.xhtml", doc.title or "Title", body))

        count = 0
        notes: list[tuple[int, str]] = []
        chunk: list[str] = []
        chunk_title = ""
        files = 0

        def flush() -> None:
            nonlocal chunk, chunk_title, files
            if not chunk:
                return
            files += 1
            html = "".join(chunk)
            if options.layout == "side-by-side":
                html = f'<table class="parallel"><tbody>{html}</tbody></table>'
            title = chunk_title or f"Part {files}"
            toc.append(page(f"text-{files:04d}.xhtml", title, html))
            chunk, chunk_title = [], ""

        for block in blocks(selected_pairs(doc, options)):
            if (block.heading and chunk) or len(chunk) >= BLOCKS_PER_FILE:
                flush()
            if block.heading and not chunk:
                chunk_title = _heading_title(block)
            chunk.append(_block_html(block, options, src, trg))
            count += len(block.pairs)
            notes.extend((p.position, n) for p in block.pairs for n in p.notes)
        flush()

        if options.appendix and (notes or doc.glossary):
            body = ""
            if notes:
                body += "<h2>Translator’s notes</h2><ol>" + "".join(
                    f"<li>Pair {position}. {escape(printable(note), quote=False)}</li>"
                    for position, note in notes
                )
                body += "</ol>"
            if doc.glossary:
                body += '<h2>Glossary</h2><table class="glossary"><tbody>' + "".join(
                    f'<tr><td lang="{src}" xml:lang="{src}">{escape(printable(e.ru))}</td>'
                    f'<td lang="{trg}" xml:lang="{trg}">{escape(printable(e.en))}</td>'
                    f"<td>{escape(printable(e.note))}</td></tr>"
                    for e in doc.glossary
                )
                body += "</tbody></table>"
            toc.append(page("appendix.xhtml", "Appendix", body))

        if not spine:
            toc.append(page("text-0001.xhtml", doc.title or "Text", "<p>(no pairs)</p>"))
        book.toc = toc
        book.add_item(epub.EpubNcx())
        book.add_item(epub.EpubNav())
        book.spine = spine
        epub.write_epub(out, book, {})
        return count
