"""XLIFF 2.1 (and 1.2 for older tools): send a document to a CAT tool and take it back.

Review status travels twice: as the standard segment state every tool understands
(``initial``/``translated``/``reviewed``/``final`` in 2.1, ``state`` and ``approved`` in 1.2)
and exactly, as ``subState="sverka:confirmed"`` (2.1) or ``sverka:status`` (1.2), so that a
round trip restores the six statuses Sverka has. Bead type, confidence, paragraphs, dates and
users go into the Metadata module (2.1) or ``sverka:`` attributes (1.2); notes are ``<note>``.
"""

from __future__ import annotations

from typing import BinaryIO

from lxml import etree

from app.interchange._xml import (
    DEFAULT_MAX_BYTES,
    XML_NS,
    base_lang,
    iso_date,
    local,
    parse_iso_date,
    parse_xml,
    read_limited,
    to_float,
    to_int,
)
from app.interchange.base import SVERKA_VERSION, Exporter, selected_pairs
from app.interchange.tmx import CHAR_CODE, fill_segment, segment_text
from app.interchange.types import (
    STATUSES,
    BilingualDocument,
    EditionOptions,
    ExportPair,
    ImportedMemory,
    ImportedUnit,
    InterchangeError,
)

XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
MDA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"
SVERKA_NS = "urn:x-sverka:interchange:1"
SPACE = f"{{{XML_NS}}}space"

#: Our status → XLIFF 2.1 segment state. ``auto`` and ``rejected`` both mean "nobody has
#: accepted this translation yet", which XLIFF calls ``initial``.
STATE_21 = {
    "auto": "initial",
    "confirmed": "translated",
    "translated": "translated",
    "reviewed": "reviewed",
    "approved": "final",
    "rejected": "initial",
}
FROM_STATE_21 = {
    "initial": "auto",
    "translated": "translated",
    "reviewed": "reviewed",
    "final": "approved",
}

#: Our status → XLIFF 1.2 target ``state``; ``approved="yes"`` is set for approved pairs.
STATE_12 = {
    "auto": "needs-review-translation",
    "confirmed": "translated",
    "translated": "translated",
    "reviewed": "signed-off",
    "approved": "final",
    "rejected": "needs-translation",
}
FROM_STATE_12 = {
    "new": "auto",
    "needs-translation": "auto",
    "needs-adaptation": "auto",
    "needs-l10n": "auto",
    "needs-review-translation": "translated",
    "needs-review-adaptation": "translated",
    "needs-review-l10n": "translated",
    "translated": "translated",
    "signed-off": "reviewed",
    "final": "approved",
}


def _x12(name: str) -> str:
    return f"{{{XLIFF12_NS}}}{name}"


def _x2(name: str) -> str:
    return f"{{{XLIFF2_NS}}}{name}"


def _sv(name: str) -> str:
    return f"{{{SVERKA_NS}}}{name}"


def _facts(pair: ExportPair) -> list[tuple[str, str]]:
    facts = [
        ("status", pair.status),
        ("bead", pair.kind),
        ("confidence", f"{pair.confidence:.4f}"),
        ("ru-paragraph", str(pair.ru_paragraph)),
        ("en-paragraph", str(pair.en_paragraph)),
        ("created-at", iso_date(pair.created_at)),
        ("changed-at", iso_date(pair.changed_at)),
    ]
    if pair.created_by:
        facts.append(("created-by", pair.created_by))
    if pair.changed_by:
        facts.append(("changed-by", pair.changed_by))
    return facts


class Xliff12Exporter(Exporter):
    name = "xliff12"
    verbose = "XLIFF 1.2 (older CAT tools)"
    extension = "xlf"
    content_type = "application/x-xliff+xml"

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        options = options or EditionOptions()
        nsmap = {None: XLIFF12_NS, "sverka": SVERKA_NS}
        count = 0
        with etree.xmlfile(out, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(_x12("xliff"), nsmap=nsmap, version="1.2"):  # type: ignore[arg-type]
                file_attrs = {
                    "original": doc.title or "document",
                    "source-language": doc.source_lang,
                    "target-language": doc.target_lang,
                    "datatype": "plaintext",
                    "tool-id": "sverka",
                }
                with xf.element(_x12("file"), file_attrs):
                    header = etree.Element(_x12("header"), nsmap=nsmap)  # type: ignore[arg-type]
                    etree.SubElement(
                        header,
                        _x12("tool"),
                        {
                            "tool-id": "sverka",
                            "tool-name": "Sverka",
                            "tool-version": SVERKA_VERSION,
                        },
                    )
                    xf.write(header)
                    with xf.element(_x12("body")):
                        for pair in selected_pairs(doc, options):
                            xf.write(self._unit(pair, nsmap), pretty_print=True)
                            count += 1
                            if count % 1000 == 0:
                                xf.flush()
        return count

    def _unit(self, pair: ExportPair, nsmap: dict[str | None, str]) -> etree._Element:
        unit = etree.Element(_x12("trans-unit"), nsmap=nsmap)  # type: ignore[arg-type]
        unit.set("id", str(pair.position))
        unit.set("approved", "yes" if pair.status == "approved" else "no")
        unit.set(SPACE, "preserve")
        for key, value in _facts(pair):
            unit.set(_sv(key), value)
        fill_segment(etree.SubElement(unit, _x12("source")), pair.ru, _xliff12_char)
        target = etree.SubElement(unit, _x12("target"), state=STATE_12[pair.status])
        fill_segment(target, pair.en, _xliff12_char)
        for note in pair.notes:
            fill_segment(etree.SubElement(unit, _x12("note")), note, _xliff12_char)
        return unit


def _xliff12_char(parent: etree._Element, code: int) -> etree._Element:
    ph = etree.SubElement(parent, _x12("ph"), id=f"char{code:x}", ctype=CHAR_CODE)
    ph.text = f"U+{code:04X}"
    return ph


def _xliff2_char(parent: etree._Element, code: int) -> etree._Element:
    # XLIFF 2 has an element just for this: <cp hex="0001"/>.
    return etree.SubElement(parent, _x2("cp"), hex=f"{code:04X}")


class Xliff21Exporter(Exporter):
    name = "xliff21"
    verbose = "XLIFF 2.1"
    extension = "xlf"
    content_type = "application/xliff+xml"

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        options = options or EditionOptions()
        nsmap = {None: XLIFF2_NS, "mda": MDA_NS}
        count = 0
        root_attrs = {"version": "2.1", "srcLang": doc.source_lang, "trgLang": doc.target_lang}
        with etree.xmlfile(out, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(_x2("xliff"), root_attrs, nsmap=nsmap):  # type: ignore[arg-type]
                file_attrs = {"id": "f1", "original": doc.title or "document"}
                with xf.element(_x2("file"), file_attrs):
                    for pair in selected_pairs(doc, options):
                        xf.write(self._unit(pair, nsmap), pretty_print=True)
                        count += 1
                        if count % 1000 == 0:
                            xf.flush()
        return count

    def _unit(self, pair: ExportPair, nsmap: dict[str | None, str]) -> etree._Element:
        unit = etree.Element(_x2("unit"), nsmap=nsmap)  # type: ignore[arg-type]
        unit.set("id", f"u{pair.position}")
        unit.set("name", str(pair.position))
        # On <unit>, not <file>: lxml's incremental writer mangles the xml: prefix there.
        unit.set(SPACE, "preserve")
        metadata = etree.SubElement(unit, f"{{{MDA_NS}}}metadata")
        group = etree.SubElement(metadata, f"{{{MDA_NS}}}metaGroup", category="sverka")
        for key, value in _facts(pair):
            etree.SubElement(group, f"{{{MDA_NS}}}meta", type=key).text = value
        if pair.notes:
            notes = etree.SubElement(unit, _x2("notes"))
            for note in pair.notes:
                fill_segment(etree.SubElement(notes, _x2("note")), note, _xliff2_char)
        segment = etree.SubElement(unit, _x2("segment"), id=f"s{pair.position}")
        segment.set("state", STATE_21[pair.status])
        segment.set("subState", f"sverka:{pair.status}")
        fill_segment(etree.SubElement(segment, _x2("source")), pair.ru, _xliff2_char)
        fill_segment(etree.SubElement(segment, _x2("target")), pair.en, _xliff2_char)
        return unit


def read_xliff(data: bytes | BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedMemory:
    """Read an XLIFF 1.2 or 2.x file back into Russian–English units.

    Exact statuses come back from our own files; other tools' states are mapped to the nearest
    Sverka status. An English→Russian file is read the right way round.
    """
    root = parse_xml(read_limited(data, max_bytes, "XLIFF"), "XLIFF")
    if local(root.tag) != "xliff":
        raise InterchangeError(
            f"This is not an XLIFF file (its main element is <{local(root.tag)}>, not <xliff>)."
        )
    version = root.get("version", "")
    if root.tag == _x2("xliff") or version.startswith("2"):
        return _read_xliff2(root)
    if root.tag == _x12("xliff") or version.startswith("1"):
        return _read_xliff12(root)
    raise InterchangeError(
        f"This XLIFF file has version “{version}”, which Sverka does not read; "
        "export XLIFF 1.2 or 2.x from your tool."
    )


def _direction(source: str, target: str) -> tuple[str, str]:
    pair = (base_lang(source), base_lang(target))
    if pair not in (("ru", "en"), ("en", "ru")):
        raise InterchangeError(
            f"This XLIFF file translates from “{source or '?'}” into “{target or '?'}”; "
            "Sverka works with Russian and English. Export a Russian–English file and retry."
        )
    return pair


def _read_xliff12(root: etree._Element) -> ImportedMemory:
    units: list[ImportedUnit] = []
    ns = root.nsmap.get(None, "")
    q = (lambda n: f"{{{ns}}}{n}") if ns else (lambda n: n)
    files = root.findall(q("file"))
    if not files:
        raise InterchangeError("This XLIFF file has no <file> element: it holds no text.")
    direction = ("ru", "en")
    for file in files:
        direction = _direction(file.get("source-language", ""), file.get("target-language", ""))
        for tu in file.iter(q("trans-unit")):
            source = tu.find(q("source"))
            target = tu.find(q("target"))
            src = segment_text(source) if source is not None else ""
            trg = segment_text(target) if target is not None else ""
            status = tu.get(_sv("status"))
            if status not in STATUSES:
                state = target.get("state", "") if target is not None else ""
                status = FROM_STATE_12.get(state)
                if tu.get("approved") == "yes":
                    status = "approved"
            facts = {
                local(k): v for k, v in tu.attrib.items() if str(k).startswith(f"{{{SVERKA_NS}}}")
            }
            notes = tuple(segment_text(n) for n in tu.findall(q("note")))
            units.append(_unit(direction, src, trg, status, facts, notes, tu.get("id")))
    return ImportedMemory(units=units, source_lang=direction[0], target_lang=direction[1])


def _read_xliff2(root: etree._Element) -> ImportedMemory:
    direction = _direction(root.get("srcLang", ""), root.get("trgLang", ""))
    units: list[ImportedUnit] = []
    for unit in root.iter(_x2("unit")):
        facts: dict[str, str] = {}
        for group in unit.iterfind(f"{{{MDA_NS}}}metadata/{{{MDA_NS}}}metaGroup"):
            if group.get("category") == "sverka":
                facts.update({m.get("type", ""): m.text or "" for m in group})
        notes = tuple(segment_text(n) for n in unit.iterfind(f"{_x2('notes')}/{_x2('note')}"))
        for index, segment in enumerate(unit.iter(_x2("segment"))):
            source = segment.find(_x2("source"))
            target = segment.find(_x2("target"))
            sub = segment.get("subState", "")
            status: str | None = sub.removeprefix("sverka:") if sub.startswith("sverka:") else None
            if status not in STATUSES:
                status = FROM_STATE_21.get(segment.get("state", "initial"))
            units.append(
                _unit(
                    direction,
                    segment_text(source) if source is not None else "",
                    segment_text(target) if target is not None else "",
                    status,
                    facts if index == 0 else {},
                    notes if index == 0 else (),
                    unit.get("name"),
                )
            )
    return ImportedMemory(units=units, source_lang=direction[0], target_lang=direction[1])


def _unit(
    direction: tuple[str, str],
    source: str,
    target: str,
    status: str | None,
    facts: dict[str, str],
    notes: tuple[str, ...],
    position: str | None,
) -> ImportedUnit:
    ru, en = (source, target) if direction[0] == "ru" else (target, source)
    return ImportedUnit(
        ru=ru,
        en=en,
        status=status,
        kind=facts.get("bead") or None,
        created_at=parse_iso_date(facts.get("created-at")),
        changed_at=parse_iso_date(facts.get("changed-at")),
        created_by=facts.get("created-by"),
        changed_by=facts.get("changed-by"),
        notes=notes,
        confidence=to_float(facts.get("confidence")),
        ru_paragraph=to_int(facts.get("ru-paragraph")),
        en_paragraph=to_int(facts.get("en-paragraph")),
        position=to_int(position),
    )
