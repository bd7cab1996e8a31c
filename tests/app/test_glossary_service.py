"""The glossary service: terms with reviewer approval, duplicates, locking, exchange, matcher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Document,
    DocumentState,
    Membership,
    Pair,
    Project,
    Role,
    Segment,
    Term,
    User,
)
from app.services import glossary
from app.services.errors import Conflict, NotFound, PermissionDenied, ServiceError
from app.services.glossary import EquivalentInput as Eq

# Real sentences (the 1957 memorandum of the demo, and rehabilitation documents).
PAIRS: list[tuple[str, str]] = [
    (
        "Дело было рассмотрено тройкой УНКВД по Новосибирской области.",
        "The case was considered by the troika of the UNKVD for Novosibirsk Oblast.",
    ),
    (
        "Решения троек ОГПУ-НКВД-УНКВД пересматриваются Прокуратурой СССР.",
        "The decisions of the OGPU-NKVD-UNKVD troikas are being reviewed by the USSR Procuracy.",
    ),
    (
        "Военная коллегия Верховного суда СССР отменила приговор тройки.",
        "The Military Collegium of the USSR Supreme Court quashed the sentence of the three.",
    ),
    (
        "Его коллеги по работе дали показания.",
        "His colleagues at work gave testimony.",
    ),
]


@dataclass
class World:
    project: Project
    doc: Document
    owner: User
    translator: User
    reviewer: User
    viewer: User
    outsider: User


def _user(session: Session, name: str) -> User:
    user = User(username=name, display_name=name.title(), password_hash="x")
    session.add(user)
    session.flush()
    return user


def make_world(
    session: Session, pairs: Sequence[tuple[str, str]] = PAIRS, suffix: str = ""
) -> World:
    owner = _user(session, "olga" + suffix)
    project = Project(name="Rehabilitation", created_by_id=owner.id)
    session.add(project)
    session.flush()
    people = {"olga": owner}
    for name, role in (
        ("olga", Role.OWNER),
        ("tanya", Role.TRANSLATOR),
        ("roman", Role.REVIEWER),
        ("vera", Role.VIEWER),
    ):
        if name not in people:
            people[name] = _user(session, name + suffix)
        session.add(Membership(project_id=project.id, user_id=people[name].id, role=role))
    outsider = _user(session, "oscar" + suffix)
    doc = Document(project_id=project.id, title="Memorandum", state=DocumentState.READY)
    session.add(doc)
    session.flush()
    for i, (ru, en) in enumerate(pairs):
        pair = Pair(document_id=doc.id, position=i, ru_text=ru, en_text=en, confidence=0.9)
        session.add(pair)
        pair.segments.append(Segment(document_id=doc.id, side="ru", position=0, text=ru))
        pair.segments.append(Segment(document_id=doc.id, side="en", position=0, text=en))
    session.flush()
    return World(project, doc, owner, people["tanya"], people["roman"], people["vera"], outsider)


@pytest.fixture
def world(session: Session) -> World:
    glossary.forget_matchers()
    return make_world(session)


def test_translator_proposes_reviewer_approves(session: Session, world: World) -> None:
    term = glossary.create_term(
        session, world.translator, world.project.id, "тройка", [Eq("troika")], status="approved"
    )
    assert term.status == "proposed"  # a translator cannot approve their own term
    assert term.proposed_by == "Tanya"
    with pytest.raises(PermissionDenied):
        glossary.set_status(session, world.translator, term.id, "approved", term.version)
    approved = glossary.set_status(session, world.reviewer, term.id, "approved", term.version)
    assert approved.status == "approved"
    assert approved.approved_by == "Roman"
    assert approved.approved_at is not None
    forbidden = glossary.set_status(session, world.owner, term.id, "forbidden", approved.version)
    assert forbidden.status == "forbidden"


def test_viewers_and_outsiders_cannot_propose(session: Session, world: World) -> None:
    with pytest.raises(PermissionDenied):
        glossary.create_term(session, world.viewer, world.project.id, "тройка", [Eq("troika")])
    with pytest.raises(NotFound):
        glossary.create_term(session, world.outsider, world.project.id, "тройка")
    with pytest.raises(NotFound):
        glossary.list_terms(session, world.outsider, world.project.id)


def test_duplicate_in_another_form_is_refused(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("troika")])
    with pytest.raises(ServiceError, match="already in the glossary") as err:
        glossary.create_term(session, world.translator, world.project.id, "тройки")
    assert "тройка" in err.value.message
    assert (
        session.scalar(select(Term).where(Term.project_id == world.project.id, Term.ru == "тройки"))
        is None
    )


def test_punctuation_only_term_is_refused(session: Session, world: World) -> None:
    with pytest.raises(ServiceError, match="only punctuation"):
        glossary.create_term(session, world.reviewer, world.project.id, "«—»", [Eq("x")])
    with pytest.raises(ServiceError, match="no letters"):
        glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("...")])


def test_stale_version_is_a_conflict_with_the_current_term(session: Session, world: World) -> None:
    term = glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("troika")])
    first = glossary.update_term(
        session, world.reviewer, term.id, expected_version=term.version, note="NKVD commission"
    )
    with pytest.raises(Conflict) as err:
        glossary.update_term(
            session, world.owner, term.id, expected_version=term.version, note="other"
        )
    assert err.value.current.note == "NKVD commission"
    assert err.value.current.version == first.version


def test_editing_equivalents_moves_the_version(session: Session, world: World) -> None:
    term = glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("troika")])
    edited = glossary.update_term(
        session,
        world.reviewer,
        term.id,
        expected_version=term.version,
        equivalents=[Eq("troika"), Eq("three", "deprecated")],
    )
    assert edited.version > term.version
    assert edited.of_kind("deprecated") == ["three"]


def test_list_filters_by_status_domain_and_inflected_text(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("troika")],
                         domain="repression", status="approved")  # fmt: skip
    glossary.create_term(session, world.translator, world.project.id, "Военная коллегия",
                         [Eq("Military Collegium")], domain="courts")  # fmt: skip
    terms, total = glossary.list_terms(session, world.viewer, world.project.id, q="тройками")
    assert [t.ru for t in terms] == ["тройка"] and total == 1
    terms, _ = glossary.list_terms(session, world.viewer, world.project.id, q="collegium")
    assert [t.ru for t in terms] == ["Военная коллегия"]
    terms, _ = glossary.list_terms(session, world.viewer, world.project.id, status="proposed")
    assert [t.ru for t in terms] == ["Военная коллегия"]
    terms, _ = glossary.list_terms(session, world.viewer, world.project.id, domain="repression")
    assert [t.ru for t in terms] == ["тройка"]
    assert glossary.domains(session, world.project.id) == ["courts", "repression"]


def test_matcher_is_rebuilt_when_another_process_changes_the_glossary(
    session: Session, world: World
) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка", [Eq("troika")])
    first = glossary.matcher_for(session, world.project.id)
    assert glossary.matcher_for(session, world.project.id) is first  # unchanged: cached
    assert [m.text for m in first.find_ru("решения троек")] == ["троек"]
    # Another worker adds a term straight to the database (not through this cache).
    session.add(Term(project_id=world.project.id, ru="коллегия", ru_key="коллегия"))
    session.flush()
    second = glossary.matcher_for(session, world.project.id)
    assert second is not first
    assert [m.text for m in second.find_ru("Военная коллегия")] == ["коллегия"]
    # ... and deletes one.
    term = session.scalar(
        select(Term).where(Term.project_id == world.project.id, Term.ru == "тройка")
    )
    assert term is not None
    session.delete(term)
    session.flush()
    third = glossary.matcher_for(session, world.project.id)
    assert third.find_ru("решения троек") == []


def test_highlights_escape_the_text_and_carry_a_tooltip(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка",
                         [Eq("troika"), Eq("three", "forbidden")], note="extrajudicial <body>",
                         status="approved")  # fmt: skip
    matcher = glossary.matcher_for(session, world.project.id)
    text = "<script>x</script> решение тройки & НКВД"
    html = str(glossary.highlight_terms(text, glossary.hits_in(matcher, text, "ru")))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="term term-approved"' in html
    assert ">тройки</mark>" in html
    assert "preferred: troika" in html and "avoid: three" in html
    assert "extrajudicial &lt;body&gt;" in html
    en = glossary.hits_in(matcher, "the sentence of the three", "en")
    assert [(h.kind, h.status) for h in en] == [("forbidden", "approved")]


def test_hits_for_a_page_of_pairs(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "коллегия",
                         [Eq("Collegium")], status="approved")  # fmt: skip

    @dataclass
    class View:
        id: int
        ru_segments: tuple[str, ...]
        en_segments: tuple[str, ...]

    pairs = [View(1, (PAIRS[2][0],), (PAIRS[2][1],)), View(2, (PAIRS[3][0],), (PAIRS[3][1],))]
    hits = glossary.term_hits_for_pairs(session, world.project.id, pairs)
    assert [PAIRS[2][0][h.start : h.end] for h in hits[1]["ru"][0]] == ["коллегия"]
    assert [PAIRS[2][1][h.start : h.end] for h in hits[1]["en"][0]] == ["Collegium"]
    assert hits[2]["ru"][0] == []  # коллеги (colleagues) is not коллегия


CSV_1251 = 'ru;en;note\r\nтройка;troika;=HYPERLINK("http://x")\r\nколлегия;collegium;\r\n'


def test_import_csv_with_a_formula_imports_nothing(session: Session, world: World) -> None:
    data = CSV_1251.encode("cp1251")
    with pytest.raises(ServiceError, match="formula") as err:
        glossary.import_terms(session, world.reviewer, world.project.id, data, "terms.csv")
    assert "nothing was imported" in err.value.message
    assert glossary.list_terms(session, world.reviewer, world.project.id)[1] == 0


def test_import_csv_in_windows_1251(session: Session, world: World) -> None:
    data = CSV_1251.replace('=HYPERLINK("http://x")', "NKVD body").encode("cp1251")
    summary = glossary.import_terms(session, world.reviewer, world.project.id, data, "t.csv")
    assert (summary.added, summary.updated) == (2, 0)
    terms, _ = glossary.list_terms(session, world.viewer, world.project.id)
    assert {(t.ru, t.equivalents[0].en) for t in terms} == {
        ("тройка", "troika"),
        ("коллегия", "collegium"),
    }
    # The same file again: refused as duplicates, or replaces them when asked.
    with pytest.raises(ServiceError, match="already in the glossary"):
        glossary.import_terms(session, world.reviewer, world.project.id, data, "t.csv")
    again = glossary.import_terms(
        session, world.reviewer, world.project.id, data, "t.csv", update_existing=True
    )
    assert (again.added, again.updated) == (0, 2)


def test_translators_cannot_import(session: Session, world: World) -> None:
    with pytest.raises(PermissionDenied):
        glossary.import_terms(session, world.translator, world.project.id, b"ru,en\nx,y\n")


def test_import_duplicates_in_the_file_imports_nothing(session: Session, world: World) -> None:
    data = "ru,en\nтройка,troika\nтройки,three\nколлегия,collegium\n".encode()
    with pytest.raises(ServiceError, match="same term"):
        glossary.import_terms(session, world.reviewer, world.project.id, data, "t.csv")
    assert glossary.list_terms(session, world.reviewer, world.project.id)[1] == 0


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<tbx type="TBX-Basic" style="dca" xml:lang="ru" xmlns="urn:iso:std:iso:30042:ed-2">
<text><body><conceptEntry id="c1"><langSec xml:lang="ru"><termSec><term>&lol2;</term>
</termSec></langSec></conceptEntry></body></text></tbx>"""


def test_xml_bomb_is_refused(session: Session, world: World) -> None:
    with pytest.raises(ServiceError, match="declares XML entities"):
        glossary.import_terms(session, world.reviewer, world.project.id, XML_BOMB, "bomb.tbx")
    assert glossary.list_terms(session, world.reviewer, world.project.id)[1] == 0


def test_tbx_round_trip_with_unknown_elements(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "Военная коллегия",
                         [Eq("Military Collegium"), Eq("Military Board", "deprecated")],
                         note="court", domain="courts", status="approved")  # fmt: skip
    data, media, ext = glossary.export_terms(session, world.viewer, world.project.id, "tbx")
    assert ext == "tbx" and b"urn:iso:std:iso:30042" in data and "xml" in media
    extra = data.replace(b"</conceptEntry>", b"<shoeSize>42</shoeSize></conceptEntry>")
    other = make_world(session, suffix="2")
    summary = glossary.import_terms(session, other.owner, other.project.id, extra, "g.tbx")
    assert summary.added == 1
    assert any("unknown" in w for w in summary.warnings)
    (term,), _ = glossary.list_terms(session, other.owner, other.project.id)
    assert term.ru == "Военная коллегия" and term.status == "approved"
    assert term.of_kind("deprecated") == ["Military Board"]


def test_csv_export_defuses_formulas(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка",
                         [Eq("troika")], note="=1+1")  # fmt: skip
    data, _, ext = glossary.export_terms(session, world.viewer, world.project.id, "csv")
    assert ext == "csv"
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and ",=1+1" not in text


def test_consistency_report_links_each_rendering(session: Session, world: World) -> None:
    glossary.create_term(session, world.reviewer, world.project.id, "тройка",
                         [Eq("troika")], status="approved")  # fmt: skip
    rows = glossary.consistency_report(session, world.viewer, world.project.id)
    (row,) = rows
    assert row.term.ru == "тройка" and row.occurrences == 3
    by = {r.en: r for r in row.renderings}
    assert by["troika"].count == 2
    missing = by["(none of the glossary equivalents)"]
    assert missing.count == 1 and missing.pairs[0].number == 3
    assert missing.pairs[0].url.startswith(f"/documents/{world.doc.id}?n=3")
    assert not row.consistent


def test_concordance_finds_inflections_with_the_counterpart(session: Session, world: World) -> None:
    hits, total = glossary.concordance_search(session, world.viewer, world.project.id, "тройка")
    assert total == 3
    assert [h.pair.number for h in hits] == [1, 2, 3]
    first = hits[0]
    assert first.pair.ru[first.spans[0][0] : first.spans[0][1]] == "тройкой"
    assert "troika" in first.pair.en
    hits, _ = glossary.concordance_search(session, world.viewer, world.project.id, "colleague")
    assert [h.pair.number for h in hits] == [4] and hits[0].lang == "en"


def test_extraction_accept_and_reject(session: Session, world: World) -> None:
    candidates = glossary.extract_for_document(session, world.reviewer, world.doc.id)
    ru = {c.ru for c in candidates}
    assert "СССР" in ru
    ussr = next(c for c in candidates if c.ru == "СССР")
    assert "USSR" in ussr.suggestions
    glossary.accept_candidate(session, world.reviewer, world.project.id, "СССР", "USSR")
    with pytest.raises(PermissionDenied):
        glossary.reject_candidate(session, world.translator, world.project.id, "тройка")
    rejected = next(c for c in candidates if c.ru != "СССР")
    glossary.reject_candidate(session, world.reviewer, world.project.id, rejected.ru)
    again = {c.ru for c in glossary.extract_for_document(session, world.reviewer, world.doc.id)}
    assert "СССР" not in again and rejected.ru not in again
    (term,), _ = glossary.list_terms(session, world.viewer, world.project.id)
    assert (term.ru, term.status, term.of_kind("preferred")) == ("СССР", "approved", ["USSR"])


def test_delete_term(session: Session, world: World) -> None:
    term = glossary.create_term(session, world.translator, world.project.id, "тройка")
    with pytest.raises(PermissionDenied):
        glossary.delete_term(session, world.translator, term.id, term.version)
    glossary.delete_term(session, world.reviewer, term.id, term.version)
    with pytest.raises(NotFound):
        glossary.get_term(session, world.reviewer, term.id)
