"""Paragraphs and sentences of Russian and English text, with character offsets.

Every span points into the original text, so the review screen can show exactly what the
translator uploaded: ``text[start:end] == segment.text`` always holds, and every character that
is not whitespace (see :func:`is_blank`) belongs to exactly one segment.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

from razdel.rule import JOIN, SPLIT

from alignment.text import Lang, part_of_speech_ru
from alignment.types import Segment

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


def is_blank(ch: str) -> bool:
    """Whitespace, or the byte-order mark some editors write at the start of a file."""
    return ch.isspace() or ch == "\ufeff"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and is_blank(text[start]):
        start += 1
    while end > start and is_blank(text[end - 1]):
        end -= 1
    return start, end


def _has_inner_blank(lines: list[tuple[int, int]]) -> bool:
    """True when a blank line stands between two non-empty lines."""
    filled = [i for i, (s, e) in enumerate(lines) if s < e]
    return bool(filled) and any(s == e for s, e in lines[filled[0] : filled[-1]])


# A line of dialogue starts with a dash (typewritten texts use a hyphen and a space).
_DIALOGUE_RE = re.compile(r"[–—―‒]|-\s")
# Where a sentence (or an introduction to dialogue) ends, so that a dash may open a new line.
_LINE_END_CHARS = '.!?…:»"”)'
_FIRST_WORD_RE = re.compile(r"\S+")
# Plain-text wrappers break lines between 40 and 120 characters (Project Gutenberg: ~72).
_MIN_WRAP, _MAX_WRAP = 40, 120


def _wrap_width(lengths: list[int]) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None when its lines are not wrapped."""
    if len(lengths) < 2:
        return None
    ordered = sorted(lengths)
    width = ordered[-1 - len(ordered) // 50]  # a stray long line (a URL) is not the width
    return width if _MIN_WRAP <= width <= _MAX_WRAP else None


def _indent(line: str) -> int:
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the paragraphs of ``text``, whitespace trimmed.

    Blank lines separate paragraphs. A text without blank lines has one paragraph per line
    (the usual file from a translator), unless it is hard-wrapped prose whose paragraphs are
    marked by indentation (lib.ru style). Inside a blank-line block of hard-wrapped prose
    (Project Gutenberg style) lines are joined, but a line that is indented, or that follows
    a line which ended early (its first word would have fitted there: the end of a paragraph,
    a line of verse, a line of dialogue after its introduction), begins a new paragraph.
    Texts whose lines are not wrapped (wider than 120 characters, or mostly short) keep one
    paragraph per line inside their blank-line blocks.
    """
    raw = _lines(text)
    trimmed = [_trim(text, s, e) for s, e in raw]
    filled = [i for i, (s, e) in enumerate(trimmed) if s < e]
    if not filled:
        return []
    lines = [text[s:e].rstrip() for s, e in raw]
    base = min(_indent(lines[i]) for i in filled)  # the indentation of continuation lines
    # Lines the layout alone does not mark as a paragraph's last: if the text is hard-wrapped,
    # most of them are full lines.
    inner = [
        i
        for i, j in itertools.pairwise(filled)
        if j == i + 1 and not _starts_paragraph(lines[i], lines[j], base)
    ]
    width = _wrap_width([len(lines[i]) for i in filled])
    if width is not None:
        full = sum(1 for i in inner if len(lines[i]) >= 0.75 * width)
        if not inner or full < 0.6 * len(inner):
            width = None
    if not _has_inner_blank(trimmed) and (
        width is None or len({_indent(lines[i]) for i in filled}) == 1
    ):
        return [trimmed[i] for i in filled]
    spans: list[tuple[int, int]] = []
    previous: int | None = None
    for i, (s, e) in enumerate(trimmed):
        if s == e:
            previous = None
            continue
        if previous is not None and _continues(lines[previous], lines[i], width, base):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
        previous = i
    return spans


def _starts_paragraph(previous: str, line: str, base: int) -> bool:
    """True when the layout marks ``line`` as a new paragraph: indented, or dialogue."""
    if _indent(line) > base:
        return True
    return bool(_DIALOGUE_RE.match(line.lstrip())) and previous[-1:] in _LINE_END_CHARS


def _continues(previous: str, line: str, width: int | None, base: int) -> bool:
    """True when ``line`` continues the paragraph of the hard-wrapped ``previous`` line.

    A dialogue dash alone does not start a paragraph here: in a wrapped paragraph the dash of
    ``…продолжала она. – Мы будем видеться`` may land at the start of a line.
    """
    if width is None or _indent(line) > base:
        return False
    # A wrapper breaks a line only when the next word does not fit on it.
    first = _FIRST_WORD_RE.match(line.lstrip())
    next_word = len(first.group()) if first else 0
    return len(previous) + 1 + next_word > width


class _Abbreviations:
    """One language's abbreviation data, prepared for :func:`_abbreviation_rule`."""

    def __init__(self, module: ModuleType) -> None:
        self.never_final: frozenset[str] = module.ABBREVIATIONS_NEVER_FINAL
        self.before_number: frozenset[str] = module.ABBREVIATIONS_BEFORE_NUMBER
        self.may_end: frozenset[str] = module.ABBREVIATIONS_MAY_END
        self.usually_final: frozenset[str] = module.ABBREVIATIONS_USUALLY_FINAL
        self.units: frozenset[str] = module.UNITS
        self.openers: frozenset[str] = module.SENTENCE_OPENERS
        self.opener_pos: frozenset[str] = module.SENTENCE_OPENER_POS
        self.citation_parts: frozenset[str] = module.CITATION_PARTS
        self.initials_after_surname: bool = module.INITIALS_AFTER_SURNAME

    def opens_sentence(self, word: str) -> bool:
        """True when capitalised ``word`` is one that starts sentences, not a name."""
        if word.lower() in self.openers:
            return True
        return bool(self.opener_pos) and part_of_speech_ru(word) in self.opener_pos

    def kind(self, parts: list[str], after_number: bool) -> str | None:
        """``never``, ``number``, ``may``, ``final`` or None for the word ``parts`` before a dot.

        ``parts`` are the dotted parts (``["т", "е"]`` for ``т. е.``), ``after_number`` tells
        whether a number stands before them (``24 мм.``, ``1932 г.``).
        """
        for k in range(len(parts), 0, -1):
            key = ".".join(parts[-k:]).lower()
            if key in self.usually_final or (after_number and k == 1 and key in self.units):
                return "final"
            if key in self.never_final:
                return "never"
            if key in self.before_number:
                return "number"
            if key in self.may_end:
                return "may"
        if len(parts[-1]) == 1 and (parts[-1].isupper() or len(parts) > 1):
            return "may"  # an initial, a letter of a dotted acronym (U.S.S.R.), "point B."
        return None  # a word (``я.``): razdel decides


# A number, possibly with a case ending (``1960-х``), or a Roman numeral (``XX в.``).
_AFTER_NUMBER_RE = re.compile(r"(?:\d(?:-[^\W\d_]{1,3})?|\b[IVXLC]+)[\s\u00a0]*$")
_CITATION_RE = re.compile(r"\s+([^\W\d_]{1,3})\.\s?(?:\d|[^\W\d_]{1,3}-\d)")
_CITATION_LEFT_RE = re.compile(r"(?:\d|\b[^\W\d_]*[^\W\d_a-zа-яё]{2}|\bоб)$")
_SURNAME_BEFORE_RE = re.compile(r"\b([^\W\d_a-zа-яё][^\W\d_A-ZА-ЯЁ]+)\s+$")
_RIGHT_RE = re.compile(r"\s+(?:([\d№#§])|[^\W\d_]{1,3}-\d()|([^\W\d_]+)(\.?)|(\S))")


def _abbreviation_rule(data: _Abbreviations) -> Callable[[Any], str | None]:
    """A razdel rule deciding the dots after abbreviations and initials from our data."""

    def rule(split: Any) -> str | None:
        delimiter = split.delimiter
        if delimiter == ";":
            return JOIN  # a semicolon joins clauses; razdel splits before capitals and digits
        if delimiter in ".?!…" and split.in_brackets and (")" in split.right or "]" in split.right):
            return JOIN  # inside a parenthesis opened mid-sentence and closed soon after
        left: str = split.left
        if delimiter == "…" or (delimiter == "." and left.endswith("..")):
            return _stammer(left, split.right)
        if delimiter != ".":
            return None
        citation = _CITATION_RE.match(split.right)
        if (
            citation
            and citation.group(1).lower() in data.citation_parts
            and _CITATION_LEFT_RE.search(left)
        ):
            return JOIN  # ``ГАРФ. Ф. Р-9401. Оп. 2.``: one reference, not four sentences
        dotted = _dotted_word(left)
        right = _RIGHT_RE.match(split.right)
        if dotted is None or right is None:
            return None
        parts, pos = dotted
        digit, code, next_word, next_dot, _other = right.groups()
        if (
            left[:pos].endswith(("-", "'", "’"))
            and len(parts) == 1
            and parts[0].lower() not in data.may_end
        ):
            # The end of a longer word (``Super-G.``, ``the Governor's.``), not an initial.
            return SPLIT if next_word and next_word[0].isupper() else None
        after_number = (
            parts[-1].lower() in data.units and _AFTER_NUMBER_RE.search(left, 0, pos) is not None
        )
        kind = data.kind(parts, after_number)
        if kind is None:
            return None
        if (
            data.initials_after_surname
            and len(parts) >= 2
            and all(len(p) == 1 and p.isupper() for p in parts)
            and (surname := _SURNAME_BEFORE_RE.search(left, 0, pos))
            and part_of_speech_ru(surname.group(1)) in (None, "NAME")
        ):
            kind = "final"  # ``подписал Семичастный В. Е. Копия верна.``
        if kind == "never":
            return JOIN
        if digit is not None or code is not None:
            return JOIN  # ``ст. 58``, ``Экз. № 2``, ``Ф. Р-9401``, ``1932 г. 5 человек``
        if next_word is None:
            return None  # a quote or a dash: razdel knows those
        if next_word[0].islower() or (next_dot and len(next_word) == 1):
            return JOIN  # lower case goes on; ``В. Е.``: another initial follows
        if kind == "final" or data.opens_sentence(next_word):
            return SPLIT
        return JOIN

    return rule


_WORD_BEFORE_ELLIPSIS_RE = re.compile(r"([^\W\d_]+)[\s.…]*$")
_WORD_AFTER_RE = re.compile(r"\s+([^\W\d_]+)")


def _stammer(left: str, right: str) -> str | None:
    """JOIN for a word repeated after an ellipsis (``"I ... I love you"``): a pause, not an end."""
    before = _WORD_BEFORE_ELLIPSIS_RE.search(left)
    after = _WORD_AFTER_RE.match(right)
    if before and after and before.group(1).lower() == after.group(1).lower():
        return JOIN
    return None


def _dotted_word(left: str) -> tuple[list[str], int] | None:
    """The word before a dot with the short dotted parts before it, and where they start.

    ``"осуждён Семичастный В. Е"`` gives ``(["В", "Е"], 20)``; ``"по ст"`` gives ``(["ст"], 3)``.
    Scans backwards by hand: end-anchored regular expressions are quadratic in the window.
    """
    end = len(left)
    start = end
    while start > 0 and left[start - 1].isalpha():
        start -= 1
    if start == end:
        return None
    parts = [left[start:end]]
    while len(parts) < 4:
        dot = start
        if dot > 0 and left[dot - 1].isspace():
            dot -= 1
        if dot == 0 or left[dot - 1] != ".":
            break
        dot -= 1
        begin = dot
        while begin > 0 and left[begin - 1].isalpha() and dot - begin <= 5:
            begin -= 1
        if begin == dot or dot - begin > 5 or (begin > 0 and left[begin - 1].isalpha()):
            break
        parts.insert(0, left[begin:dot])
        start = begin
    return parts, start


# razdel splits only after one of these followed by a space (a smiley ends in a bracket).
_MAYBE_BOUNDARY_RE = re.compile(r"[.?!…;\"'»”’)\]}(]\s+\S")


def _check_language(lang: str) -> None:
    if lang not in ("ru", "en"):
        raise ValueError(
            f"Sverka splits Russian (ru) and English (en) text into sentences, not {lang!r}."
        )


@cache
def _segmenter(lang: Lang) -> Any:
    from razdel.rule import FunctionRule
    from razdel.segmenters.sentenize import RULES, SentSegmenter, SentSplitter

    module = importlib.import_module(f"alignment.lang.{lang}")
    ours = FunctionRule(_abbreviation_rule(_Abbreviations(module)))
    ours.name = f"sverka_{lang}"
    return SentSegmenter(split=SentSplitter(window=20), rules=[ours, *RULES])


def split_sentences(
    text: str, lang: Lang, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]`` (offsets into ``text``), whitespace trimmed.

    razdel's rules, preceded by ours: abbreviations from ``alignment/lang/<lang>.py`` decide
    whether a dot ends a sentence (``ст. 58``, ``1932 г.``, ``Mr.``, ``U.S.S.R.``), archival
    references stay whole (``Ф. Р-9401. Оп. 2. Д. 64``); no sentence ends at a semicolon, inside
    a parenthesis opened mid-sentence, or at an ellipsis before a repeated word (``I ... I``).
    """
    _check_language(lang)
    if end is None:
        end = len(text)
    chunk = text[start:end]
    cuts = [0]
    if _MAYBE_BOUNDARY_RE.search(chunk) is not None:
        # Otherwise no punctuation is followed by a space: one sentence (most short lines).
        cuts.extend(_boundaries(chunk, _segmenter(lang)))
    cuts.append(len(chunk))
    spans = []
    for a, b in itertools.pairwise(cuts):
        s, e = _trim(text, start + a, start + b)
        if s < e:
            spans.append((s, e))
    return spans


def _boundaries(chunk: str, segmenter: Any) -> list[int]:
    """Offsets in ``chunk`` where razdel's rules (ours first) end a sentence.

    razdel's own loop re-joins the growing sentence at every dot, which is quadratic on a
    100k-character line of abbreviations; this one keeps offsets, a bounded tail of the
    sentence (all razdel's rules look at) and the bracket depth.
    """
    parts = segmenter.split(chunk)
    first = next(parts)
    pos = len(first)
    sentence_start = 0
    depth = _bracket_depth(first)
    opens_with_bracket = first.lstrip()[:1] in ("(", "[")
    found: list[int] = []
    for split in parts:
        right: str = next(parts)
        split.buffer = chunk[max(sentence_start, pos - _BUFFER_TAIL) : pos]
        split.in_brackets = depth > 0 and not opens_with_bracket
        pos += len(split.delimiter)
        if segmenter.join(split):
            depth += _bracket_depth(split.delimiter)
        else:
            found.append(pos)
            sentence_start = pos
            depth = 0
            opens_with_bracket = right.lstrip()[:1] in ("(", "[")
        depth += _bracket_depth(right)
        pos += len(right)
    return found


# razdel's rules read at most the last 21 characters of a sentence (``list_item``).
_BUFFER_TAIL = 64


def _bracket_depth(piece: str) -> int:
    return piece.count("(") - piece.count(")") + piece.count("[") - piece.count("]")


def segment_text(text: str, lang: Lang) -> list[Segment]:
    """Paragraphs, then sentences: one :class:`Segment` per sentence, offsets into ``text``."""
    _check_language(lang)
    segments: list[Segment] = []
    for index, (p_start, p_end) in enumerate(split_paragraphs(text)):
        for s, e in split_sentences(text, lang, p_start, p_end):
            segments.append(Segment(text[s:e], index, s, e))
    return segments


def one_line(text: str) -> str:
    """A segment's text on one line, for printing: line breaks and space runs become a space.

    A sentence of a hard-wrapped paragraph keeps its line breaks in :class:`Segment` (the
    offsets point into the file); ``sverka segment`` and exports print it with this.
    """
    return " ".join(text.split())


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
