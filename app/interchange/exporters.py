"""Every export format Sverka writes, in one explicit registry.

Like Weblate's ``weblate/formats/exporters.py``: each class says its ``name`` (what the user
picks), ``extension`` and ``content_type``; ``write`` puts one document on a binary stream.
Heavy libraries (WeasyPrint, python-docx, EbookLib) are imported only when their format is used.
"""

from __future__ import annotations

from app.interchange.base import Exporter
from app.interchange.docx import DocxExporter
from app.interchange.epub import EpubExporter
from app.interchange.html import HtmlExporter
from app.interchange.pdf import PdfExporter
from app.interchange.tabular import CsvExporter, TsvExporter
from app.interchange.tmx import TmxExporter
from app.interchange.types import InterchangeError
from app.interchange.xliff import Xliff12Exporter, Xliff21Exporter

EXPORTERS: dict[str, type[Exporter]] = {
    cls.name: cls
    for cls in (
        TmxExporter,
        Xliff21Exporter,
        Xliff12Exporter,
        TsvExporter,
        CsvExporter,
        HtmlExporter,
        DocxExporter,
        PdfExporter,
        EpubExporter,
    )
}

#: Names users may also type: ``xliff`` means the current XLIFF (2.1).
ALIASES = {"xliff": "xliff21", "xlf": "xliff21", "xliff2": "xliff21", "htm": "html"}


def get_exporter(name: str) -> Exporter:
    """The exporter for a format name the user typed (``tmx``, ``xliff``, ``pdf``…)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    try:
        return EXPORTERS[key]()
    except KeyError:
        known = ", ".join(EXPORTERS)
        raise InterchangeError(f"Sverka cannot export “{name}”; choose one of: {known}.") from None
