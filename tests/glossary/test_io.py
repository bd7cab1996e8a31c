"""Glossary exchange: CSV (formula-safe, any common encoding) and TBX v3 / TBX 2008."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.io import (
    GlossaryImportError,
    export_csv,
    export_tbx,
    import_csv,
    import_tbx,
    load_glossary,
)
from glossary.matcher import term_key
from glossary.types import EQUIVALENT_KINDS, Equivalent, Term

TERMS = [
    Term(
        "t1",
        "тройка",
        (Equivalent("troika"), Equivalent("triad", "deprecated"), Equivalent("three", "forbidden")),
        "approved",
        "noun",
        "Внесудебный орган из трёх человек (1930-е годы).",
        "repression",
    ),
    Term("t2", "ОГПУ", (Equivalent("OGPU"), Equivalent("GPU", "admitted")), "approved"),
    Term(
        "t3",
        "Военная коллегия Верховного суда СССР",
        (Equivalent("Military Collegium of the USSR Supreme Court"),),
        "proposed",
    ),
    # Cells a spreadsheet would run as formulas.
    Term(
        "t4",
        "=тест",
        (Equivalent('=HYPERLINK("http://evil.example","x")'),),
        "deprecated",
        note="+1 и -1",
        domain="@home",
    ),
]


def test_csv_export_defuses_formulas_and_round_trips() -> None:
    text = export_csv(TERMS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "ru", "en"]
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=тест" in cells and "'+1 и -1" in cells and "'@home" in cells
    assert import_csv(text.encode("utf-8-sig")).terms == TERMS


def test_cp1251_csv_with_a_formula_is_refused_with_its_line() -> None:
    data = (
        'термин;английский\nтройка;troika\nОГПУ;=HYPERLINK("http://evil.example";"OGPU")\n'
    ).encode("cp1251")
    with pytest.raises(GlossaryImportError) as err:
        import_csv(data, filename="glossary.csv")
    message = str(err.value)
    assert message.startswith("glossary.csv: nothing was imported: line 3")
    assert "formula" in message and '"en"' in message


def test_cp1251_csv_with_semicolons_is_read() -> None:
    data = "ru;en;en_forbidden\nтройка;troika;three\nНКВД;NKVD;\n".encode("cp1251")
    result = import_csv(data)
    assert [(t.ru, [e.en for e in t.equivalents]) for t in result.terms] == [
        ("тройка", ["troika", "three"]),
        ("НКВД", ["NKVD"]),
    ]
    assert result.terms[0].equivalents[1].kind == "forbidden"


def test_a_file_without_header_is_ru_then_en() -> None:
    result = import_csv("тройка,troika\nОГПУ,OGPU\n".encode())
    assert [(t.ru, t.equivalents[0].en) for t in result.terms] == [
        ("тройка", "troika"),
        ("ОГПУ", "OGPU"),
    ]


def test_an_unknown_header_row_is_not_imported_as_a_term() -> None:
    with pytest.raises(GlossaryImportError, match="line 1 looks like a header row"):
        import_csv("Russian term,English term\nтройка,troika\n".encode())


def test_duplicates_and_punctuation_only_terms_are_refused_together() -> None:
    data = "ru,en\nтройка,troika\nТройки,troikas\n«—»,dash\nОГПУ,OGPU\n".encode()
    with pytest.raises(GlossaryImportError) as err:
        import_csv(data)
    assert err.value.problems == [
        'line 3: "Тройки" is the same term as "тройка" (line 2); keep one entry and put all '
        "English equivalents in it",
        'line 4: the Russian term "«—»" has no letters or digits (only punctuation); write the '
        "term itself",
    ]
    assert "nothing was imported, 2 problems" in str(err.value)


def test_unknown_status_is_refused() -> None:
    with pytest.raises(GlossaryImportError, match='unknown status "maybe"'):
        import_csv("ru,en,status\nтройка,troika,maybe\n".encode())


def test_a_binary_file_is_refused() -> None:
    with pytest.raises(GlossaryImportError, match="neither UTF-8 nor Windows-1251"):
        import_csv(bytes(range(128, 256)) * 4)


def test_tbx_v3_round_trip() -> None:
    data = export_tbx(TERMS)
    text = data.decode("utf-8")
    assert 'xmlns="urn:iso:std:iso:30042:ed-2"' in text and 'type="TBX-Basic"' in text
    assert "<conceptEntry" in text and "preferredTerm-admn-sts" in text
    result = import_tbx(data)
    assert result.terms == TERMS
    assert result.warnings == []


TBX_2008 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en">
  <martifHeader><fileDesc><sourceDesc><p>From another tool</p></sourceDesc></fileDesc>
  </martifHeader>
  <text><body>
    <termEntry id="e1">
      <descrip type="subjectField">repression</descrip>
      <langSet xml:lang="ru-RU">
        <tig><term>тройка</term><termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></tig>
      </langSet>
      <langSet xml:lang="en-US">
        <tig><term>troika</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
        <ntig><termGrp><term>three-man board</term>
          <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termGrp></ntig>
      </langSet>
      <langSet xml:lang="de"><tig><term>Troika</term></tig></langSet>
      <customThing>ignored</customThing>
    </termEntry>
    <termEntry id="e2">
      <langSet xml:lang="ru"><tig><term>ОГПУ</term></tig>
        <descripGrp><descrip type="definition">Объединённое государственное политическое
          управление</descrip><vendorNote>x</vendorNote></descripGrp></langSet>
      <langSet xml:lang="en"><tig><term>OGPU</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""


def test_tbx_2008_martif_import() -> None:
    result = import_tbx(TBX_2008.encode())
    first, second = result.terms
    assert (first.id, first.ru, first.part_of_speech, first.domain, first.status) == (
        "e1",
        "тройка",
        "noun",
        "repression",
        "deprecated",  # from the Russian term's administrativeStatus
    )
    assert second.status == "approved"  # the default for a term without a status
    assert first.equivalents == (
        Equivalent("troika", "preferred"),
        Equivalent("three-man board", "admitted"),
    )
    assert second.note == "Объединённое государственное политическое управление"
    assert result.warnings == [
        "2 unknown TBX elements were ignored (<customThing>, <vendorNote>)",
        "languages other than Russian and English were ignored: de",
    ]


BOMB = """<?xml version="1.0"?>
<!DOCTYPE tbx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic"><text><body>
<conceptEntry id="c1"><langSec xml:lang="ru"><termSec><term>&d;</term></termSec></langSec>
</conceptEntry></body></text></tbx>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE tbx [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic"><text><body>
<conceptEntry id="c1"><langSec xml:lang="ru"><termSec><term>&secret;</term></termSec></langSec>
</conceptEntry></body></text></tbx>
"""


@pytest.mark.parametrize("xml", [BOMB, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_xml_entities_are_refused(xml: str) -> None:
    with pytest.raises(GlossaryImportError) as err:
        import_tbx(xml.encode(), filename="bad.tbx")
    message = str(err.value)
    assert message.startswith("bad.tbx: nothing was imported: the file declares XML entities")
    assert "root:" not in message  # never shows file content


def test_broken_or_foreign_xml_is_refused() -> None:
    with pytest.raises(GlossaryImportError, match="not well-formed XML"):
        import_tbx(b"<tbx><text>")
    with pytest.raises(GlossaryImportError, match=r"not TBX \(its root element is <html>"):
        import_tbx(b"<html><body/></html>")


def test_tbx_duplicates_are_reported_by_entry() -> None:
    data = export_tbx([TERMS[0], Term("t9", "тройки", (Equivalent("troikas"),))])
    with pytest.raises(GlossaryImportError) as err:
        import_tbx(data)
    assert err.value.problems == [
        'entry 2 (id "t9"): "тройки" is the same term as "тройка" (entry 1 (id "t1")); keep one '
        "entry and put all English equivalents in it"
    ]


def test_load_glossary_tells_formats_apart(tmp_path: Path) -> None:
    tbx = tmp_path / "terms.xml"
    tbx.write_bytes(export_tbx(TERMS[:2]))
    table = tmp_path / "terms.txt"
    table.write_text(export_csv(TERMS[:2]), encoding="utf-8")
    assert load_glossary(tbx).terms == load_glossary(table).terms == TERMS[:2]
    with pytest.raises(GlossaryImportError, match="cannot read the glossary file"):
        load_glossary(tmp_path / "missing.csv")


_WORD = st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюяАБВГДОПРСТ", min_size=2, max_size=10)
_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Co", "Cn"),
        blacklist_characters=";|",
    ),
    min_size=1,
    max_size=15,
).filter(lambda t: any(ch.isalnum() for ch in t))


@given(
    st.lists(
        st.tuples(
            st.lists(_WORD, min_size=1, max_size=3).map(" ".join),
            st.lists(st.tuples(_TEXT, st.sampled_from(EQUIVALENT_KINDS))),
            st.sampled_from(["proposed", "approved", "deprecated", "forbidden"]),
            _TEXT,
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: term_key(t[0]),
    )
)
@settings(max_examples=60, deadline=None)
def test_any_glossary_survives_both_formats(rows: list) -> None:  # type: ignore[type-arg]
    terms = []
    for number, (ru, equivalents, status, note) in enumerate(rows, start=1):
        unique: dict[str, Equivalent] = {}
        for en, kind in equivalents:
            unique.setdefault(en.casefold(), Equivalent(en, kind))
        ordered = sorted(unique.values(), key=lambda e: EQUIVALENT_KINDS.index(e.kind))
        terms.append(Term(f"t{number}", ru, tuple(ordered), status, note=note, domain=note))
    assert import_tbx(export_tbx(terms)).terms == terms
    assert import_csv(export_csv(terms).encode("utf-8")).terms == terms


@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(alphabet="ru,en;\t\"'=+-@\nтройкаOGPU|<>/&!x", max_size=200).map(str.encode),
        st.text(alphabet="<>/=\"' tbxmartiflangSecterm:ruenтройкаconceptEntry&;!DOCTYPE").map(
            str.encode
        ),
    )
)
@settings(max_examples=150, deadline=None)
def test_any_file_either_imports_or_says_why(data: bytes) -> None:
    for read in (import_csv, import_tbx):
        try:
            result = read(data)
        except GlossaryImportError as err:
            assert str(err).startswith("nothing was imported")
        else:
            assert result.terms
