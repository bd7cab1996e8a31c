"""Russian → Latin transliteration in the systems translators meet, and a spelling-blind name key.

Names cross a translation by transliteration, and translators mix systems (and older
conventions such as Garnett's *Tchernomordik*). :func:`transliterate` writes one system;
:func:`name_key` reduces a Cyrillic or a Latin spelling to a rough phonetic skeleton so that
*Семичастный* / *Semichastny* / *Semičastnyj* and *Хрущёв* / *Khrushchev* / *Chruščëv* all meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

System = Literal["bgn", "scholarly", "gost", "passport"]

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
}  # fmt: skip

_SYSTEMS: dict[str, dict[str, str]] = {
    # BGN/PCGN (1947), simplified as in the press: no apostrophes or diacritics.
    "bgn": {
        "е": "e", "ё": "e", "ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    },
    # Scholarly (linguistic) transliteration.
    "scholarly": {
        "е": "e", "ё": "ë", "ж": "ž", "й": "j", "х": "x", "ц": "c", "ч": "č", "ш": "š",
        "щ": "šč", "ъ": "ʺ", "ы": "y", "ь": "ʹ", "э": "è", "ю": "ju", "я": "ja",
    },
    # GOST 7.79-2000, system B (Latin letters only).
    "gost": {
        "е": "e", "ё": "yo", "ж": "zh", "й": "j", "х": "x", "ц": "cz", "ч": "ch", "ш": "sh",
        "щ": "shh", "ъ": "``", "ы": "y`", "ь": "`", "э": "e`", "ю": "yu", "я": "ya",
    },
    # Russian passports (ICAO Doc 9303, since 2013).
    "passport": {
        "е": "e", "ё": "e", "ж": "zh", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    },
}  # fmt: skip


def transliterate(text: str, system: System = "bgn") -> str:
    """``text`` with Cyrillic letters written in Latin by ``system``; other characters kept.

    Capitalisation follows the source (``Щукин`` → ``Shchukin`` in BGN/PCGN).
    """
    table = _SYSTEMS[system]
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        latin = _COMMON.get(low)
        if latin is None:
            latin = table.get(low)
        if latin is None:
            out.append(ch)
        elif ch != low and latin:
            out.append(latin[0].upper() + latin[1:])
        else:
            out.append(latin)
    return "".join(out)


# Rewrites that fold the spellings of one sound in the systems above (and in older English
# habits) into a single letter; applied in order to lower-case Latin text.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "s"), ("sch", "s"), ("tch", "c"), ("ch", "c"), ("sh", "s"), ("zh", "z"),
    ("kh", "h"), ("ts", "c"), ("tz", "c"), ("cz", "c"), ("ks", "x"), ("ck", "k"), ("ph", "f"),
    ("ya", "a"), ("ia", "a"), ("ja", "a"), ("yu", "u"), ("iu", "u"), ("ju", "u"),
    ("yo", "o"), ("ye", "e"), ("ie", "e"), ("je", "e"), ("ii", "i"), ("iy", "i"),
    ("yi", "i"), ("y", "i"), ("j", "i"), ("w", "v"), ("q", "k"), ("g", "h"),
)  # fmt: skip
_FOLD_RE = re.compile("|".join(re.escape(a) for a, _ in _FOLDS))
_FOLD_MAP = dict(_FOLDS)
_NON_LETTER = re.compile(r"[^a-z]")
_AFTER_HUSH_O = re.compile(r"(?<=[scz])o")


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """A spelling-blind skeleton of a name written in Cyrillic or Latin letters.

    Both sides of a translation reduce to the same key: ``name_key("Хрущёв") ==
    name_key("Khrushchev")``. Vowel length, soft signs and doubled letters are dropped.
    """
    if any("\u0400" <= ch <= "\u04ff" for ch in word):
        word = transliterate(word.lower(), "bgn")
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _FOLD_RE.sub(lambda m: _FOLD_MAP[m.group()], text)
    text = _NON_LETTER.sub("", text)
    # ё after a hushing consonant is written e or o (Khrushchev / Khrushchov).
    text = _AFTER_HUSH_O.sub("e", text)
    # Doubled letters (Tolstoy/Tolstoi, Annа/Ana) and final vowels (case endings) vary.
    out: list[str] = []
    for ch in text:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)
