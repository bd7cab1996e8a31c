"""Spell checking as a translator sees it: real misspellings underlined with suggestions,
names, abbreviations, numbers, glossary terms and the project's own words left alone."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.models import Membership, Role, Term, TermEquivalent
from app.services.errors import PermissionDenied, ServiceError
from app.services.spelling import add_word, check_pair, check_spelling
from glossary.checks import spelling as speller
from glossary.checks.base import PairContext
from glossary.checks.spelling import SpellingCheck
from tests.app.test_tm import make_document, make_project, make_user

pytestmark = pytest.mark.skipif(
    not (speller.available("ru") and speller.available("en")),
    reason="needs the hunspell-ru and hunspell-en-us dictionaries",
)


def flagged(text: str, lang: str, **kw: object) -> list[str]:
    return [m.word for m in check_spelling(text, lang, project_id=None, **kw)]  # type: ignore[arg-type]


def test_misspellings_are_found_with_suggestions() -> None:
    [ru] = check_spelling("Доктор приехл в город поздно вечером.", "ru", project_id=None)
    assert (ru.word, ru.start, ru.end) == ("приехл", 7, 13)
    assert "приехал" in ru.suggestions
    [en] = check_spelling("The doctor recieved a letter.", "en", project_id=None)
    assert en.word == "recieved" and en.suggestions[0] == "received"


def test_correct_text_with_names_abbreviations_and_numbers_is_clean() -> None:
    assert (
        flagged(
            "В 1937 году Иван Петрович Туркин служил в ОГПУ-НКВД, по-моему, ещё до войны.", "ru"
        )
        == []
    )
    assert (
        flagged("In 1937 Ivan Petrovich Turkin served in the NKVD; it's a well-known story.", "en")
        == []
    )


def test_a_transliterated_name_is_accepted_when_the_other_side_has_it() -> None:
    assert flagged("Startsev came to the town.", "en") == ["Startsev"]
    assert flagged("Startsev came to the town.", "en", other_side="Старцев приехал в город.") == []


def test_words_mixing_cyrillic_and_latin_letters_are_flagged_with_the_fix() -> None:
    text = "Он стоял у окнa."  # the last "a" is Latin
    [m] = check_spelling(text, "ru", project_id=None)
    assert m.word == "окнa" and m.suggestions == ("окна",)


def test_glossary_terms_and_added_words_are_not_flagged(session: Session) -> None:
    owner = make_user(session, "olga")
    project = make_project(session, owner)
    text_ru = "Кибердроны летали над городом."
    text_en = "Cyberdrones flew over the town."
    assert flagged(text_ru, "ru") == ["Кибердроны"]
    term = Term(project_id=project.id, ru="кибердрон", ru_key="кибердрон")
    term.equivalents.append(TermEquivalent(en="cyberdrone"))
    session.add(term)
    session.flush()
    assert flagged(text_ru, "ru", session=session) == ["Кибердроны"]  # no project given
    assert check_spelling(text_ru, "ru", project_id=project.id, session=session) == []
    assert check_spelling(text_en, "en", project_id=project.id, session=session) == []

    other = "Вжухнул волшебник палочкой."
    assert [
        m.word for m in check_spelling(other, "ru", project_id=project.id, session=session)
    ] == ["Вжухнул"]
    add_word(session, owner, project.id, "вжухнуть", "ru")
    assert check_spelling(other, "ru", project_id=project.id, session=session) == []


def test_adding_words_needs_edit_rights_and_one_real_word(session: Session) -> None:
    owner = make_user(session, "olga")
    viewer = make_user(session, "vera")
    project = make_project(session, owner)
    session.add(Membership(project_id=project.id, user_id=viewer.id, role=Role.VIEWER))
    session.flush()
    with pytest.raises(PermissionDenied):
        add_word(session, viewer, project.id, "вжух", "ru")
    with pytest.raises(ServiceError):
        add_word(session, owner, project.id, "two words", "en")
    first = add_word(session, owner, project.id, "vzhukh", "en")
    assert add_word(session, owner, project.id, "vzhukh", "en").id == first.id


def test_check_pair_uses_the_other_side_for_names(session: Session) -> None:
    owner = make_user(session, "olga")
    project = make_project(session, owner)
    doc = make_document(
        session,
        project,
        [("Старцев приехал в город.", "Startsev came to the towm.", "translated")],  # type: ignore[list-item]
    )
    found = check_pair(session, owner, doc.pairs[0].id, "en")
    assert [m.word for m in found] == ["towm"]
    assert "town" in found[0].suggestions


def test_the_qa_check_reports_spans_on_both_sides_and_honours_known_words() -> None:
    ctx = PairContext("Доктор приехл в город.", "The doctor came to the towm.")
    [issue] = SpellingCheck().check(ctx)
    assert issue.check_id == "spelling"
    assert "приехл" in issue.message and "towm" in issue.message
    assert issue.ru_spans == ((7, 13),) and issue.en_spans == ((23, 27),)
    ctx.known_words = frozenset({"приехл", "towm"})  # type: ignore[attr-defined]
    assert SpellingCheck().check(ctx) == []


def test_without_dictionaries_nothing_is_flagged_and_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(speller.DICTIONARIES, "ru", ("xx_NOPE",))
    speller._open_dictionaries.cache_clear()
    speller._known.cache_clear()
    try:
        assert speller.check_text("Доктор приехл.", "ru") == []
        message = speller.missing_message()
        assert message is not None and "hunspell-ru" in message
    finally:
        monkeypatch.undo()
        speller._open_dictionaries.cache_clear()
        speller._known.cache_clear()
    assert speller.check_text("Доктор приехл.", "ru")
