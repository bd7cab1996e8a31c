"""Spell checking with the project's own words: its dictionary and its glossary.

The checking itself is ``glossary.checks.spelling`` (plain library, also the QA check
"spelling"); this module adds what only the database knows.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alignment.text import Lang, lemma, words
from app.models import DictionaryWord, Document, Pair, Term, TermEquivalent, User
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, require
from glossary.checks.spelling import (
    Misspelling,
    available,
    check_text,
    missing_message,
    names_from,
    suggestions,
)

__all__ = [
    "Misspelling",
    "add_word",
    "available",
    "check_pair",
    "check_spelling",
    "missing_message",
    "project_words",
    "remove_word",
    "suggestions",
    "warm_up",
]

_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$")


def project_words(session: Session, project_id: int) -> frozenset[str]:
    """Lower-case words and lemmas the checker accepts in this project: its dictionary and
    the words of its glossary terms and their equivalents."""
    found: set[str] = set()
    for word, lang in session.execute(
        select(DictionaryWord.word, DictionaryWord.lang).where(
            DictionaryWord.project_id == project_id
        )
    ):
        found.add(word.lower())
        found.add(lemma(word, "ru" if lang == "ru" else "en").lower())
    for (ru,) in session.execute(select(Term.ru).where(Term.project_id == project_id)):
        for w in words(ru):
            found.update((w.lower(), lemma(w, "ru").lower()))
    for (en,) in session.execute(
        select(TermEquivalent.en).join(Term).where(Term.project_id == project_id)
    ):
        for w in words(en):
            found.update((w.lower(), lemma(w, "en").lower()))
    return frozenset(found)


def check_spelling(
    text: str,
    lang: Lang,
    *,
    project_id: int | None,
    session: Session | None = None,
    other_side: str = "",
    known: frozenset[str] | None = None,
    suggest: bool = True,
) -> list[Misspelling]:
    """The misspelt words of ``text``.

    With a ``session`` the project's dictionary and glossary are accepted (pass ``known``
    from :func:`project_words` instead when checking many texts); ``other_side`` is the
    other language's text of the pair, whose names may appear transliterated.
    """
    if known is None:
        known = (
            project_words(session, project_id)
            if session is not None and project_id is not None
            else frozenset()
        )
    names = names_from(other_side) if other_side else frozenset()
    return check_text(text, lang, known_words=known, names=names, suggest=suggest)


def check_pair(session: Session, user: User, pair_id: int, side: Lang) -> list[Misspelling]:
    """The misspellings of one side of a pair, with suggestions, for the editor."""
    pair = session.get(Pair, pair_id)
    if pair is None:
        raise NotFound("No such pair.")
    document = session.get(Document, pair.document_id)
    assert document is not None
    require(session, user, document.project_id, Action.VIEW)
    text, other = (pair.ru_text, pair.en_text) if side == "ru" else (pair.en_text, pair.ru_text)
    return check_spelling(
        text, side, project_id=document.project_id, session=session, other_side=other
    )


def add_word(session: Session, user: User, project_id: int, word: str, lang: str) -> DictionaryWord:
    """Accept ``word`` in the project from now on ("add to dictionary")."""
    require(session, user, project_id, Action.EDIT)
    word = word.strip().replace("’", "'")
    if lang not in ("ru", "en"):
        raise ServiceError("Choose the Russian or the English dictionary.")
    if not word or len(word) > 100 or not _WORD.match(word):
        raise ServiceError(
            "Add one word at a time (letters, with inner hyphens or apostrophes), "
            "up to 100 characters."
        )
    existing = session.scalar(
        select(DictionaryWord).where(
            DictionaryWord.project_id == project_id,
            DictionaryWord.lang == lang,
            DictionaryWord.word == word,
        )
    )
    if existing is not None:
        return existing
    entry = DictionaryWord(project_id=project_id, lang=lang, word=word, added_by_id=user.id)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:  # added by someone else a moment ago
        found = session.scalar(
            select(DictionaryWord).where(
                DictionaryWord.project_id == project_id,
                DictionaryWord.lang == lang,
                DictionaryWord.word == word,
            )
        )
        assert found is not None
        return found
    return entry


def remove_word(session: Session, user: User, project_id: int, word_id: int) -> None:
    """Take a word out of the project's dictionary."""
    require(session, user, project_id, Action.EDIT)
    entry = session.get(DictionaryWord, word_id)
    if entry is None or entry.project_id != project_id:
        raise NotFound("That word is not in this project's dictionary.")
    session.delete(entry)
    session.flush()


def warm_up() -> None:
    """Load both dictionaries now rather than on the first check."""
    for lang in ("ru", "en"):
        check_text("Проверка правописания" if lang == "ru" else "Spelling check", lang)
