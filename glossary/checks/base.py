"""The base of every QA check: a small stateless class with an id, a name and one method.

Modelled on Weblate's ``weblate/checks/base.py``: a check knows nothing about storage; the app
stores only ``check_id`` and a ``dismissed`` flag per pair, and shows ``name``/``description``.
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

from alignment.text import tokenize
from alignment.types import Token
from glossary.matcher import TermMatcher
from glossary.types import Issue, Match


class PairContext:
    """One Russian–English pair being checked, with term matches computed once and shared."""

    def __init__(self, ru: str, en: str, matcher: TermMatcher | None = None) -> None:
        self.ru = ru
        self.en = en
        self.matcher = matcher

    @cached_property
    def ru_tokens(self) -> list[Token]:
        """The tokens of the Russian side."""
        return tokenize(self.ru)

    @cached_property
    def en_tokens(self) -> list[Token]:
        """The tokens of the English side."""
        return tokenize(self.en)

    @cached_property
    def ru_matches(self) -> list[Match]:
        """Terms found in the Russian side (empty without a glossary)."""
        if self.matcher is None:
            return []
        return self.matcher.find_ru(self.ru, self.ru_tokens)

    @cached_property
    def en_matches(self) -> list[Match]:
        """Glossary equivalents found in the English side (empty without a glossary)."""
        if self.matcher is None:
            return []
        return self.matcher.find_en(self.en, self.en_tokens)

    @cached_property
    def en_matches_overlapping(self) -> list[Match]:
        """Like :attr:`en_matches`, with equivalents inside longer ones too."""
        if self.matcher is None:
            return []
        return self.matcher.find_en(self.en, self.en_tokens, overlapping=True)


class Check:
    """A QA check. Subclasses set the class attributes and implement :meth:`check`."""

    check_id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    # Checks that only make sense with a glossary are skipped when there is none.
    needs_glossary: ClassVar[bool] = False
    # Most checks compare the two sides; with one side empty only the "empty" finding matters.
    needs_both_sides: ClassVar[bool] = True

    def check(self, ctx: PairContext) -> list[Issue]:
        """The issues this check finds on one pair (an empty list when the pair is fine)."""
        raise NotImplementedError

    def issue(
        self,
        message: str,
        *,
        ru_spans: tuple[tuple[int, int], ...] = (),
        en_spans: tuple[tuple[int, int], ...] = (),
        severity: str | None = None,
    ) -> Issue:
        """An :class:`Issue` of this check."""
        return Issue(self.check_id, message, severity or self.severity, ru_spans, en_spans)
