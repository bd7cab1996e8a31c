"""How terms were actually translated across a document, and a bilingual concordance."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from alignment.text import Lang
from glossary.matcher import TermMatcher
from glossary.types import Equivalent, Term

# Shown when a term occurs in the Russian but none of its glossary equivalents in the English.
NOT_FOUND = "(no glossary equivalent)"


def consistency(
    pairs: Sequence[tuple[str, str]], matcher: TermMatcher
) -> dict[int | str, Counter[str]]:
    """For each term found in the Russian of ``pairs``: how many pairs rendered it with each
    of its equivalents (deprecated and forbidden ones included), or with none of them
    (counted under :data:`NOT_FOUND`). Terms that never occur are absent.
    """
    report: dict[int | str, Counter[str]] = {}
    for ru, en in pairs:
        ru_terms = {m.term_id for m in matcher.find_ru(ru)}
        if not ru_terms:
            continue
        rendered: dict[int | str, set[str]] = {}
        for m in matcher.find_en(en):
            rendered.setdefault(m.term_id, set()).add(m.equivalent)
        for term_id in ru_terms:
            counter = report.setdefault(term_id, Counter())
            found = rendered.get(term_id)
            if found:
                counter.update(found)
            else:
                counter[NOT_FOUND] += 1
    return report


def guess_renderings(
    pairs: Sequence[tuple[str, str]], matcher: TermMatcher, term_id: int | str
) -> Counter[str]:
    """How a term was rendered where none of its glossary equivalents was used: in each such
    pair, the English phrase most associated with the term across ``pairs`` (Dice coefficient
    of the pairs they occur in), counted. Pairs without a convincing phrase are not counted.
    """
    from glossary.extract import MIN_DICE, english_phrases

    with_term: set[int] = set()
    missing: list[int] = []
    phrases: list[dict[str, str]] = []
    occurs: Counter[str] = Counter()
    for index, (ru, en) in enumerate(pairs):
        found = english_phrases(en)
        phrases.append(found)
        occurs.update(found.keys())
        if any(m.term_id == term_id for m in matcher.find_ru(ru)):
            with_term.add(index)
            if not any(m.term_id == term_id for m in matcher.find_en(en)):
                missing.append(index)
    together: Counter[str] = Counter()
    for index in with_term:
        together.update(phrases[index].keys())
    by_key: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for index in missing:
        scored = [
            (2 * together[key] / (len(with_term) + occurs[key]), -len(key), key)
            for key in phrases[index]
        ]
        if not scored:
            continue
        dice, _, key = max(scored)
        if dice >= MIN_DICE:
            by_key[key] += 1
            # The plainest written form: "commission", not "commission's".
            surface = phrases[index][key]
            if key not in shown or len(surface) < len(shown[key]):
                shown[key] = surface
    return Counter({shown[key]: count for key, count in by_key.items()})


@dataclass(frozen=True, slots=True)
class ConcordanceLine:
    """A pair where the query was found; ``spans`` are its places in the searched side."""

    pair_index: int
    ru: str
    en: str
    spans: tuple[tuple[int, int], ...]


def concordance(
    pairs: Sequence[tuple[str, str]], query: str, lang: Lang, by_lemma: bool = True
) -> list[ConcordanceLine]:
    """Pairs whose ``lang`` side contains ``query``, each with its aligned counterpart.

    ``by_lemma`` finds every inflected form (``тройка`` finds ``тройками``; ``troika`` finds
    ``troikas``); otherwise the words are matched as written, ignoring case.
    """
    query = query.strip()
    if not query:
        return []
    out: list[ConcordanceLine] = []
    if by_lemma:
        # An English query is searched as the equivalent of a placeholder term.
        term = Term("query", query) if lang == "ru" else Term("query", "-", (Equivalent(query),))
        matcher = TermMatcher([term])
        for index, (ru, en) in enumerate(pairs):
            matches = matcher.find(ru if lang == "ru" else en, lang)
            if matches:
                spans = tuple((m.start, m.end) for m in matches)
                out.append(ConcordanceLine(index, ru, en, spans))
        return out
    pattern = re.compile(r"(?<!\w)" + re.escape(query) + r"(?!\w)", re.IGNORECASE)
    for index, (ru, en) in enumerate(pairs):
        text = ru if lang == "ru" else en
        spans = tuple((m.start(), m.end()) for m in pattern.finditer(text))
        if spans:
            out.append(ConcordanceLine(index, ru, en, spans))
    return out
