"""Unbalanced quotes and brackets: « » “ ” ( ) [ ] opened and never closed, or the reverse."""

from __future__ import annotations

import re

from glossary.checks.base import Check, PairContext
from glossary.types import Issue

_PAIRS = {"«": "»", "“": "”", "(": ")", "[": "]"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_MARKS = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_CLOSERS)) + "]")


def unbalanced(text: str) -> list[tuple[str, int]]:
    """Marks of ``text`` without their partner, as ``(mark, offset)``.

    Straight double quotes count as balanced when there is an even number of them.
    """
    stack: list[tuple[str, int]] = []
    bad: list[tuple[str, int]] = []
    for m in _MARKS.finditer(text):
        ch, i = m.group(), m.start()
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            # „ … “ is the Russian low-high pair: “ then closes it; as an opener it is English.
            if stack and stack[-1][0] == _CLOSERS[ch]:
                stack.pop()
            else:
                bad.append((ch, i))
    bad.extend(stack)
    straight = [m.start() for m in re.finditer('"', text)]
    if len(straight) % 2:
        bad.append(('"', straight[-1]))
    return sorted(bad, key=lambda b: b[1])


class BracketsCheck(Check):
    """Quotes and brackets that are not closed, or not opened."""

    check_id = "brackets"
    name = "Unbalanced quotes or brackets"
    description = "A quotation mark or bracket is opened and not closed (or closed, not opened)."
    needs_both_sides = False

    def check(self, ctx: PairContext) -> list[Issue]:
        """At most one issue per side."""
        issues: list[Issue] = []
        for side, text in (("Russian", ctx.ru), ("English", ctx.en)):
            bad = unbalanced(text)
            if not bad:
                continue
            marks = " ".join(mark for mark, _ in bad)
            spans = tuple((i, i + 1) for _, i in bad)
            message = f"Unbalanced in the {side} text: {marks}"
            if side == "Russian":
                issues.append(self.issue(message, ru_spans=spans))
            else:
                issues.append(self.issue(message, en_spans=spans))
        return issues
