"""The explicit list of QA checks, in the order their issues are shown."""

from __future__ import annotations

from collections.abc import Iterable

from glossary.checks.base import Check
from glossary.checks.brackets import BracketsCheck
from glossary.checks.document_numbers import DocumentNumbersCheck
from glossary.checks.empty import EmptySideCheck
from glossary.checks.length import LengthRatioCheck
from glossary.checks.numbers import NumbersCheck
from glossary.checks.spelling import SpellingCheck
from glossary.checks.terminology import DiscouragedEquivalentCheck, MissingEquivalentCheck
from glossary.checks.untranslated import CyrillicInTranslationCheck, IdenticalCheck

TERMINOLOGY_CHECKS: tuple[Check, ...] = (MissingEquivalentCheck(), DiscouragedEquivalentCheck())
OTHER_CHECKS: tuple[Check, ...] = (
    EmptySideCheck(),
    IdenticalCheck(),
    CyrillicInTranslationCheck(),
    NumbersCheck(),
    DocumentNumbersCheck(),
    BracketsCheck(),
    LengthRatioCheck(),
    SpellingCheck(),
)
ALL_CHECKS: tuple[Check, ...] = TERMINOLOGY_CHECKS + OTHER_CHECKS

CHECKS: dict[str, Check] = {c.check_id: c for c in ALL_CHECKS}
assert len(CHECKS) == len(ALL_CHECKS), "two checks share an id"


def get_check(check_id: str) -> Check:
    """The check with this id; ``KeyError`` names the known ids."""
    try:
        return CHECKS[check_id]
    except KeyError:
        raise KeyError(f"no check {check_id!r}; known: {', '.join(CHECKS)}") from None


def select(check_ids: Iterable[str]) -> tuple[Check, ...]:
    """The checks with these ids, in registry order."""
    wanted = set(check_ids)
    for check_id in wanted:
        get_check(check_id)
    return tuple(c for c in ALL_CHECKS if c.check_id in wanted)
