"""The values the format layer works on: the app turns its rows into these, never the reverse.

Everything here is plain data so that exporters and importers can be tested, benchmarked and
used from the command line without a database. ``BilingualDocument.pairs`` may be a generator:
streaming formats (TMX, XLIFF, TSV/CSV, HTML) consume it once, pair by pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

STATUSES: tuple[str, ...] = ("auto", "confirmed", "translated", "reviewed", "approved", "rejected")
LAYOUTS: tuple[str, ...] = ("side-by-side", "alternating")


class InterchangeError(Exception):
    """A file a user gave us (or asked for) cannot be read or written; the message says why.

    The message is meant for a translator: what is wrong with their file and what to do.
    """


@dataclass(frozen=True, slots=True)
class ExportPair:
    """One aligned pair as it leaves Sverka: texts, review status, bead type and history."""

    position: int
    ru: str
    en: str
    status: str
    kind: str
    confidence: float
    ru_paragraph: int
    en_paragraph: int
    created_at: datetime
    changed_at: datetime
    created_by: str
    changed_by: str
    notes: tuple[str, ...] = ()
    #: ``True``/``False`` when the app knows whether the pair is a heading; ``None`` lets the
    #: edition guess from the text (a short paragraph of its own without final punctuation).
    heading: bool | None = None


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A term of the project glossary, printed in the appendix of an edition."""

    ru: str
    en: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class BilingualDocument:
    """A document (or a whole project) to export. ``pairs`` is consumed only once."""

    title: str
    pairs: Iterable[ExportPair]
    source_lang: str = "ru"
    target_lang: str = "en"
    project: str = ""
    author: str = ""
    translator: str = ""
    glossary: Sequence[GlossaryEntry] = ()
    #: When the export was made; ``None`` means now (UTC). Fixed in tests for stable output.
    exported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EditionOptions:
    """What the user ticked in the export dialog (or passed on the command line)."""

    only_approved: bool = False
    pair_numbers: bool = False
    title_page: bool = True
    appendix: bool = True
    layout: str = "side-by-side"

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise InterchangeError(
                f"Unknown layout “{self.layout}”: choose side-by-side or alternating."
            )


@dataclass(frozen=True, slots=True)
class ImportedUnit:
    """One translation unit read from another tool's file (or from our own export).

    Fields our own exports carry and other tools' files usually lack are ``None`` then:
    the app decides what a unit without a status becomes.
    """

    ru: str
    en: str
    status: str | None = None
    kind: str | None = None
    created_at: datetime | None = None
    changed_at: datetime | None = None
    created_by: str | None = None
    changed_by: str | None = None
    notes: tuple[str, ...] = ()
    confidence: float | None = None
    ru_paragraph: int | None = None
    en_paragraph: int | None = None
    position: int | None = None


@dataclass(frozen=True, slots=True)
class ImportedMemory:
    """Everything read from one TMX or XLIFF file, complete or not at all."""

    units: list[ImportedUnit]
    source_lang: str
    target_lang: str
    #: Units without both a Russian and an English text (a German-only unit, say): left out.
    skipped: int = 0
    tool: str = ""
    extra: dict[str, str] = field(default_factory=dict)
