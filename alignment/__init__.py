"""Sverka's aligner: Russian and English text → paragraphs → sentences → aligned beads.

A plain library: it imports neither the web app nor the database.

Public API::

    segment_text(text, lang)            -> list[Segment]      (alignment.segment)
    align_texts(ru_text, en_text, ...)  -> AlignedText        (alignment.align)
    alignment.align.align(ru, en, ...)  -> list[Bead]

(``alignment.align`` is the module; its ``align`` function aligns pre-split segments.)
"""

from __future__ import annotations

import importlib
from typing import Any

from alignment.types import Bead, Segment, Token

__all__ = ["Bead", "Segment", "Token", "align_texts", "segment_text"]


def __getattr__(name: str) -> Any:
    # Lazy: importing alignment.types must not load pymorphy3 or the dictionary.
    if name == "segment_text":
        from alignment.segment import segment_text

        return segment_text
    if name == "align_texts":
        return importlib.import_module("alignment.align").align_texts
    raise AttributeError(name)
