"""What bilingual editions share: pairs grouped into parallel paragraphs, headings, notes.

A *block* is a run of consecutive pairs whose Russian or English sides stay in the same
paragraph; it is printed as one row (side by side) or as a Russian paragraph followed by an
English one (alternating). Inside a block each side keeps its own paragraph breaks, so a
Russian paragraph translated as two English paragraphs reads as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.interchange._xml import FORBIDDEN
from app.interchange.types import ExportPair

#: Longest text we take for a heading when the app does not say.
HEADING_MAX_CHARS = 120
_SENTENCE_END = re.compile(r"[.!?…:;,»\"”)\]]\s*$")

LANG_LABELS = {"ru": "Русский", "en": "English"}


@dataclass(frozen=True, slots=True)
class Block:
    pairs: tuple[ExportPair, ...]
    heading: bool

    def paragraphs(self, side: str) -> list[list[ExportPair]]:
        """The pairs of one side (``"ru"``/``"en"``) split where that side's paragraph changes."""
        result: list[list[ExportPair]] = []
        current: int | None = None
        for pair in self.pairs:
            if not getattr(pair, side):
                continue
            number = pair.ru_paragraph if side == "ru" else pair.en_paragraph
            if current is None or number != current:
                result.append([])
                current = number
            result[-1].append(pair)
        return result


def looks_like_heading(pair: ExportPair) -> bool:
    """A pair alone in its paragraph, short, without final punctuation, reads as a heading."""
    if pair.heading is not None:
        return pair.heading
    ru, en = pair.ru.strip(), pair.en.strip()
    if not ru or not en or "\n" in ru or "\n" in en:
        return False
    if len(ru) > HEADING_MAX_CHARS or len(en) > HEADING_MAX_CHARS:
        return False
    if _SENTENCE_END.search(ru) or _SENTENCE_END.search(en):
        return False
    return not ru[0].islower() and not en[0].islower()


def blocks(pairs: Iterable[ExportPair]) -> Iterator[Block]:
    """Group pairs (in order, lazily) into parallel paragraphs."""
    run: list[ExportPair] = []
    for pair in pairs:
        if run and not _same_block(run[-1], pair):
            yield _block(run)
            run = []
        run.append(pair)
    if run:
        yield _block(run)


def _same_block(prev: ExportPair, pair: ExportPair) -> bool:
    # A missing side (1-0, 0-1 bead) carries no paragraph of its own.
    same_ru = not pair.ru or not prev.ru or pair.ru_paragraph == prev.ru_paragraph
    same_en = not pair.en or not prev.en or pair.en_paragraph == prev.en_paragraph
    if pair.heading or prev.heading:
        return False
    return same_ru or same_en


def _block(run: list[ExportPair]) -> Block:
    heading = len(run) == 1 and looks_like_heading(run[0])
    return Block(tuple(run), heading)


def printable(text: str) -> str:
    """``text`` without the control characters a page cannot show (and XML cannot hold)."""
    return FORBIDDEN.sub("", text)
