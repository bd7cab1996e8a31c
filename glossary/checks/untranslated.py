"""Untranslated text: a translation identical to the source, or Russian words left in it."""

from __future__ import annotations

import re

from alignment.text import has_cyrillic
from glossary.checks.base import Check, PairContext
from glossary.types import Issue

_SPACES = re.compile(r"\s+")


def _letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


class IdenticalCheck(Check):
    """Translation identical to the source."""

    check_id = "identical"
    name = "Translation identical to the source"
    description = "The English text is the same as the Russian: most likely not translated."

    def check(self, ctx: PairContext) -> list[Issue]:
        """At most one issue per pair."""
        ru = _SPACES.sub(" ", ctx.ru).strip().casefold()
        en = _SPACES.sub(" ", ctx.en).strip().casefold()
        if ru and ru == en and _letters(ru):
            return [self.issue("The translation is the same as the Russian text")]
        return []


class CyrillicInTranslationCheck(Check):
    """Cyrillic words left in the English text."""

    check_id = "untranslated"
    name = "Russian words left in the translation"
    description = "The English text contains words in Cyrillic letters."

    def check(self, ctx: PairContext) -> list[Issue]:
        """At most one issue per pair, listing the words."""
        if not has_cyrillic(ctx.en):
            return []
        en = _SPACES.sub(" ", ctx.en).strip().casefold()
        if en == _SPACES.sub(" ", ctx.ru).strip().casefold():
            return []  # reported by the "identical" check
        spans = tuple((t.start, t.end) for t in ctx.en_tokens if t.is_word and has_cyrillic(t.text))
        if not spans:
            return []
        shown = ", ".join(f'"{ctx.en[s:e]}"' for s, e in spans[:5])
        more = f" and {len(spans) - 5} more" if len(spans) > 5 else ""
        return [self.issue(f"Russian words in the translation: {shown}{more}", en_spans=spans)]
