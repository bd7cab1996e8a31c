"""XLIFF 2.1 and 1.2: round trips, states other tools understand, translate-toolkit, bad files."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from app.interchange.types import STATUSES, InterchangeError
from app.interchange.xliff import STATE_12, STATE_21, XLIFF2_NS, XLIFF12_NS, read_xliff
from tests.interchange.conftest import expected_pairs, export


@pytest.mark.parametrize("name", ["xliff21", "xliff12"])
def test_round_trip_restores_texts_exact_statuses_and_notes(name: str) -> None:
    memory = read_xliff(export(name))
    pairs = expected_pairs()
    assert len(memory.units) == len(pairs)
    assert {p.status for p in pairs} == set(STATUSES)
    for unit, pair in zip(memory.units, pairs, strict=True):
        assert (unit.ru, unit.en) == (pair.ru, pair.en)
        assert (unit.status, unit.kind) == (pair.status, pair.kind)
        assert unit.notes == pair.notes
        assert (unit.created_at, unit.changed_at) == (pair.created_at, pair.changed_at)
        assert (unit.created_by, unit.changed_by) == (pair.created_by, pair.changed_by)
        assert (unit.ru_paragraph, unit.en_paragraph) == (pair.ru_paragraph, pair.en_paragraph)
        assert unit.position == pair.position


def test_xliff21_segment_states_are_the_standard_ones() -> None:
    root = etree.fromstring(export("xliff21"))
    assert root.get("version") == "2.1" and root.get("srcLang") == "ru"
    segments = root.findall(f".//{{{XLIFF2_NS}}}segment")
    for segment, pair in zip(segments, expected_pairs(), strict=True):
        assert segment.get("state") == STATE_21[pair.status]
        assert segment.get("subState") == f"sverka:{pair.status}"
    assert {s.get("state") for s in segments} <= {"initial", "translated", "reviewed", "final"}


def test_xliff12_marks_approved_units() -> None:
    root = etree.fromstring(export("xliff12"))
    units = root.findall(f".//{{{XLIFF12_NS}}}trans-unit")
    for unit, pair in zip(units, expected_pairs(), strict=True):
        assert unit.get("approved") == ("yes" if pair.status == "approved" else "no")
        assert unit.find(f"{{{XLIFF12_NS}}}target").get("state") == STATE_12[pair.status]


def test_translate_toolkit_reads_our_xliff12() -> None:
    from translate.storage import xliff

    store: xliff.xlifffile = xliff.xlifffile(io.BytesIO(export("xliff12")))
    pairs = expected_pairs()
    assert len(store.units) == len(pairs)
    for unit, pair in zip(store.units, pairs, strict=True):
        if "\x07" not in pair.ru:
            assert (unit.source, unit.target) == (pair.ru, pair.en)
        assert unit.isapproved() == (pair.status == "approved")
    assert "top secret" in store.units[4].getnotes()


def test_translate_toolkits_po_flavoured_reader_accepts_our_xliff12_too() -> None:
    from translate.storage import poxliff

    store: poxliff.PoXliffFile = poxliff.PoXliffFile(io.BytesIO(export("xliff12")))
    assert len(store.units) == len(expected_pairs())
    assert (
        store.units[4].target == "Of these, 318 cases fall under Order No. 108ss of 2 April 1931."
    )
    assert "top secret" in store.units[4].getnotes()


def test_translate_toolkit_reads_our_xliff21() -> None:
    from translate.storage import xliff2

    store = xliff2.Xliff2File(io.BytesIO(export("xliff21")))
    pairs = expected_pairs()
    assert len(store.units) == len(pairs)
    for unit, pair in zip(store.units, pairs, strict=True):
        # Its XLIFF 2 reader drops <cp/>, the standard form of a control character.
        assert (unit.source, unit.target) == (
            pair.ru.replace("\x07", ""),
            pair.en.replace("\x07", ""),
        )
        # translate-toolkit (like Weblate) counts both "reviewed" and "final" as approved.
        assert unit.isapproved() == (pair.status in ("reviewed", "approved"))


def test_only_approved_units_go_out_when_asked() -> None:
    units = read_xliff(export("xliff21", only_approved=True)).units
    assert len(units) == len(expected_pairs(only_approved=True))
    assert {u.status for u in units} == {"approved"}


OTHER_TOOL_XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en-US" trgLang="ru-RU">
  <file id="f1">
    <unit id="1">
      <notes><note>check the date</note></notes>
      <segment state="final"><source>The order of <pc id="1">2 April</pc>.</source>
        <target>Приказ от <pc id="1">2 апреля</pc>.</target></segment>
      <ignorable><source> </source></ignorable>
      <segment state="translated"><source>Signed<ph id="2"/>.</source>
        <target>Подписано.</target></segment>
    </unit>
    <unit id="2"><segment><source>Untranslated.</source></segment></unit>
  </file>
</xliff>
"""


def test_reads_an_english_to_russian_file_from_another_tool() -> None:
    memory = read_xliff(OTHER_TOOL_XLIFF2.encode())
    assert [(u.ru, u.en, u.status) for u in memory.units] == [
        ("Приказ от 2 апреля.", "The order of 2 April.", "approved"),
        ("Подписано.", "Signed.", "translated"),
        ("", "Untranslated.", "auto"),
    ]
    assert memory.units[0].notes == ("check the date",)
    assert (memory.source_lang, memory.target_lang) == ("en", "ru")


def test_reads_xliff12_states_from_another_tool() -> None:
    data = f"""<xliff xmlns="{XLIFF12_NS}" version="1.2"><file original="a" datatype="plaintext"
      source-language="ru" target-language="en-GB"><body>
      <trans-unit id="a"><source>Да.</source><target state="signed-off">Yes.</target></trans-unit>
      <trans-unit id="b" approved="yes"><source>Нет.</source><target>No.</target></trans-unit>
      <trans-unit id="c"><source>Может <g id="1">быть</g>.</source></trans-unit>
    </body></file></xliff>"""
    units = read_xliff(data.encode()).units
    assert [(u.ru, u.en, u.status) for u in units] == [
        ("Да.", "Yes.", "reviewed"),
        ("Нет.", "No.", "approved"),
        ("Может быть.", "", None),
    ]


def test_a_german_xliff_is_refused() -> None:
    data = OTHER_TOOL_XLIFF2.replace('trgLang="ru-RU"', 'trgLang="de"')
    with pytest.raises(InterchangeError, match="Russian and English"):
        read_xliff(data.encode())
