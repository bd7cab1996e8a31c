"""Sverka's format layer: TMX, XLIFF, TSV/CSV in and out, and bilingual editions.

Pure: it imports neither SQLAlchemy, FastAPI nor ``app.models``. The app turns its rows into
``ExportPair``/``BilingualDocument`` values and calls an exporter; imports come back as
``ImportedMemory``. Every error a user can cause is an ``InterchangeError`` with a message
for a translator.

    EXPORTERS[name]().write(doc, out, options) -> int      (app.interchange.exporters)
    get_exporter("xliff")                                   (format names users type)
    read_tmx(data) / read_xliff(data) -> ImportedMemory
"""

from __future__ import annotations

from typing import Any

from app.interchange.types import (
    BilingualDocument,
    EditionOptions,
    ExportPair,
    GlossaryEntry,
    ImportedMemory,
    ImportedUnit,
    InterchangeError,
)

__all__ = [
    "EXPORTERS",
    "BilingualDocument",
    "EditionOptions",
    "ExportPair",
    "GlossaryEntry",
    "ImportedMemory",
    "ImportedUnit",
    "InterchangeError",
    "get_exporter",
    "read_tmx",
    "read_xliff",
]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing the types does not load lxml-based readers and every exporter.
    if name in ("EXPORTERS", "get_exporter"):
        from app.interchange import exporters

        return getattr(exporters, name)
    if name == "read_tmx":
        from app.interchange.tmx import read_tmx

        return read_tmx
    if name == "read_xliff":
        from app.interchange.xliff import read_xliff

        return read_xliff
    raise AttributeError(name)
