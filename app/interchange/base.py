"""The base of every exporter, and what all of them share.

Like Weblate's ``weblate/formats/exporters.py``: each class says its ``name`` (what the user
picks), ``extension`` and ``content_type``, and ``write`` puts one document on a binary stream.
Streaming formats consume ``doc.pairs`` once and keep only one pair in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO, ClassVar

from app.interchange.types import (
    BilingualDocument,
    EditionOptions,
    ExportPair,
)

SVERKA_VERSION = "0.1.0"


class Exporter:
    """Base class: subclasses set the class attributes and implement ``write``."""

    name: ClassVar[str]
    verbose: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    #: ``True`` when ``write`` never holds more than one pair at a time (TMX, XLIFF, TSV, HTML).
    streaming: ClassVar[bool] = True

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        """Write ``doc`` to ``out``; returns how many pairs went into the file."""
        raise NotImplementedError

    def filename(self, stem: str) -> str:
        return f"{stem}.{self.extension}"


def selected_pairs(doc: BilingualDocument, options: EditionOptions) -> Iterator[ExportPair]:
    """The pairs the user asked for, in order: all of them, or only the approved ones."""
    for pair in doc.pairs:
        if options.only_approved and pair.status != "approved":
            continue
        yield pair


def export_time(doc: BilingualDocument) -> datetime:
    return doc.exported_at or datetime.now(UTC)
