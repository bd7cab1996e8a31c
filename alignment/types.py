"""Small frozen value types passed between the aligner, the glossary and the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a text: its surface form and character offsets ``[start, end)``."""

    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return any(ch.isalnum() for ch in self.text)


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence (or a line, for pre-segmented input) with its paragraph index and offsets."""

    text: str
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Bead:
    """One alignment unit: indices of Russian and English segments, with a confidence 0–1.

    ``ru`` and ``en`` are tuples of consecutive 0-based segment indices; one of them may be
    empty (a 1-0 or 0-1 bead).
    """

    ru: tuple[int, ...]
    en: tuple[int, ...]
    confidence: float = 1.0

    @property
    def kind(self) -> str:
        """The bead type as translators write it, e.g. ``"1-2"``."""
        return f"{len(self.ru)}-{len(self.en)}"
