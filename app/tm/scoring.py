"""Russian-aware fuzzy match scores, the differences to highlight, and number substitution.

A score is mostly the similarity of the lemma sequences (numbers as a placeholder) and partly
the similarity of the characters. So "с тройкой" for "с тройки" (inflection) or "1938" for
"1937" (a number) lose about one point, while a different content word loses as much as a
word is worth in the sentence. 100 is kept for identical text (white space aside); 101, same
neighbours too, is decided by the service, which knows the neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from app.tm.analysis import Analysed, fold, normalise

_LEMMA_WEIGHT = 0.75


@dataclass(frozen=True, slots=True)
class DiffSpan:
    """A stretch ``[start, end)`` of the match's Russian text that differs from the source.

    ``kind`` is "inflection" (same word, another form), "number", or "content" (another word,
    or a word the source does not have).
    """

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate's score with what differs: spans in the match, source words it lacks."""

    score: int
    spans: tuple[DiffSpan, ...]
    missing: tuple[str, ...]


def score(query: Analysed, candidate: Analysed) -> int:
    """The match score 0–100 of ``candidate`` for the source sentence ``query``."""
    return score_stored(query, candidate.text, candidate.lemmas)


def score_stored(query: Analysed, text: str, lemmas: Sequence[str]) -> int:
    """:func:`score` for a candidate known by its text and stored lemma sequence (no need to
    lemmatise it again)."""
    if query.normalised == normalise(text):
        return 100
    if not query.lemmas and not lemmas:
        lemma_sim = 1.0
    else:
        lemma_sim = Levenshtein.normalized_similarity(query.lemmas, lemmas)
    char_sim = fuzz.ratio(query.folded, fold(text)) / 100.0
    value = 100.0 * (_LEMMA_WEIGHT * lemma_sim + (1 - _LEMMA_WEIGHT) * char_sim)
    # Only identical text is 100%: a translator trusts a 100% without reading it.
    return max(0, min(99, int(value)))


def diff_spans(query: Analysed, candidate: Analysed) -> Scored:
    """Score ``candidate`` and say where its Russian differs from ``query``."""
    spans: list[DiffSpan] = []
    missing: list[str] = []
    q, c = query.tokens, candidate.tokens
    for op in Levenshtein.opcodes(query.lemmas, candidate.lemmas):
        if op.tag == "equal":
            for qt, ct in zip(
                q[op.src_start : op.src_end], c[op.dest_start : op.dest_end], strict=True
            ):
                if qt.text.lower().replace("ё", "е") != ct.text.lower().replace("ё", "е"):
                    kind = "number" if ct.is_number else "inflection"
                    spans.append(DiffSpan(ct.start, ct.end, kind))
        else:
            if op.dest_end > op.dest_start:
                first, last = c[op.dest_start], c[op.dest_end - 1]
                spans.append(DiffSpan(first.start, last.end, "content"))
            missing.extend(t.text for t in q[op.src_start : op.src_end])
    return Scored(score(query, candidate), tuple(spans), tuple(missing))


_EN_NUMBER = re.compile(r"\d+(?:[,\u00a0 ]\d{3})*(?:\.\d+)?")


def _ru_value(number: str) -> str:
    # Russian: spaces group thousands, a comma is the decimal mark; dates keep their dots.
    plain = re.sub(r"[ \u00a0\u202f]", "", number)
    return plain.replace(",", ".") if plain.count(",") == 1 and "." not in plain else plain


def _en_value(number: str) -> str:
    return re.sub(r"[, \u00a0]", "", number)


def _render_like(value: str, example: str) -> str:
    """``value`` written the way the English ``example`` writes numbers (thousands commas)."""
    if "," in example and value.isdigit() and len(value) > 3:
        return f"{int(value):,}"
    return value


def substitute_numbers(query: Analysed, candidate: Analysed, en: str) -> tuple[str, list[str]]:
    """Put the source's numbers into the match's translation where they differ.

    Numbers are paired by their place in the aligned Russian sentences; each differing
    number of the match is looked for in ``en`` (as the same value, "1 000" = "1,000") and
    replaced. Returns the translation and a note for each number that could not be replaced.
    """
    pairs: list[tuple[str, str]] = []
    for op in Levenshtein.opcodes(query.lemmas, candidate.lemmas):
        if op.tag != "equal":
            continue
        for qt, ct in zip(
            query.tokens[op.src_start : op.src_end],
            candidate.tokens[op.dest_start : op.dest_end],
            strict=True,
        ):
            if ct.is_number and _ru_value(qt.text) != _ru_value(ct.text):
                pairs.append((ct.text, qt.text))
    notes: list[str] = []
    if not pairs:
        return en, notes
    found = list(_EN_NUMBER.finditer(en))
    used: set[int] = set()
    replacements: list[tuple[int, int, str]] = []
    for old, new in pairs:
        want = _ru_value(old)
        for i, m in enumerate(found):
            if i not in used and _en_value(m.group()) == want:
                used.add(i)
                replacements.append((m.start(), m.end(), _render_like(_ru_value(new), m.group())))
                break
        else:
            notes.append(f"The source has {new} where the match has {old}: check the number.")
    for start, end, text in sorted(replacements, reverse=True):
        en = en[:start] + text + en[end:]
    return en, notes
