"""Anchors: tokens that cross a translation nearly unchanged.

Numbers (written differently in Russian and English: ``36 225`` ↔ ``36,225``, ``2,5`` ↔
``2.5``, ``10-летний`` ↔ ``10-year``), months in dates (``26 декабря 1962 г.`` ↔
``26 December 1962``), document numbers (``№ 3265-с`` ↔ ``No. 3265-s``), words in Latin
letters left in the Russian text, transliterated names (``Семичастный`` ↔ ``Semichastny``)
and the sentence marks ``?`` and ``!``. Each anchor is a string key; a Russian and an English
token that share a key are taken as translations of each other.
"""

from __future__ import annotations

import re
from typing import Literal

from alignment.translit import name_key

Lang = Literal["ru", "en"]

_MONTHS_RU = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
_MONTHS_EN = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_GROUPED_SPACE = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DIGITS = re.compile(r"\d+")


def number_keys(token: str, lang: Lang) -> list[str]:
    """Keys of the numbers written in ``token``, normalised across the two locales.

    ``36 225`` (ru) and ``36,225`` (en) both give ``#36225``; ``2,5`` (ru) and ``2.5`` (en)
    give ``#2.5``; a token with letters (``10-летний``, ``3265-с``, ``1960s``) gives the keys
    of its digit runs (``#10``, ``#3265``, ``#1960``).
    """
    if _GROUPED_SPACE.match(token):
        whole, _, frac = token.partition(",")
        value = re.sub(r"\D", "", whole)
        return [f"#{value}.{frac}" if frac else f"#{value}"]
    if lang == "en" and _GROUPED_COMMA.match(token):
        return [f"#{token.replace(',', '')}"]
    if re.fullmatch(r"\d+[.,]\d+", token) and (lang == "ru" or "." in token):
        return [f"#{token.replace(',', '.')}"]
    if re.fullmatch(r"\d+(?:[.,]\d+){2,}", token):
        # 26.12.1962 / 1.2.3 : dates and section numbers, each part on its own.
        return [f"#{int(p)}" for p in re.split(r"[.,]", token)]
    return [f"#{int(d)}" for d in _DIGITS.findall(token)]


def month_key(lemma: str, lang: Lang) -> str | None:
    """``@12`` for ``декабрь``/``December``: month names match whatever the grammar."""
    month = (_MONTHS_RU if lang == "ru" else _MONTHS_EN).get(lemma.lower())
    return f"@{month}" if month else None


def name_anchor(word: str) -> str | None:
    """The name key of a capitalised word (or an abbreviation), or ``None`` when too short.

    The key is a prefix of the transliteration skeleton, so Russian case endings
    (``Семичастного``) do not prevent a match with ``Semichastny``.
    """
    key = name_key(word)
    if len(key) < 3:
        return None
    return "N:" + key[:6] if len(key) >= 6 else "N:" + key[: max(3, len(key) - 1)]


def punctuation_keys(text: str) -> list[str]:
    """``?`` and ``!`` in ``text`` (questions and exclamations stay so in translation)."""
    keys = []
    if "?" in text:
        keys.append("?")
    if "!" in text:
        keys.append("!")
    return keys
