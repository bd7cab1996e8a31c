"""Paragraphs and sentences of Russian and English text, with character offsets.

Every span points into the original text, so the review screen can show exactly what the
translator uploaded: ``text[start:end] == segment.text`` always holds, and every character that
is not whitespace belongs to exactly one segment.
"""

from __future__ import annotations

import re
from typing import Literal

from alignment.types import Segment

Lang = Literal["ru", "en"]

_LINE_RE = re.compile(r"[^\n\r]*(?:\r\n|\n|\r|$)")


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of the lines of ``text`` without their line breaks."""
    spans: list[tuple[int, int]] = []
    for m in _LINE_RE.finditer(text):
        if m.start() == len(text) and m.start() == m.end():
            break
        body = m.group().rstrip("\r\n")
        spans.append((m.start(), m.start() + len(body)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _has_inner_blank(lines: list[tuple[int, int]]) -> bool:
    """True when a blank line stands between two non-empty lines."""
    filled = [i for i, (s, e) in enumerate(lines) if s < e]
    return bool(filled) and any(s == e for s, e in lines[filled[0] : filled[-1]])


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the paragraphs of ``text``, whitespace trimmed.

    Blank lines separate paragraphs; a text without blank lines has one paragraph per line.
    """
    lines = [_trim(text, s, e) for s, e in _lines(text)]
    has_blank = _has_inner_blank(lines)
    spans: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []
    for s, e in lines:
        if s == e:
            if block:
                spans.append((block[0][0], block[-1][1]))
                block = []
            continue
        if not has_blank:
            spans.append((s, e))
        else:
            block.append((s, e))
    if block:
        spans.append((block[0][0], block[-1][1]))
    return spans


def split_sentences(
    text: str, lang: Lang, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]`` (offsets into ``text``), whitespace trimmed."""
    from razdel import sentenize

    if end is None:
        end = len(text)
    chunk = text[start:end]
    spans = []
    for sub in sentenize(chunk):
        s, e = _trim(text, start + sub.start, start + sub.stop)
        if s < e:
            spans.append((s, e))
    return spans


def segment_text(text: str, lang: Lang) -> list[Segment]:
    """Paragraphs, then sentences: one :class:`Segment` per sentence, offsets into ``text``."""
    segments: list[Segment] = []
    for index, (p_start, p_end) in enumerate(split_paragraphs(text)):
        for s, e in split_sentences(text, lang, p_start, p_end):
            segments.append(Segment(text[s:e], index, s, e))
    return segments


def segment_lines(text: str) -> list[Segment]:
    """Pre-segmented input: one :class:`Segment` per non-empty line.

    When the text contains blank lines, they group lines into paragraphs (the format
    ``sverka segment`` writes, so its output reads back with the same paragraphs); otherwise
    every line is a paragraph of its own.
    """
    lines = [_trim(text, s, e) for s, e in _lines(text)]
    has_blank = _has_inner_blank(lines)
    segments: list[Segment] = []
    paragraph = -1
    after_blank = True
    for s, e in lines:
        if s == e:
            after_blank = True
            continue
        if after_blank or not has_blank:
            paragraph += 1
        after_blank = False
        segments.append(Segment(text[s:e], paragraph, s, e))
    return segments
