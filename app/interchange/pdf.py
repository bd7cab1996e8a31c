"""The PDF edition: the HTML edition laid out by WeasyPrint (A4, running heads, page numbers).

WeasyPrint embeds (subsets of) the fonts the HTML names; we point it at the font files on disk
rather than base64 copies, which would only cost time.
"""

from __future__ import annotations

import io
import logging
from typing import BinaryIO

from app.interchange.base import Exporter
from app.interchange.html import HtmlEdition
from app.interchange.types import BilingualDocument, EditionOptions


class PdfExporter(Exporter):
    name = "pdf"
    verbose = "Bilingual edition (PDF)"
    extension = "pdf"
    content_type = "application/pdf"
    streaming = False

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        from weasyprint import HTML

        # WeasyPrint logs every CSS property it skips; an edition is not the place for that.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        buffer = io.StringIO()
        count = HtmlEdition(buffer.write, embed_fonts=False).render(
            doc, options or EditionOptions()
        )
        HTML(string=buffer.getvalue(), base_url="/").write_pdf(out)
        return count
