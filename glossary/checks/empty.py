"""Empty side: one text of the pair has words, the other has none."""

from __future__ import annotations

from glossary.checks.base import Check, PairContext
from glossary.types import Issue


class EmptySideCheck(Check):
    """One side of the pair empty."""

    check_id = "empty"
    name = "Empty side"
    description = "One side of the pair is empty while the other has text."
    severity = "error"
    needs_both_sides = False

    def check(self, ctx: PairContext) -> list[Issue]:
        """At most one issue per pair."""
        ru, en = ctx.ru.strip(), ctx.en.strip()
        if ru and not en:
            return [self.issue("The translation is empty")]
        if en and not ru:
            return [self.issue("The Russian text is empty")]
        return []
