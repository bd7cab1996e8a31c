"""Length ratio: a translation far shorter or longer than the Russian misses or adds text."""

from __future__ import annotations

from glossary.checks.base import Check, PairContext
from glossary.types import Issue

# English runs at about 0.9–1.1 of the Russian character count; short texts vary too much to
# say anything, hence the minimum.
MIN_CHARS = 40
LOW, HIGH = 0.45, 2.2


class LengthRatioCheck(Check):
    """Translation length far from the Russian length."""

    check_id = "length"
    name = "Length far off"
    description = (
        f"The translation is less than {LOW:.0%} or more than {HIGH:.0%} of the Russian length "
        "(for texts of {MIN_CHARS}+ characters): text may be missing or added."
    ).replace("{MIN_CHARS}", str(MIN_CHARS))

    def check(self, ctx: PairContext) -> list[Issue]:
        """At most one issue per pair."""
        ru, en = len(ctx.ru.strip()), len(ctx.en.strip())
        if not ru or not en or max(ru, en) < MIN_CHARS:
            return []
        ratio = en / ru
        if ratio < LOW:
            return [self.issue(f"The translation is {ratio:.0%} of the Russian length: too short?")]
        if ratio > HIGH:
            return [self.issue(f"The translation is {ratio:.0%} of the Russian length: too long?")]
        return []
