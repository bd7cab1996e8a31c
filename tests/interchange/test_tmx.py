"""TMX export and import: round trips, the TMX 1.4b DTD, other tools' memories, bad files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from app.interchange.tmx import read_tmx
from app.interchange.types import InterchangeError
from tests.interchange.conftest import expected_pairs, export

OMEGAT_JAR = Path("/usr/share/omegat/OmegaT.jar")
DTD_MEMBER = "schemas/tmx14.dtd"


def test_round_trip_restores_texts_statuses_beads_and_history() -> None:
    memory = read_tmx(export("tmx"))
    pairs = expected_pairs()
    assert len(memory.units) == len(pairs)
    assert (memory.source_lang, memory.target_lang) == ("ru", "en")
    assert memory.tool == "Sverka"
    for unit, pair in zip(memory.units, pairs, strict=True):
        assert (unit.ru, unit.en) == (pair.ru, pair.en)
        assert (unit.status, unit.kind) == (pair.status, pair.kind)
        assert (unit.created_at, unit.changed_at) == (pair.created_at, pair.changed_at)
        assert (unit.created_by, unit.changed_by) == (pair.created_by, pair.changed_by)
        assert unit.notes == pair.notes
        assert unit.confidence == pytest.approx(pair.confidence)
        assert (unit.ru_paragraph, unit.en_paragraph) == (pair.ru_paragraph, pair.en_paragraph)
        assert unit.position == pair.position


def test_tricky_characters_survive_exactly() -> None:
    texts = {(u.ru, u.en) for u in read_tmx(export("tmx")).units}
    for ru, en in [
        ("Сумма & <итог> \"в кавычках\" 'и так' © 2026", "Total & <sum> \"quoted\" 'so' © 2026"),
        ("Архив 📁 и печать 🔏 — ударе\u0301ние", "Archive 📁 and seal 🔏 — stre\u0301ss"),
        ("№\u00a0108сс от\u00a02\u00a0апреля", "No.\u00a0108ss of\u00a02\u00a0April"),
        ("Строка\x07 с управляющим символом", "Line\x07 with a control character"),
        ("  отступ в начале", "trailing space  "),
    ]:
        assert (ru, en) in texts


def test_only_approved_pairs_are_exported_when_asked() -> None:
    units = read_tmx(export("tmx", only_approved=True)).units
    assert [u.ru for u in units] == [p.ru for p in expected_pairs(only_approved=True)]
    assert {u.status for u in units} == {"approved"}


def test_header_and_units_carry_what_the_standard_requires() -> None:
    root = etree.fromstring(export("tmx"))
    header = root.find("header")
    assert root.get("version") == "1.4"
    for attribute in (
        "creationtool",
        "creationtoolversion",
        "segtype",
        "o-tmf",
        "adminlang",
        "srclang",
        "datatype",
    ):
        assert header.get(attribute), attribute
    tus = root.findall("body/tu")
    assert len(tus) == len(expected_pairs())
    first = tus[5]
    assert first.get("creationdate") == "20260302T092100Z"
    assert first.get("changeid") == "o.petrova"
    props = {p.get("type"): p.text for p in first.findall("prop")}
    assert props["x-status"] == "reviewed" and props["x-bead"] == "1-2"
    langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in first]
    assert langs[-2:] == ["ru", "en"]


def test_validates_against_the_tmx14_dtd_shipped_in_omegat() -> None:
    if not OMEGAT_JAR.is_file():
        pytest.skip("needs Debian's omegat package (its OmegaT.jar carries the TMX 1.4b DTD)")
    with zipfile.ZipFile(OMEGAT_JAR) as jar:
        dtd = etree.DTD(io.BytesIO(jar.read(DTD_MEMBER)))
    for only_approved in (False, True):
        document = etree.fromstring(export("tmx", only_approved=only_approved))
        assert dtd.validate(document), dtd.error_log.filter_from_errors()


def test_translate_toolkit_reads_our_tmx() -> None:
    from translate.storage import tmx

    store = tmx.tmxfile(io.BytesIO(export("tmx")), sourcelanguage="ru", targetlanguage="en")
    pairs = expected_pairs()
    assert len(store.units) == len(pairs)
    for unit, pair in zip(store.units, pairs, strict=True):
        if "\x07" in pair.ru:
            # translate-toolkit flattens inline codes into their text: it shows our label.
            assert unit.source == pair.ru.replace("\x07", "U+0007")
            continue
        assert (unit.source, unit.target) == (pair.ru, pair.en)
    assert "top secret" in store.units[4].getnotes()


OTHER_TOOL_TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="OmegaT" creationtoolversion="4.3.2" segtype="sentence" o-tmf="OmegaT"
          adminlang="EN-US" srclang="EN-GB" datatype="plaintext"/>
  <body>
    <tu>
      <tuv xml:lang="EN-GB" changeid="anna" changedate="20191002T101500Z">
        <seg>The <bpt i="1" x="1">&lt;b0&gt;</bpt>troika<ept i="1">&lt;/b0&gt;</ept>
met twice.</seg>
      </tuv>
      <tuv xml:lang="ru-RU"><seg>Тройка <hi>заседала</hi> дважды.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="en-US"><seg>Only English here.</seg></tuv>
      <tuv xml:lang="de-DE"><seg>Nur Deutsch hier.</seg></tuv>
    </tu>
    <tu creationdate="20200101T000000Z" creationid="boris">
      <tuv lang="EN"><seg>Archive</seg></tuv>
      <tuv lang="RU"><seg>Архив</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_reads_another_tools_memory_with_regional_language_codes() -> None:
    memory = read_tmx(OTHER_TOOL_TMX.encode())
    assert [(u.ru, u.en) for u in memory.units] == [
        ("Тройка заседала дважды.", "The troika\nmet twice."),
        ("Архив", "Archive"),
    ]
    assert memory.skipped == 1
    assert (memory.source_lang, memory.target_lang) == ("en", "ru")
    assert memory.units[0].status is None and memory.tool == "OmegaT"
    assert memory.units[1].created_by == "boris"


def test_unknown_language_pair_is_refused_with_the_languages_found() -> None:
    data = OTHER_TOOL_TMX.replace("ru-RU", "fr-FR").replace('lang="RU"', 'lang="FR"')
    with pytest.raises(InterchangeError, match="Russian and English") as error:
        read_tmx(data.encode())
    assert "fr-FR" in str(error.value)


def test_a_thousand_languages_is_refused() -> None:
    tuvs = "".join(f'<tuv xml:lang="x{n:04d}"><seg>w{n}</seg></tuv>' for n in range(1000))
    data = (
        '<tmx version="1.4"><header srclang="ru" creationtool="x" creationtoolversion="1" '
        'segtype="sentence" o-tmf="x" adminlang="en" datatype="plaintext"/><body>'
        f'<tu><tuv xml:lang="ru"><seg>да</seg></tuv><tuv xml:lang="en"><seg>yes</seg></tuv>'
        f"{tuvs}</tu></body></tmx>"
    )
    with pytest.raises(InterchangeError, match="more than 40 languages"):
        read_tmx(data.encode())


def test_a_file_that_is_not_tmx_is_refused() -> None:
    with pytest.raises(InterchangeError, match="not a TMX file"):
        read_tmx(b"<html><body>hello</body></html>")
