"""QA checks on a Russian–English pair: small stateless classes in an explicit registry."""

from __future__ import annotations

from collections.abc import Iterable

from glossary.checks.base import Check, PairContext
from glossary.checks.registry import (
    ALL_CHECKS,
    CHECKS,
    OTHER_CHECKS,
    TERMINOLOGY_CHECKS,
    get_check,
    select,
)
from glossary.matcher import TermMatcher
from glossary.types import Issue

__all__ = [
    "ALL_CHECKS",
    "CHECKS",
    "OTHER_CHECKS",
    "TERMINOLOGY_CHECKS",
    "Check",
    "PairContext",
    "get_check",
    "run_checks",
    "select",
]


def run_checks(
    ru: str,
    en: str,
    *,
    matcher: TermMatcher | None = None,
    checks: Iterable[Check] | None = None,
) -> list[Issue]:
    """Run ``checks`` (default: all) on one pair; glossary checks need ``matcher``.

    Checks that need a glossary are skipped when ``matcher`` is ``None``.
    """
    ctx = PairContext(ru, en, matcher)
    one_side = not ru.strip() or not en.strip()
    issues: list[Issue] = []
    for check in ALL_CHECKS if checks is None else checks:
        if (check.needs_glossary and matcher is None) or (one_side and check.needs_both_sides):
            continue
        issues.extend(check.check(ctx))
    return issues
