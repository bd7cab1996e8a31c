"""Numbers: the same numbers on both sides, read the way each language writes them.

Russian groups thousands with a (narrow, no-break) space and writes decimals with a comma:
``36 225``, ``2,5``. English groups with a comma and writes decimals with a point: ``36,225``,
``2.5``. Dates ``26.12.1962`` count as their day, month and year. Number words, month names
and Roman numerals (``три``, ``three``, ``декабря``, ``December``, ``XV век``) are optional:
they may stand for a figure on the other side, but a figure is never required for them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import cache

from alignment.text import Lang, lemma, tokenize
from alignment.types import Token
from glossary.checks.base import Check, PairContext
from glossary.lang import en as en_data
from glossary.lang import ru as ru_data
from glossary.types import Issue

_SPACE = "[ \u00a0\u202f]"
_NUMBER_RE = re.compile(
    r"(?<![\d.,])(?:"
    r"(?P<date>\d{1,2}\.\d{1,2}\.\d{4})"
    rf"|(?P<spaced>\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:[.,]\d+)?)"
    r"|(?P<grouped>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?)"
    r"|(?P<plain>\d+(?:[.,]\d+)?)"
    r")(?![\d])"
)


def _canonical(digits: str) -> str:
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return digits
    text = format(value.normalize(), "f")
    return text


def _grouped_value(raw: str, lang: Lang) -> str:
    # "36,225" is thirty-six thousand in English but 36.225 in Russian; "1.000.000" groups.
    thousands, decimal = (",", ".") if lang == "en" else (".", ",")
    if raw.count(thousands) >= 1 and (
        decimal not in raw or raw.rfind(decimal) > raw.rfind(thousands)
    ):
        if lang == "ru" and raw.count(".") == 1 and "," not in raw:
            return _canonical(raw)  # a Russian "2.500" is most likely a decimal point
        return _canonical(raw.replace(thousands, "").replace(decimal, "."))
    return _canonical(raw.replace(",", "."))


def numbers(text: str, lang: Lang) -> list[tuple[str, int, int]]:
    """Figures written in ``text``: ``(canonical value, start, end)``; dates count as 3 figures."""
    out: list[tuple[str, int, int]] = []
    for m in _NUMBER_RE.finditer(text):
        raw = m.group()
        if m.group("date"):
            for part in raw.split("."):
                out.append((_canonical(part), m.start(), m.end()))
        elif m.group("spaced"):
            out.append((_canonical(re.sub(_SPACE, "", raw).replace(",", ".")), m.start(), m.end()))
        elif m.group("grouped"):
            out.append((_grouped_value(raw, lang), m.start(), m.end()))
        else:
            out.append((_canonical(raw.replace(",", ".")), m.start(), m.end()))
    return out


_ROMAN = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman(word: str) -> int | None:
    """The value of a Roman numeral up to 399 (``XV`` → 15), else ``None``."""
    if not _ROMAN.match(word):
        return None
    total = 0
    for ch, nxt in zip(word, [*word[1:], ""], strict=True):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt and _ROMAN_VALUES[nxt] > value else value
    return total


@cache
def _starts(lang: Lang) -> frozenset[str]:
    data = ru_data if lang == "ru" else en_data
    return frozenset(w[:2] for w in (*data.NUMBER_WORDS, *data.MONTHS))


def number_words(text: str, lang: Lang, tokens: Sequence[Token] | None = None) -> Counter[str]:
    """Values named by words (``три``, ``three``, ``декабря`` = 12) or Roman numerals (``XV``):
    optional counterparts of figures."""
    data = ru_data if lang == "ru" else en_data
    starts = _starts(lang)
    found: Counter[str] = Counter()
    for tok in tokenize(text) if tokens is None else tokens:
        # Centuries and volumes: "XV век" is "the 15th century" (but "I" is a pronoun).
        if tok.text[0] in "IVXLC" and (lang == "ru" or len(tok.text) > 1):
            value_of_roman = roman(tok.text)
            if value_of_roman:
                found[str(value_of_roman)] += 1
                continue
        # Only words that begin like a number word or a month are worth a lemma.
        if tok.text[:2].lower() not in starts or not tok.is_word:
            continue
        key = lemma(tok.text, lang)
        value = data.NUMBER_WORDS.get(key, data.MONTHS.get(key))
        if value is None and lang == "en":
            value = data.MONTHS.get(tok.text.lower())
        if value is not None:
            found[str(value)] += 1
    return found


class NumbersCheck(Check):
    """Figures that differ between the two sides."""

    check_id = "numbers"
    name = "Numbers differ"
    description = (
        "A number in one text is missing from the other (36 225 = 36,225 and 2,5 = 2.5 count "
        "as the same number; a number written out in words counts too)."
    )

    def check(self, ctx: PairContext) -> list[Issue]:
        """One issue per missing or extra value."""
        ru_nums = numbers(ctx.ru, "ru")
        en_nums = numbers(ctx.en, "en")
        if not ru_nums and not en_nums:
            return []
        ru_count = Counter(v for v, _, _ in ru_nums)
        en_count = Counter(v for v, _, _ in en_nums)
        issues: list[Issue] = []
        missing = ru_count - en_count
        if missing:
            missing -= number_words(ctx.en, "en", ctx.en_tokens)
        extra = en_count - ru_count
        if extra:
            extra -= number_words(ctx.ru, "ru", ctx.ru_tokens)
        for value in missing:
            spans = tuple((s, e) for v, s, e in ru_nums if v == value)
            shown = ctx.ru[spans[0][0] : spans[0][1]]
            issues.append(self.issue(f"{shown} is not in the translation", ru_spans=spans))
        for value in extra:
            spans = tuple((s, e) for v, s, e in en_nums if v == value)
            shown = ctx.en[spans[0][0] : spans[0][1]]
            issues.append(
                self.issue(f"{shown} is in the translation but not in the Russian", en_spans=spans)
            )
        return issues
