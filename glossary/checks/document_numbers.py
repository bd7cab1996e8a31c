"""Document numbers: ``№ 108сс`` in Russian is ``No. 108ss`` in English, with the same figures."""

from __future__ import annotations

import re

from glossary.checks.base import Check, PairContext
from glossary.types import Issue

_RU_NUMBER = re.compile(r"№№?\s*(\d+)")
_EN_NUMBER = re.compile(r"(?:\b(?:Nos?|Numbers?|numbers?)\.?|#)\s*(\d+)")
_EN_SIGN = re.compile(r"№")


class DocumentNumbersCheck(Check):
    """``№ N`` without ``No. N`` in the translation, or ``№`` kept in English."""

    check_id = "document-numbers"
    name = "Document number differs"
    description = (
        "A document number written with № in Russian has no matching “No.” number in the "
        "translation, or the translation keeps the № sign."
    )

    def check(self, ctx: PairContext) -> list[Issue]:
        """One issue per unmatched ``№`` number, one for ``№`` signs in the English."""
        issues: list[Issue] = []
        en_numbers = [m.group(1) for m in _EN_NUMBER.finditer(ctx.en)]
        en_signs = [m.start() for m in _EN_SIGN.finditer(ctx.en)]
        for m in _RU_NUMBER.finditer(ctx.ru):
            if m.group(1) in en_numbers:
                en_numbers.remove(m.group(1))
            elif not en_signs:
                issues.append(
                    self.issue(
                        f'"{m.group()}" has no "No. {m.group(1)}" in the translation',
                        ru_spans=((m.start(), m.end()),),
                    )
                )
        if en_signs:
            issues.append(
                self.issue(
                    'The translation keeps the "№" sign; English writes "No."',
                    en_spans=tuple((i, i + 1) for i in en_signs),
                )
            )
        return issues
