"""Spelling: words the Russian or English dictionary does not know.

Dictionaries are Debian's hunspell ones (``hunspell-ru``, ``hunspell-en-us``), read through
pyenchant, loaded once and lazily. Never flagged: numbers, abbreviations (``ОГПУ``, ``NKVD``),
capitalised words inside a sentence (names), names transliterated from the other side
(``Startsev`` for ``Старцев``), words of the other script, glossary terms and the project's
own dictionary. Words that mix Cyrillic and Latin look-alike letters are always flagged: they
look right and break search, sorting and the glossary.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, ClassVar

from alignment.text import Lang, is_abbreviation, tokenize
from alignment.translit import name_key
from glossary.checks.base import Check, PairContext
from glossary.types import Issue

log = logging.getLogger(__name__)

#: Dictionary tags tried in order for each language.
DICTIONARIES: dict[str, tuple[str, ...]] = {"en": ("en_US", "en_GB"), "ru": ("ru_RU",)}
INSTALL_HINT = (
    "Spell checking needs the hunspell dictionaries: install the Debian/Ubuntu packages "
    "hunspell-en-us and hunspell-ru (apt-get install hunspell-en-us hunspell-ru; "
    "pyenchant also needs libenchant-2-2), then restart Sverka."
)

#: Latin words and abbreviations English (and Russian) texts use as they are.
_LATIN_WORDS = """al etc cf viz vs ibid idem op cit ca circa sic passim loc vitro vivo situ per se
et seq eg ie nb ps"""
LATIN_ABBREVIATIONS = frozenset(_LATIN_WORDS.split())

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_SKIP = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+")
_SENTENCE_END = frozenset(".!?…")
_OPENERS = frozenset("«\"“„'‘([—–-")
# Latin letters that look like Cyrillic ones, and back: the usual keyboard-layout mix-ups.
_TO_CYRILLIC = str.maketrans("AaBCcEeHKMOoPpTXxy", "АаВСсЕеНКМОоРрТХху")
_TO_LATIN = str.maketrans("АаВСсЕеНКМОоРрТХху", "AaBCcEeHKMOoPpTXxy")


@dataclass(frozen=True, slots=True)
class Misspelling:
    """A word at ``[start, end)`` of the text that the dictionary does not know."""

    start: int
    end: int
    word: str
    suggestions: tuple[str, ...] = ()


# Enchant's broker and hunspell's handles are not thread-safe (two server threads opening or
# asking a dictionary at once crash the process): every call into them holds this lock.
_ENCHANT = threading.RLock()


def _dictionaries(lang: str) -> tuple[Any, ...]:
    with _ENCHANT:
        return _open_dictionaries(lang)


@cache
def _open_dictionaries(lang: str) -> tuple[Any, ...]:
    # Every installed variety counts: a British "labour" is as right as an American "labor".
    try:
        import enchant
    except ImportError:  # pragma: no cover - pyenchant is a dependency
        log.warning("pyenchant is not installed. %s", INSTALL_HINT)
        return ()
    found = []
    for tag in DICTIONARIES[lang]:
        try:
            if enchant.dict_exists(tag):
                found.append(enchant.Dict(tag))
        except enchant.errors.Error:
            continue
    if not found:
        log.warning("No %s spelling dictionary found. %s", lang, INSTALL_HINT)
    return tuple(found)


def _dictionary(lang: str) -> Any:
    found = _dictionaries(lang)
    return found[0] if found else None


def available(lang: Lang) -> bool:
    """Whether a dictionary for ``lang`` is installed (checks are skipped without one)."""
    return _dictionary(lang) is not None


def missing_message() -> str | None:
    """What to install, when a dictionary is missing; ``None`` when both are there."""
    missing = [lang for lang in ("ru", "en") if _dictionary(lang) is None]
    return f"No dictionary for {', '.join(missing)}. {INSTALL_HINT}" if missing else None


@cache
def _morph_known() -> Any:
    from alignment.text import _morph

    return _morph().word_is_known


@lru_cache(maxsize=300_000)
def _known(word: str, lang: str) -> bool:
    if lang == "ru" and _morph_known()(word.lower()):
        # OpenCorpora (pymorphy3's dictionary) is a real dictionary too, and a cheaper one.
        return True
    dictionaries = _dictionaries(lang)
    if not dictionaries:
        return True
    with _ENCHANT:
        if any(d.check(word) for d in dictionaries):
            return True
    if "-" in word:
        own = _CYRILLIC if lang == "ru" else _LATIN
        parts = [p for p in word.split("-") if p]
        # "T-клетки", "Wi-Fi-роутер": a part in the other script is a name or a symbol.
        return bool(parts) and all(own.search(p) is None or _known(p, lang) for p in parts)
    return False


@lru_cache(maxsize=20_000)
def suggestions(word: str, lang: Lang, limit: int = 5) -> tuple[str, ...]:
    """The dictionary's suggestions for a misspelt word, best first."""
    if _CYRILLIC.search(word) and _LATIN.search(word):
        fixed = word.translate(_TO_CYRILLIC if lang == "ru" else _TO_LATIN)
        return (fixed,)
    dictionary = _dictionary(lang)
    if dictionary is None:
        return ()
    with _ENCHANT:
        return tuple(dictionary.suggest(word)[:limit])


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and (text[i].isspace() or text[i] in _OPENERS):
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END or text[i] == "\n"


def names_from(text: str) -> frozenset[str]:
    """Spelling-blind keys of the capitalised words of ``text`` (to accept their
    transliterations on the other side)."""
    return frozenset(
        name_key(t.text) for t in tokenize(text) if t.text[:1].isupper() and len(t.text) > 1
    )


_OK, _UNKNOWN, _MIXED, _NAME_OR_UNKNOWN = range(4)
# Letters with inner hyphens/apostrophes; a word glued to digits ("3265-с") yields only its
# letters, which are too short to check or are checked as a word.
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


@lru_cache(maxsize=300_000)
def _classify(word: str, lang: str) -> int:
    """What a word is, wherever it stands; position (sentence start) is decided later."""
    if len(word) < 2:
        return _OK
    own = _CYRILLIC if lang == "ru" else _LATIN
    other = _LATIN if lang == "ru" else _CYRILLIC
    if own.search(word) is None:
        return _OK  # the other script: names, quotations (other checks look at those)
    if any(own.search(p) and other.search(p) for p in re.split(r"['\-]", word)):
        return _MIXED
    if word.lower() in LATIN_ABBREVIATIONS:
        return _OK
    if is_abbreviation(word) or any(ch.isupper() for ch in word[1:]):
        return _OK  # ОГПУ, iPhone, McKinley: not dictionary words
    if _known(word, lang):
        return _OK
    if word[0].isupper():
        return _OK if _known(word.lower(), lang) else _NAME_OR_UNKNOWN
    return _UNKNOWN


def check_text(
    text: str,
    lang: Lang,
    *,
    known_words: Collection[str] = (),
    names: Collection[str] = (),
    skip_spans: Collection[tuple[int, int]] = (),
    suggest: bool = True,
) -> list[Misspelling]:
    """The misspelt words of ``text`` in ``lang``.

    ``known_words`` (lower case) are accepted as written or by lemma (glossary terms, the
    project's dictionary); ``names`` are :func:`names_from` keys of the other side;
    ``skip_spans`` are stretches not to check (terms found by the glossary).
    """
    if not _dictionaries(lang):
        return []
    skip: list[tuple[int, int]] | None = None
    found: list[Misspelling] = []
    for m in _WORD_RE.finditer(text):
        word = m.group().replace("’", "'")
        verdict = _classify(word, lang)
        if verdict == _OK:
            continue
        start, end = m.span()
        if (start and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit()):
            continue  # 4th, 1920s, 3265-с: part of a number
        if skip is None:
            skip = [(u.start(), u.end()) for u in _SKIP.finditer(text)] + list(skip_spans)
        if any(s <= start < e for s, e in skip):
            continue
        if verdict != _MIXED:
            if verdict == _NAME_OR_UNKNOWN and (
                not _sentence_initial(text, start) or (names and name_key(word) in names)
            ):
                continue  # a capitalised word inside a sentence, or the other side's name
            lower = word.lower()
            if known_words and (lower in known_words or _lemma(lower, lang) in known_words):
                continue
        hints = suggestions(word, lang) if suggest or verdict == _MIXED else ()
        found.append(Misspelling(start, end, m.group(), hints))
    return found


def _lemma(word: str, lang: Lang) -> str:
    from alignment.text import lemma

    return lemma(word, lang)


class SpellingCheck(Check):
    """Words neither dictionary knows, on either side of the pair.

    A project's own words reach the check as ``ctx.known_words`` (a set of lower-case words
    and lemmas) when the app sets it; glossary terms found in the pair are never flagged.
    """

    check_id: ClassVar[str] = "spelling"
    name: ClassVar[str] = "Spelling"
    description: ClassVar[str] = (
        "Words the Russian or English dictionary does not know (names, abbreviations, numbers "
        "and glossary terms aside); add a project's own words to its dictionary."
    )
    severity: ClassVar[str] = "info"

    def check(self, ctx: PairContext) -> list[Issue]:
        """One issue listing the unknown words of both sides (none when all are known)."""
        known: Collection[str] = getattr(ctx, "known_words", ())
        ru = check_text(
            ctx.ru,
            "ru",
            known_words=known,
            names=names_from(ctx.en),
            skip_spans=[(m.start, m.end) for m in ctx.ru_matches],
            suggest=False,
        )
        en = check_text(
            ctx.en,
            "en",
            known_words=known,
            names=names_from(ctx.ru),
            skip_spans=[(m.start, m.end) for m in ctx.en_matches],
            suggest=False,
        )
        if not ru and not en:
            return []
        words = ", ".join(f"“{m.word}”" for m in (*ru, *en))
        return [
            self.issue(
                f"Not in the dictionary: {words}. Correct it, or add it to the project's "
                "dictionary if it is right.",
                ru_spans=tuple((m.start, m.end) for m in ru),
                en_spans=tuple((m.start, m.end) for m in en),
            )
        ]
