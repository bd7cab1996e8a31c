"""Aligned TSV and CSV for spreadsheets, safe to open in Excel or LibreOffice Calc.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as
a formula (and could run one, "CSV injection"); like Weblate we put an apostrophe before it,
which spreadsheets show as a plain text cell.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from app.interchange.base import Exporter, selected_pairs
from app.interchange.types import BilingualDocument, EditionOptions

HEADER = ("#", "Russian", "English", "status", "bead", "confidence", "notes")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """``cell`` made harmless for spreadsheets: formula-looking text gets a leading apostrophe."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class _TabularExporter(Exporter):
    delimiter: str
    encoding: str

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        options = options or EditionOptions()
        text = io.TextIOWrapper(out, encoding=self.encoding, newline="", write_through=False)
        writer = csv.writer(text, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow(HEADER)
        count = 0
        for pair in selected_pairs(doc, options):
            writer.writerow(
                (
                    pair.position,
                    defuse(pair.ru),
                    defuse(pair.en),
                    pair.status,
                    pair.kind,
                    f"{pair.confidence:.2f}",
                    defuse(" | ".join(pair.notes)),
                )
            )
            count += 1
        text.flush()
        # Hand the caller's stream back open: closing the wrapper would close ``out``.
        text.detach()
        return count


class TsvExporter(_TabularExporter):
    name = "tsv"
    verbose = "Aligned TSV (tab-separated)"
    extension = "tsv"
    content_type = "text/tab-separated-values; charset=utf-8"
    delimiter = "\t"
    encoding = "utf-8"


class CsvExporter(_TabularExporter):
    name = "csv"
    verbose = "Aligned CSV (Excel)"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"
    delimiter = ","
    # With a byte-order mark Excel reads UTF-8; without it, Cyrillic turns into mojibake.
    encoding = "utf-8-sig"
