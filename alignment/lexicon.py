"""Russian → English word lexicons: the Mueller dictionary, user TSV files, glossary pairs.

The aligner asks one question of a lexicon: which English lemmas may translate this Russian
lemma, and how strongly. Debian's ``mueller7-dict`` (English → Russian, dictd format) is read
at run time when it is installed and never copied into the project; the parsed pairs are cached
in memory and as a pickle in the user cache directory, keyed by the dictionary file's mtime.
Everything works without it (length, numbers, names and the lexicon learned from the document
still align).
"""

from __future__ import annotations

import csv
import gzip
import os
import pickle
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from alignment.text import has_cyrillic, lemma_en, lemma_ru, words

MUELLER_INDEX = Path("/usr/share/dictd/mueller7.index")
MUELLER_DICT = Path("/usr/share/dictd/mueller7.dict.dz")
_CACHE_VERSION = 7
_EMPTY: Mapping[str, float] = MappingProxyType({})


class Lexicon:
    """Russian lemma → English lemmas with weights 0–1, plus multi-word phrase pairs.

    Immutable once built: :meth:`with_pairs` returns a new lexicon that shares the word table of
    the old one.
    """

    def __init__(
        self,
        words_: Mapping[str, Mapping[str, float]] | None = None,
        phrases: Iterable[tuple[tuple[str, ...], tuple[str, ...]]] = (),
        *,
        _extra: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        self._words: Mapping[str, Mapping[str, float]] = words_ or {}
        self._extra: Mapping[str, Mapping[str, float]] = _extra or {}
        self.phrases: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = tuple(phrases)

    def __len__(self) -> int:
        return len(self._words) + len(self._extra)

    def translations(self, ru_lemma: str) -> Mapping[str, float]:
        """English lemmas that may translate ``ru_lemma``, with weights (empty when unknown)."""
        base = self._words.get(ru_lemma, _EMPTY)
        extra = self._extra.get(ru_lemma)
        if not extra:
            return base
        merged = dict(base)
        for en, w in extra.items():
            merged[en] = max(w, merged.get(en, 0.0))
        return merged

    def __contains__(self, ru_lemma: object) -> bool:
        return ru_lemma in self._words or ru_lemma in self._extra

    def with_pairs(self, pairs: Iterable[tuple[str, str]], weight: float = 1.0) -> Lexicon:
        """A new lexicon with (Russian, English) pairs added: user or glossary terms.

        Single words are lemmatised and added to the word table; multi-word terms are kept as
        phrases, which match when all their lemmas occur in a segment.
        """
        extra: dict[str, dict[str, float]] = {k: dict(v) for k, v in self._extra.items()}
        phrases = list(self.phrases)
        for ru, en in pairs:
            ru_l = tuple(lemma_ru(w) for w in words(ru))
            en_l = tuple(lemma_en(w) for w in words(en))
            if not ru_l or not en_l:
                continue
            if len(ru_l) == 1 and len(en_l) == 1:
                extra.setdefault(ru_l[0], {})[en_l[0]] = weight
            else:
                phrases.append((ru_l, en_l))
        return Lexicon(self._words, phrases, _extra=extra)

    @classmethod
    def from_tsv(cls, path: str | os.PathLike[str], base: Lexicon | None = None) -> Lexicon:
        """A lexicon from a user dictionary: ``russian<TAB>english`` per line, ``#`` comments.

        Either column may hold several words; the order of the columns is detected, so an
        English-first file works too. Raises ``ValueError`` with the offending line number when
        a line has fewer than two columns.
        """
        pairs: list[tuple[str, str]] = []
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for number, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < 2:
                    raise ValueError(
                        f"{path}: line {number} has no TAB between the Russian and the English "
                        "term; write one pair per line as 'russian<TAB>english'"
                    )
                a, b = row[0].strip(), row[1].strip()
                if has_cyrillic(b) and not has_cyrillic(a):
                    a, b = b, a
                pairs.append((a, b))
        return (base or cls()).with_pairs(pairs)


# --- Mueller (dictd) -----------------------------------------------------------------------

_B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_LATIN = re.compile(r"[A-Za-z]")
_SENSE_SPLIT = re.compile(r"(?:^|\s)(?:\d+\)|\d+\.|_[IVX]+\b)")
_LABEL = re.compile(r"_[^\s.]+\.?")
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\]]*\]|\{[^}]*\}|<[^>]*>")
_RU_WORD = re.compile(r"[а-яёА-ЯЁ]+(?:-[а-яёА-ЯЁ]+)*")
# Words that open a dictionary gloss rather than translate (``от``, ``кто-л.``, ``и т.п.``).
_GLOSS_STOP = frozenset(
    [
        "от", "к", "с", "в", "на", "о", "об", "за", "по", "из", "для", "до", "при", "у", "то", "т",
        "п", "л", "кто-л", "что-л", "кого-л", "чего-л", "кому-л", "чему-л", "кем-л", "чем-л",
        "ком-л", "чём-л", "какой-л", "где-л", "куда-л", "как-л", "тж", "см", "и", "или", "не",
        "быть", "себя", "свой",
    ]
)  # fmt: skip


_NEGATION = frozenset(["не", "нет", "без", "ни"])
MAX_GLOSS_WORDS = 1  # multi-word glosses describe; single words translate


def _b64(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 64 + _B64[ch]
    return n


def _senses(body: str) -> list[str]:
    """The Russian glosses of one entry, one string per numbered sense, in dictionary order."""
    body = body.replace("\n", " ")
    body = _BRACKETS.sub(" ", _BRACKETS.sub(" ", body))
    parts = [p for p in _SENSE_SPLIT.split(body) if p.strip()]
    return parts or [body]


def _parse_entry(head: str, body: str, out: dict[str, dict[str, float]]) -> None:
    en = head.strip().lower()
    if " " in en or not en.isascii() or not en[:1].isalpha():
        return
    en = lemma_en(en)
    for rank, sense in enumerate(_senses(body)):
        sense_w = 1.0 / (1.0 + 0.15 * rank)
        for piece_no, piece in enumerate(sense.split(";")):
            if _LATIN.search(_LABEL.sub(" ", piece)):
                break  # an example ("to abandon oneself to ...") : the glosses are over
            piece = _LABEL.sub(" ", piece)
            for alt_no, alt in enumerate(piece.split(",")):
                found = _RU_WORD.findall(alt)
                if any(w.lower() in _NEGATION for w in found):
                    continue  # "не любить" translates dislike, not любить
                ru_words = [w for w in found if w.lower() not in _GLOSS_STOP]
                if not ru_words or len(ru_words) > MAX_GLOSS_WORDS:
                    continue
                # Later alternatives in a sense are rarer renderings; phrases weaker still.
                w = sense_w / (1.0 + 0.1 * piece_no + 0.05 * alt_no)
                if len(ru_words) > 1:
                    w *= 0.6
                for ru in ru_words:
                    lem = lemma_ru(ru)
                    slot = out.setdefault(lem, {})
                    if slot.get(en, 0.0) < w:
                        slot[en] = round(w, 3)


def parse_mueller(index: Path = MUELLER_INDEX, dict_dz: Path = MUELLER_DICT) -> Lexicon:
    """Parse the Mueller English–Russian dictionary (dictd files) into a Russian → English
    lexicon."""
    with gzip.open(dict_dz) as fh:
        data = fh.read()
    table: dict[str, dict[str, float]] = {}
    with open(index, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("00database"):
                continue
            head, off, size = parts
            start = _b64(off)
            entry = data[start : start + _b64(size)].decode("utf-8", "replace")
            body = entry.split("\n", 1)[1] if "\n" in entry else ""
            _parse_entry(head, body, table)
    return Lexicon(table)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sverka"


@cache
def default_lexicon() -> Lexicon:
    """The Mueller lexicon when ``mueller7-dict`` is installed, else an empty one; cached.

    The parsed table is also pickled under the user cache directory, keyed by the
    dictionary's mtime and size, so later processes load it in well under a second.
    """
    if not (MUELLER_INDEX.is_file() and MUELLER_DICT.is_file()):
        return Lexicon()
    stat = MUELLER_DICT.stat()
    key = f"mueller-v{_CACHE_VERSION}-{int(stat.st_mtime)}-{stat.st_size}.pickle"
    cache_file = _cache_dir() / key
    try:
        with open(cache_file, "rb") as fh:
            table = pickle.load(fh)
        return Lexicon(table)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    lexicon = parse_mueller()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(dict(lexicon._words), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a read-only home only costs the parse next time
    return lexicon
